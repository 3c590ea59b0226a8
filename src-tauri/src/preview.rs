//! Image previews over the app's own URI scheme, `desk-file`: the UI puts
//! `desk-file://localhost/<ticket id>/<attachment id>` in an `<img>` and WebKit fetches the bytes
//! from here, straight from the verified local copy (downloaded on first use). Before, a preview
//! crossed IPC as a base64 `data:` URL: a third larger, and held as a string in the page's
//! JavaScript heap for as long as the conversation was open.
//!
//! Only attachments the cache knows (by ticket and id) are served, only images, and only up to
//! the preview limit; anything else is a 404 the UI shows as "no preview".

use std::sync::Arc;

use tauri::http::{Response, StatusCode, header};
use tauri::{AppHandle, Manager, UriSchemeResponder};
use uuid::Uuid;

use crate::Shell;

pub const SCHEME: &str = "desk-file";
/// Larger images are not previewed (the file row still opens or saves them).
pub const PREVIEW_MAX: u64 = 20 * 1024 * 1024;

/// The ticket and attachment ids in a request's path: `/<ticket>/<attachment>`, the slash
/// possibly percent-encoded (the UI builds the URL with Tauri's `convertFileSrc`).
pub fn ids(path: &str) -> Option<(Uuid, Uuid)> {
    let path = path
        .trim_start_matches('/')
        .replace("%2F", "/")
        .replace("%2f", "/");
    let (ticket, attachment) = path.split_once('/')?;
    Some((
        Uuid::parse_str(ticket).ok()?,
        Uuid::parse_str(attachment).ok()?,
    ))
}

pub fn handle(app: &AppHandle, path: &str, responder: UriSchemeResponder) {
    let app = app.clone();
    let ids = ids(path);
    tauri::async_runtime::spawn(async move {
        let response = match ids {
            Some((ticket, id)) => serve(&app, ticket, id).await,
            None => Err((StatusCode::BAD_REQUEST, "bad preview address")),
        };
        responder.respond(response.unwrap_or_else(|(status, why)| {
            tracing::debug!(%status, why, "no preview");
            Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(why.as_bytes().to_vec())
                .unwrap_or_default()
        }));
    });
}

async fn serve(
    app: &AppHandle,
    ticket: Uuid,
    id: Uuid,
) -> Result<Response<Vec<u8>>, (StatusCode, &'static str)> {
    let shell = app.state::<Arc<Shell>>();
    let desk = shell
        .desk()
        .await
        .map_err(|_| (StatusCode::UNAUTHORIZED, "not signed in"))?;
    let attachment = desk
        .attachment(ticket, id)
        .await
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "cache unreadable"))?
        .ok_or((StatusCode::NOT_FOUND, "no such attachment"))?;
    if !attachment.media_type.starts_with("image/") || attachment.size > PREVIEW_MAX {
        return Err((StatusCode::NOT_FOUND, "no preview for this file"));
    }
    // Offline and never downloaded, or damaged on the way: no preview; the file row says more
    // when the person opens it.
    let path = desk
        .attachment_file(&attachment)
        .await
        .map_err(|_| (StatusCode::BAD_GATEWAY, "not downloaded"))?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "file unreadable"))?;
    Response::builder()
        .header(header::CONTENT_TYPE, attachment.media_type)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        // An attachment never changes under its id.
        .header(header::CACHE_CONTROL, "private, max-age=86400, immutable")
        .body(bytes)
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_paths_name_a_ticket_and_an_attachment() {
        let t = Uuid::now_v7();
        let a = Uuid::now_v7();
        assert_eq!(ids(&format!("/{t}/{a}")), Some((t, a)));
        assert_eq!(ids(&format!("/{t}%2F{a}")), Some((t, a)));
        assert_eq!(ids(&format!("/{t}%2f{a}")), Some((t, a)));
        assert_eq!(ids(&format!("/{t}")), None);
        assert_eq!(ids(&format!("/{t}/not-an-id")), None);
        assert_eq!(ids("/../../etc/passwd"), None);
        assert_eq!(ids(""), None);
    }
}
