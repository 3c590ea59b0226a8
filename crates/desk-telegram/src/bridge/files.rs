//! Files in, for both bots: a photo, document, video or voice note of a Telegram message is
//! downloaded with `getFile` and stored through desk-core's attachment service as the linked
//! customer's upload (the same sha256, sniffing and size limit as the app's). Over the Bot
//! API's 20 MB download limit a file is not fetched; the caller tells the chat plainly to attach
//! it in the app (`text::file_notes`), and the text still lands.
//!
//! The download happens before the one transaction that claims the update: a crash in between
//! leaves an attachment no message refers to (only its uploader could fetch it, as an app upload
//! whose message was never sent), and the repeated update stores the file again, so nothing
//! shows twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use desk_core::Viewer;
use desk_domain::{ErrorCode, Role, TelegramLink};
use futures::StreamExt;
use uuid::Uuid;

use super::BotCtx;
use crate::Error;
use crate::types::Message;

/// Largest file a bot may download from Telegram (`getFile`).
pub const DOWNLOAD_LIMIT: u64 = 20 * 1024 * 1024;

/// The linked customer the chat speaks for: their organisation's tickets, nothing else.
pub(crate) fn customer(link: &TelegramLink) -> Viewer {
    Viewer {
        user_id: link.linked_by,
        role: Role::Customer,
        organization_id: Some(link.organization_id),
    }
}

/// A file of a Telegram message, as it will be stored.
struct TgFile {
    file_id: String,
    size: Option<u64>,
    name: String,
}

fn files_of(m: &Message) -> Vec<TgFile> {
    let id = m.message_id;
    let mut out = Vec::new();
    if let Some(p) = m.largest_photo() {
        out.push(TgFile {
            file_id: p.file_id.clone(),
            size: p.file_size,
            // Telegram re-encodes every photo as JPEG.
            name: format!("photo_{id}.jpg"),
        });
    }
    if let Some(d) = &m.document {
        out.push(TgFile {
            file_id: d.file_id.clone(),
            size: d.file_size,
            name: d.file_name.clone().unwrap_or_else(|| format!("file_{id}")),
        });
    }
    if let Some(v) = &m.video {
        out.push(TgFile {
            file_id: v.file_id.clone(),
            size: v.file_size,
            name: v
                .file_name
                .clone()
                .unwrap_or_else(|| format!("video_{id}.mp4")),
        });
    }
    if let Some(v) = &m.voice {
        out.push(TgFile {
            file_id: v.file_id.clone(),
            size: v.file_size,
            name: format!("voice_{id}.ogg"),
        });
    }
    out
}

/// Whether the message carries a file the bots take (photo, document, video, voice note).
pub(crate) fn has_files(m: &Message) -> bool {
    !files_of(m).is_empty()
}

/// What became of a message's files.
#[derive(Default)]
pub(crate) struct Files {
    pub ids: Vec<Uuid>,
    pub names: Vec<String>,
    /// Over the download limit (or the server's own): to be attached in the app.
    pub too_large: Vec<String>,
    /// Telegram would not hand them over.
    pub failed: Vec<String>,
}

impl Files {
    /// What a message of files alone says: «📎 photo_12.jpg, kasa.pdf»; empty when none landed.
    pub fn label(&self) -> String {
        if self.names.is_empty() {
            String::new()
        } else {
            format!("📎 {}", self.names.join(", "))
        }
    }
}

fn retry_later(what: &str, e: impl std::fmt::Display) -> desk_core::Error {
    let mut err = desk_core::Error::unavailable();
    err.cause = Some(format!("{what}: {e}"));
    err
}

/// Downloads the message's files and stores them as `v`'s uploads. A failure that may pass
/// (the network, Telegram's 5xx) is an error, so the update is tried again later.
pub(crate) async fn take_files(ctx: &BotCtx, v: &Viewer, m: &Message) -> desk_core::Result<Files> {
    let mut got = Files::default();
    for f in files_of(m) {
        if f.size.is_some_and(|s| s > DOWNLOAD_LIMIT) {
            got.too_large.push(f.name);
            continue;
        }
        let fetched = match ctx.api.get_file(&f.file_id).await {
            Ok(file) => ctx.api.download(&file, DOWNLOAD_LIMIT).await,
            Err(e) => Err(e),
        };
        let download = match fetched {
            Ok(d) => d,
            Err(Error::TooLarge { .. }) => {
                got.too_large.push(f.name);
                continue;
            }
            Err(Error::Rejected { description, .. }) if description.contains("too big") => {
                got.too_large.push(f.name);
                continue;
            }
            Err(Error::Rejected { description, .. }) => {
                tracing::warn!(%description, "telegram will not hand over a file");
                got.failed.push(f.name);
                continue;
            }
            Err(e) => return Err(retry_later("getFile or the file's download", e)),
        };
        let over = Arc::new(AtomicBool::new(false));
        let seen = over.clone();
        let declared = download.len;
        let body = download.into_stream().map(move |c| {
            if let Err(Error::TooLarge { .. }) = &c {
                seen.store(true, Ordering::Relaxed);
            }
            c
        });
        match ctx.core.upload(v, &f.name, declared, Box::pin(body)).await {
            Ok(a) => {
                got.ids.push(a.id);
                got.names.push(a.filename);
            }
            Err(e) if e.code == ErrorCode::PayloadTooLarge => got.too_large.push(f.name),
            Err(_) if over.load(Ordering::Relaxed) => got.too_large.push(f.name),
            Err(e) if e.code == ErrorCode::UploadIncomplete => {
                return Err(retry_later("file download", "cut short"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The files of `m` from `link`'s chat, or `None` when update `update_id` was handled before
/// (a repeat after a crash: nothing to download again). No files: nothing asked of Telegram.
pub(crate) async fn files_of_update(
    ctx: &BotCtx,
    update_id: i64,
    link: &TelegramLink,
    m: &Message,
) -> desk_core::Result<Option<Files>> {
    if !has_files(m) {
        return Ok(Some(Files::default()));
    }
    if ctx
        .core
        .telegram_update_handled(ctx.kind, update_id)
        .await?
    {
        return Ok(None);
    }
    take_files(ctx, &customer(link), m).await.map(Some)
}
