//! Attachments: streamed to the blob store as they arrive (never held whole in memory), hashed
//! on the way in, their type sniffed from the bytes, refused past the size limit while
//! streaming. A refused or cut upload leaves neither a blob nor a row. A file is visible to its
//! uploader until it is attached, then to whoever may see the message it belongs to.

use bytes::Bytes;
use desk_domain::Attachment;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tracing::instrument;
use uuid::Uuid;

use crate::actor::Viewer;
use crate::blobs::BlobReader;
use crate::error::{Error, Result};
use crate::storage::AttachmentInsert;
use crate::{Core, validate};

const SNIFF_BYTES: usize = 8192;

/// The media type from the first bytes; text when it reads as UTF-8, else generic binary.
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if head.is_empty() {
        return "application/octet-stream".into();
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut by the end of the sniffed prefix is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if valid && !head.contains(&0) {
        "text/plain; charset=utf-8".into()
    } else {
        "application/octet-stream".into()
    }
}

impl Core {
    /// Stores an upload of `filename` (`declared` bytes, when the sender said) from `body`.
    /// Any error of the stream means the upload was cut.
    #[instrument(skip_all, err, fields(user_id = %v.user_id))]
    pub async fn upload<S, E>(
        &self,
        v: &Viewer,
        filename: &str,
        declared: Option<u64>,
        mut body: S,
    ) -> Result<Attachment>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin + Send,
    {
        let filename = validate::filename(filename)?;
        let limit = self.settings.max_attachment_bytes;
        if declared.is_some_and(|n| n > limit) {
            return Err(Error::payload_too_large(limit));
        }
        let mut blob = self.blobs.begin().await?;
        let mut hasher = Sha256::new();
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut size: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| Error::upload_incomplete())?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(Error::payload_too_large(limit));
            }
            if head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            blob.write(&chunk).await?;
        }
        if declared.is_some_and(|n| n != size) {
            return Err(Error::upload_incomplete());
        }
        let attachment = Attachment {
            id: Uuid::now_v7(),
            filename,
            size,
            media_type: sniff(&head),
            sha256: hex::encode(hasher.finalize()),
        };
        blob.finish(attachment.id).await?;
        let row = AttachmentInsert {
            attachment: attachment.clone(),
            uploader_id: v.user_id,
            created_at_ms: self.clock.now_ms(),
        };
        let recorded = self
            .write(move |tx| Box::pin(async move { tx.insert_attachment(&row).await }))
            .await;
        if let Err(e) = recorded {
            let _ = self.blobs.remove(attachment.id).await;
            return Err(e);
        }
        tracing::info!(attachment_id = %attachment.id, size, media_type = %attachment.media_type, "attachment stored");
        Ok(attachment)
    }

    /// Stores a small file already in memory (demo data, imports) exactly as an upload would.
    #[instrument(skip_all, err)]
    pub async fn store_bytes(
        &self,
        v: &Viewer,
        filename: &str,
        bytes: &[u8],
    ) -> Result<Attachment> {
        let chunk = Bytes::copy_from_slice(bytes);
        let body = futures::stream::iter([Ok::<_, std::convert::Infallible>(chunk)]);
        self.upload(v, filename, Some(bytes.len() as u64), body)
            .await
    }

    /// The attachment and its bytes, if `v` may fetch it.
    #[instrument(skip_all, err, fields(attachment_id = %id))]
    pub async fn attachment(&self, v: &Viewer, id: Uuid) -> Result<(Attachment, BlobReader)> {
        let not_found = || Error::not_found("Файл", "File");
        let a = self.storage.attachment(id).await?.ok_or_else(not_found)?;
        let visible = match a.organization_id {
            // Not yet part of a message: only its uploader may fetch it back.
            None => a.uploader_id == v.user_id,
            Some(org) => v.sees_org(org) && (v.is_staff() || !a.internal),
        };
        if !visible {
            return Err(not_found());
        }
        let Some(bytes) = self.blobs.open(id).await? else {
            let mut err = not_found();
            err.cause = Some(format!("attachment {id} has a row but no blob"));
            return Err(err);
        };
        Ok((a.attachment, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff("Привіт".as_bytes()), "text/plain; charset=utf-8");
        assert_eq!(
            sniff(&"Привіт".as_bytes()[..5]),
            "text/plain; charset=utf-8"
        );
        assert_eq!(sniff(&[0, 1, 2, 3, 255]), "application/octet-stream");
    }
}
