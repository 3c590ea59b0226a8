//! Attachments: uploaded as a raw byte stream before the ticket or message that uses them,
//! written to disk as they arrive (never held whole in memory), hashed on the way in, sniffed
//! for their type, and refused past the size limit while streaming. A rejected or cut upload
//! leaves neither a file nor a row.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use desk_domain::{Attachment, limits};
use futures::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::store::NewAttachment;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/attachments",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/attachments/{id}", get(download))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the user knows it; path parts are dropped.
    pub filename: String,
}

/// Removes the partial file unless the upload completed.
struct PartGuard(Option<PathBuf>);

impl Drop for PartGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A file name safe to store and show: last path component, no control characters.
pub fn clean_filename(raw: &str) -> Result<String, ApiError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().trim_matches('.').trim();
    if cleaned.is_empty() {
        return Err(ApiError::validation(
            "Файл не має назви. Перейменуйте його й додайте ще раз.",
            "The file has no name. Rename it and attach it again.",
        ));
    }
    if cleaned.chars().count() > limits::FILENAME_MAX_CHARS {
        return Err(ApiError::validation(
            "Назва файлу задовга (понад 255 символів). Перейменуйте файл.",
            "The file name is too long (over 255 characters). Rename the file.",
        ));
    }
    Ok(cleaned.to_owned())
}

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

const SNIFF_BYTES: usize = 8192;

/// Streams the request body to storage. Answers the attachment's id to reference later.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments", security(("bearer" = [])),
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 413, body = desk_domain::ErrorBody),
              (status = 400, body = desk_domain::ErrorBody)))]
pub async fn upload(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Attachment>), ApiError> {
    let filename = clean_filename(&q.filename)?;
    let limit = st.config.max_attachment_bytes;
    let declared: Option<u64> = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::payload_too_large(limit));
    }

    let part = st.store.upload_path();
    let mut guard = PartGuard(Some(part.clone()));
    let mut file = tokio::fs::File::create(&part).await?;
    let mut hasher = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut size: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::upload_incomplete())?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await?;
    }
    if declared.is_some_and(|n| n != size) {
        return Err(ApiError::upload_incomplete());
    }
    // Durable before we answer: the data, then the rename into place, then the directory entry.
    file.sync_all().await?;
    drop(file);
    let id = Uuid::now_v7();
    let blob = st.store.blob_path(id);
    tokio::fs::rename(&part, &blob).await?;
    guard.0 = Some(blob.clone());
    sync_dir(blob.parent()).await?;

    let attachment = Attachment {
        id,
        filename: filename.clone(),
        size,
        media_type: sniff(&head),
        sha256: hex::encode(hasher.finalize()),
    };
    st.store
        .insert_attachment(
            &auth.viewer,
            NewAttachment {
                id,
                filename,
                size,
                media_type: attachment.media_type.clone(),
                sha256: attachment.sha256.clone(),
            },
        )
        .await?;
    guard.0 = None;
    tracing::info!(attachment_id = %id, size, media_type = %attachment.media_type, "attachment stored");
    Ok((StatusCode::CREATED, Json(attachment)))
}

/// Stores a small file already in memory (demo data, imports) exactly as an upload would.
pub async fn store_bytes(
    store: &dyn crate::store::Store,
    v: &crate::rules::Viewer,
    filename: &str,
    bytes: &[u8],
) -> Result<Attachment, ApiError> {
    let filename = clean_filename(filename)?;
    let id = Uuid::now_v7();
    let blob = store.blob_path(id);
    tokio::fs::write(&blob, bytes).await?;
    let attachment = Attachment {
        id,
        filename: filename.clone(),
        size: bytes.len() as u64,
        media_type: sniff(&bytes[..bytes.len().min(SNIFF_BYTES)]),
        sha256: hex::encode(Sha256::digest(bytes)),
    };
    let rec = NewAttachment {
        id,
        filename,
        size: attachment.size,
        media_type: attachment.media_type.clone(),
        sha256: attachment.sha256.clone(),
    };
    if let Err(e) = store.insert_attachment(v, rec).await {
        let _ = tokio::fs::remove_file(&blob).await;
        return Err(e);
    }
    Ok(attachment)
}

async fn sync_dir(dir: Option<&Path>) -> std::io::Result<()> {
    let Some(dir) = dir else { return Ok(()) };
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(std::io::Error::other)?
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` — safe for any name.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The file's bytes, streamed, for whoever may see its ticket (or its uploader, before use).
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, body = desk_domain::ErrorBody)))]
pub async fn download(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let rec = st
        .store
        .attachment(&auth.viewer, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Файл", "File"))?;
    let file = tokio::fs::File::open(&rec.path).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            let mut err = ApiError::not_found("Файл", "File");
            err.cause = Some(format!("attachment {id} has a row but no file"));
            err
        } else {
            ApiError::internal(e)
        }
    })?;
    let a = rec.attachment;
    let mut res = Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(file)));
    let h = res.headers_mut();
    let hv = |s: &str| {
        HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    h.insert(header::CONTENT_TYPE, hv(&a.media_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(a.size));
    h.insert(
        header::CONTENT_DISPOSITION,
        hv(&content_disposition(&a.filename)),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    h.insert(header::ETAG, hv(&format!("\"{}\"", a.sha256)));
    h.insert("x-content-sha256", hv(&a.sha256));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_cleaned() {
        assert_eq!(
            clean_filename("../../etc/passwd").ok().as_deref(),
            Some("passwd")
        );
        assert_eq!(
            clean_filename("C:\\Users\\x\\Знімок екрана.png")
                .ok()
                .as_deref(),
            Some("Знімок екрана.png")
        );
        assert!(clean_filename("dir/").is_err());
        assert!(clean_filename("..").is_err());
        assert_eq!(
            clean_filename("a\u{0}b\n.txt").ok().as_deref(),
            Some("ab.txt")
        );
    }

    #[test]
    fn disposition_is_safe() {
        let d = content_disposition("звіт \"березень\".pdf");
        assert!(d.starts_with("attachment; filename=\""));
        assert!(!d.contains("\"березень\""));
        assert!(d.contains("filename*=UTF-8''"));
    }

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
