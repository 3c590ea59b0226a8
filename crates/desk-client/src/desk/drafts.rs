//! Drafts: autosaved as the user types, with their files copied in at once, so nothing typed
//! or attached is lost to a crash or a closed window.

use std::path::Path;

use uuid::Uuid;

use super::{Desk, DraftInput};
use crate::error::Error;
use crate::local::{Draft, LocalFile};

impl Desk {
    pub fn new_ticket_draft_key() -> &'static str {
        "new-ticket"
    }

    pub fn reply_draft_key(ticket: Uuid) -> String {
        format!("reply:{ticket}")
    }

    pub async fn draft(&self, key: &str) -> Result<Option<Draft>, Error> {
        Ok(self.inner.local.draft(key).await?)
    }

    /// The draft under `key`, about to be sent: "the draft is empty" if there is none.
    pub(crate) async fn draft_to_send(&self, key: &str) -> Result<Draft, Error> {
        self.draft(key)
            .await?
            .ok_or_else(|| Error::invalid("Чернетка порожня.", "The draft is empty."))
    }

    /// Autosave: call as the user types.
    pub async fn save_draft(&self, key: &str, d: &DraftInput) -> Result<(), Error> {
        Ok(self
            .inner
            .local
            .save_draft(key, d.topic_id.as_deref(), &d.subject, &d.body, d.internal)
            .await?)
    }

    /// Copies `path` into the app's data dir at once and adds it to the draft.
    pub async fn attach_to_draft(&self, key: &str, path: &Path) -> Result<LocalFile, Error> {
        let f = crate::files::copy_in(
            path,
            &self.inner.files_dir(),
            self.inner.config.max_attachment_bytes,
        )
        .await?;
        if let Err(e) = self.inner.local.add_draft_file(key, &f).await {
            let _ = tokio::fs::remove_file(&f.path).await;
            return Err(e.into());
        }
        Ok(f)
    }

    /// Adds bytes (a pasted image) to the draft as a file named `filename`.
    pub async fn attach_bytes_to_draft(
        &self,
        key: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<LocalFile, Error> {
        if bytes.len() as u64 > self.inner.config.max_attachment_bytes {
            return Err(Error::file_too_large(
                Path::new(filename),
                bytes.len() as u64,
                self.inner.config.max_attachment_bytes,
            ));
        }
        let staging = self.inner.dir.join("staging");
        tokio::fs::create_dir_all(&staging)
            .await
            .map_err(Error::storage)?;
        let name = {
            let n: String = filename
                .chars()
                .filter(|c| !matches!(c, '/' | '\\') && !c.is_control())
                .collect();
            if n.trim().is_empty() {
                "image.png".to_owned()
            } else {
                n
            }
        };
        let tmp = staging.join(&name);
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(Error::storage)?;
        let res = self.attach_to_draft(key, &tmp).await;
        let _ = tokio::fs::remove_file(&tmp).await;
        res
    }

    pub async fn remove_draft_file(&self, key: &str, file: Uuid) -> Result<(), Error> {
        if let Some(p) = self.inner.local.remove_draft_file(key, file).await? {
            let _ = tokio::fs::remove_file(p).await;
        }
        Ok(())
    }

    pub async fn discard_draft(&self, key: &str) -> Result<(), Error> {
        for p in self.inner.local.discard_draft(key).await? {
            let _ = tokio::fs::remove_file(p).await;
        }
        Ok(())
    }
}
