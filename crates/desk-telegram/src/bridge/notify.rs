//! What chats must hear, read from the change log: a specialist's reply (never an internal
//! note, never an automatic message) on a ticket of an organisation with a linked support chat
//! goes to each such chat. The cursor moves in the same transaction as the queued messages, so
//! each reply is queued once, across crashes and restarts; a first start begins at the head (no
//! flood of old replies).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use desk_core::{Core, Viewer};
use desk_domain::calendar::SUPPORT_SERVICE_USER_ID;
use desk_domain::{Bot as BotKind, ChangeData, Channel, Message, Role, TelegramLink, Ticket};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::poll::{backoff, html};
use super::{pause, text};
use crate::split::split_message;

const CURSOR: &str = "support-replies";
/// Changes read per pass.
const PAGE: u32 = 500;
/// Longest wait for a poke before looking anyway.
const IDLE: Duration = Duration::from_secs(5);

/// The bridge reads as the support service's own account: staff, so it sees every
/// organisation's changes, and it is no person.
pub(crate) fn reader() -> Viewer {
    Viewer {
        user_id: SUPPORT_SERVICE_USER_ID,
        role: Role::Agent,
        organization_id: None,
    }
}

/// A reply a customer should hear of in Telegram.
fn tells_customer(m: &Message) -> bool {
    !m.internal
        && m.author.role.is_staff()
        && m.author.id != SUPPORT_SERVICE_USER_ID
        && m.channel != Channel::System
}

type Queued = (BotKind, i64, serde_json::Value, Option<Uuid>);

pub(crate) async fn run(
    core: Core,
    pokes: HashMap<BotKind, Arc<Notify>>,
    stopping: CancellationToken,
) {
    let Some(poke) = pokes.get(&BotKind::Support).cloned() else {
        return;
    };
    let viewer = reader();
    follow_log(&core, &stopping, &poke, "telegram notifications", || {
        pass(&core, &viewer)
    })
    .await;
}

/// Runs `pass` (one page of the change log after a cursor: whether it queued anything, and
/// whether more pages wait) whenever the log may have moved — at once while pages wait, on
/// every change note, at least every [`IDLE`] — poking the sender when it queued something,
/// backing off while it fails, until `stopping`.
pub(crate) async fn follow_log<F, Fut>(
    core: &Core,
    stopping: &CancellationToken,
    poke: &Notify,
    what: &str,
    mut pass: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = desk_core::Result<(bool, bool)>>,
{
    let mut notes = core.subscribe();
    let mut failures = 0u32;
    loop {
        match pass().await {
            Ok((queued, more)) => {
                failures = 0;
                if queued {
                    poke.notify_one();
                }
                if more {
                    continue;
                }
            }
            Err(e) => {
                tracing::error!(error = %e.en, cause = ?e.cause, "{what}: pass failed");
                if !pause(stopping, backoff(failures)).await {
                    return;
                }
                failures += 1;
                continue;
            }
        }
        tokio::select! {
            _ = stopping.cancelled() => return,
            note = notes.recv() => {
                if let Err(broadcast::error::RecvError::Closed) = note {
                    return;
                }
            }
            _ = tokio::time::sleep(IDLE) => {}
        }
    }
}

/// Reads one page after the cursor and queues what it asks for; whether anything was queued
/// and whether more pages wait.
async fn pass(core: &Core, viewer: &Viewer) -> desk_core::Result<(bool, bool)> {
    let Some(from) = core.telegram_cursor(CURSOR).await? else {
        let head = core.latest_seq(viewer).await?;
        core.queue_telegram_from_log(CURSOR, 0, head, Vec::new())
            .await?;
        return Ok((false, false));
    };
    let page = core.changes(viewer, from, PAGE).await?;
    if page.next == from {
        return Ok((false, false));
    }
    let replies: Vec<Message> = page
        .items
        .iter()
        .filter_map(|c| match &c.entity {
            ChangeData::Message(m) if tells_customer(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    let mut items: Vec<Queued> = Vec::new();
    if !replies.is_empty() {
        let links: Vec<TelegramLink> = core
            .telegram_links(viewer)
            .await?
            .into_iter()
            .filter(|l| l.bot == BotKind::Support)
            .collect();
        let mut tickets: HashMap<Uuid, Ticket> = page
            .items
            .iter()
            .filter_map(|c| match &c.entity {
                ChangeData::Ticket(t) => Some((t.id, t.clone())),
                _ => None,
            })
            .collect();
        for m in &replies {
            let ticket = match tickets.get(&m.ticket_id) {
                Some(t) => t.clone(),
                None => {
                    let t = core.ticket(viewer, m.ticket_id).await?;
                    tickets.insert(t.id, t.clone());
                    t
                }
            };
            let (header, body) = text::reply(&ticket, m);
            let parts = split_message(&header, &body)
                .unwrap_or_else(|_| vec![crate::html::escape(&m.body)]);
            for l in links
                .iter()
                .filter(|l| l.organization_id == ticket.organization_id)
            {
                for part in &parts {
                    items.push((
                        BotKind::Support,
                        l.chat.id,
                        html(l.chat.id, part.clone()),
                        Some(ticket.id),
                    ));
                }
                for request in file_requests(l.chat.id, &ticket, m) {
                    items.push((BotKind::Support, l.chat.id, request, Some(ticket.id)));
                }
            }
        }
    }
    let queued = !items.is_empty();
    let moved = core
        .queue_telegram_from_log(CURSOR, from, page.next, items)
        .await?;
    Ok((queued && moved, page.has_more))
}

/// Largest picture Telegram takes as a photo; larger ones go as documents.
const PHOTO_LIMIT: u64 = 10 * 1024 * 1024;

/// The reply's files, each a queued `sendPhoto` (pictures) or `sendDocument` (anything else)
/// that names the attachment: the sender reads its bytes from the blob store when it sends.
/// Files over the Bot API's 50 MB are named in the text instead ([`text::reply`]).
fn file_requests(chat_id: i64, ticket: &Ticket, m: &Message) -> Vec<serde_json::Value> {
    m.attachments
        .iter()
        .filter(|a| a.size <= text::UPLOAD_LIMIT)
        .map(|a| {
            let photo = matches!(
                a.media_type.as_str(),
                "image/jpeg" | "image/png" | "image/webp"
            ) && a.size <= PHOTO_LIMIT;
            serde_json::json!({
                "method": if photo { "sendPhoto" } else { "sendDocument" },
                "chat_id": chat_id,
                "attachment_id": a.id,
                "caption": crate::html::bold(&format!("#{}", ticket.number)),
            })
        })
        .collect()
}
