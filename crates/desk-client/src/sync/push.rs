//! Pushing the outbox: in the order the writes were made, each item's files first, and the
//! server's answer stored in place of the provisional rows once it acknowledges the write.

use std::collections::HashSet;
use std::time::Duration;

use desk_domain::{ChangeData, CreateMessage, CreateTicket, OutageKind, ReportOutage};
use uuid::Uuid;

use super::project::server_conversation;
use super::{ClientEvent, Inner, backoff, needs_sign_in, now_ms, refresh_counts, set_online};
use crate::api::ApiError;
use crate::error::Error;
use crate::local::{Op, OutboxItem, OutboxState};

/// Sends what is due. Answers when the next deferred item is due, if any.
pub(super) async fn push(inner: &Inner) -> Option<i64> {
    let items = match inner.local.items().await {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            return None;
        }
    };
    // Writes go in the order they were made. One the server refused for good holds back only
    // later writes to the same ticket (they depend on it); the rest go on.
    let mut held: HashSet<Uuid> = HashSet::new();
    for item in items {
        if inner.stop.is_cancelled() {
            return None;
        }
        if item.state == OutboxState::Failed || held.contains(&item.ticket_id) {
            held.insert(item.ticket_id);
            continue;
        }
        if item.next_attempt_at > now_ms() {
            // Backing off after a transient failure: later writes wait too, so that
            // everything reaches the server in the order it was written.
            return Some(item.next_attempt_at);
        }
        match send(inner, &item).await {
            Ok(()) => {
                set_online(inner, true);
                refresh_counts(inner).await;
                inner.emit(ClientEvent::ModelsChanged {
                    tickets: vec![item.ticket_id],
                    topics: false,
                    outbox: true,
                });
            }
            Err(e) if e.is_unauthorized() => {
                needs_sign_in(inner);
                return None;
            }
            Err(e) if e.is_transient() => {
                if matches!(e, ApiError::Transport(_)) {
                    set_online(inner, false);
                }
                let attempts = u32::try_from(item.attempts).unwrap_or(u32::MAX);
                let at = now_ms()
                    + backoff(attempts, Duration::from_secs(1), Duration::from_secs(300))
                        .as_millis() as i64;
                let _ = inner
                    .local
                    .retry_later(item.seq, at, &Error::from(e).message)
                    .await;
                // Nothing after it goes first.
                return Some(at);
            }
            Err(e) => {
                let code = e.code().map(|c| c.as_str()).unwrap_or("bad_request");
                let message = Error::from(e.clone()).message;
                tracing::warn!(seq = item.seq, code, %message, "the server refused a queued write");
                let _ = inner.local.fail(item.seq, code, &message).await;
                held.insert(item.ticket_id);
                refresh_counts(inner).await;
                inner.emit(ClientEvent::ModelsChanged {
                    tickets: vec![item.ticket_id],
                    topics: false,
                    outbox: true,
                });
            }
        }
    }
    None
}

/// Sends one item: its files first (each once), then the write; on acknowledgement the server's
/// answer replaces the provisional rows and the item leaves the outbox.
async fn send(inner: &Inner, item: &OutboxItem) -> Result<(), ApiError> {
    let mut attachment_ids = Vec::with_capacity(item.files.len());
    let mut uploaded = Vec::with_capacity(item.files.len());
    for f in &item.files {
        let id = match f.server_id {
            Some(id) => id,
            None => {
                let a = inner.api.upload(&f.path, &f.filename).await?;
                if a.sha256 != f.sha256 {
                    return Err(ApiError::Decode(format!(
                        "{} changed on the way: checksum mismatch",
                        f.filename
                    )));
                }
                let _ = inner.local.set_file_uploaded(f.id, a.id).await;
                a.id
            }
        };
        attachment_ids.push(id);
        uploaded.push((f, id));
    }
    let me = inner.me().id;
    let local_err = |e: anyhow::Error| ApiError::Decode(e.to_string());
    match &item.op {
        Op::CreateTicket {
            topic_id,
            subject,
            body,
        } => {
            let t = inner
                .api
                .create_ticket(&CreateTicket {
                    id: item.entity_id,
                    topic_id: topic_id.clone(),
                    subject: subject.clone(),
                    body: body.clone(),
                    attachment_ids,
                    organization_id: None,
                })
                .await?;
            // The server's first message, fetched now, takes the provisional one's place as it
            // is stored; when the fetch fails, the provisional one stays until the next pull
            // brings it, so the conversation never shows empty.
            let mut entities = vec![ChangeData::Ticket(t)];
            entities.extend(server_conversation(inner, item.entity_id).await);
            inner.cache.put_all(entities, me).await.map_err(local_err)?;
        }
        Op::AddMessage { body, internal } => {
            let m = inner
                .api
                .add_message(
                    item.ticket_id,
                    &CreateMessage {
                        id: item.entity_id,
                        body: body.clone(),
                        internal: *internal,
                        attachment_ids,
                    },
                )
                .await?;
            inner
                .cache
                .put(ChangeData::Message(m), me)
                .await
                .map_err(local_err)?;
        }
        Op::ReportOutage { kind, description } => {
            send_report(inner, item, *kind, description, attachment_ids).await?;
        }
        Op::UpdateTicket { update } => {
            let t = inner.api.update_ticket(item.ticket_id, update).await?;
            inner
                .cache
                .put(ChangeData::Ticket(t), me)
                .await
                .map_err(local_err)?;
        }
    }
    inner.local.complete(item.seq).await.map_err(local_err)?;
    // What was sent is now the server's attachment: keep the copy as its verified download.
    for (f, server_id) in uploaded {
        keep_as_download(inner, server_id, &f.path, &f.filename, &f.sha256).await;
    }
    Ok(())
}

async fn keep_as_download(
    inner: &Inner,
    attachment: Uuid,
    path: &std::path::Path,
    filename: &str,
    sha256: &str,
) {
    let dir = inner.downloads_dir().join(attachment.simple().to_string());
    if tokio::fs::create_dir_all(&dir).await.is_err() {
        return;
    }
    let dest = dir.join(safe_name(filename));
    if tokio::fs::rename(path, &dest).await.is_ok() {
        let _ = inner.cache.put_file(attachment, &dest, sha256).await;
    }
}

pub(super) fn safe_name(name: &str) -> String {
    let n: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let n = n.trim_matches('.').trim();
    if n.is_empty() {
        "file".into()
    } else {
        n.to_owned()
    }
}

/// Sends a queued report; on acknowledgement the server's ticket and incident replace the
/// provisional rows.
pub(crate) async fn send_report(
    inner: &Inner,
    item: &OutboxItem,
    kind: OutageKind,
    description: &str,
    attachment_ids: Vec<Uuid>,
) -> Result<(), ApiError> {
    let local_err = |e: anyhow::Error| ApiError::Decode(e.to_string());
    let r = inner
        .api
        .report_outage(&ReportOutage {
            id: item.entity_id,
            kind,
            description: description.to_owned(),
            attachment_ids,
            organization_id: None,
        })
        .await?;
    let incident = r.incident.id;
    let mut entities = vec![
        ChangeData::Ticket(r.ticket),
        ChangeData::Incident(r.incident),
    ];
    // The server's first message replaces the provisional one as it is stored (or with the
    // next pull, when this fetch fails).
    entities.extend(server_conversation(inner, item.entity_id).await);
    inner
        .cache
        .put_all(entities, inner.me().id)
        .await
        .map_err(local_err)?;
    inner.emit(ClientEvent::IncidentsChanged {
        incidents: vec![incident],
        pages: false,
        duty: false,
        telegram_requests: false,
    });
    Ok(())
}
