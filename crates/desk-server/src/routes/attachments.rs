//! Attachments: uploaded as a raw byte stream before the ticket or message that uses them, and
//! streamed back. The rules (size limit while streaming, hashing, sniffing, a cut upload leaving
//! nothing behind, who may fetch) are desk-core's; this is only HTTP.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use desk_domain::Attachment;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

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
    let declared: Option<u64> = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let attachment = st
        .core
        .upload(&auth.viewer, &q.filename, declared, body.into_data_stream())
        .await?;
    Ok((StatusCode::CREATED, Json(attachment)))
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
    let (a, bytes) = st.core.attachment(&auth.viewer, id).await?;
    let mut res = Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(bytes)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_is_safe() {
        let d = content_disposition("звіт \"березень\".pdf");
        assert!(d.starts_with("attachment; filename=\""));
        assert!(!d.contains("\"березень\""));
        assert!(d.contains("filename*=UTF-8''"));
    }
}
