//! Messages out: one bot's share of desk-core's send queue, each chat's messages in order,
//! paced to the Bot API's limits (about 1/s per chat, 20/min per group, 30/s in all); a message
//! is marked sent only when Telegram answers with its id.

use std::time::{Duration, Instant};

use desk_core::storage::Outgoing;

use super::notify::reader;
use super::poll::backoff;
use super::{BotCtx, pause};
use crate::pace::{Limits, Pacer};
use crate::types::{AnswerCallbackQuery, EditMessageText, SendMedia, SendMessage};
use crate::{Error, InputFile};

/// Most queued messages looked at per pass.
const BATCH: i64 = 200;
/// Longest sleep while nothing is due (retries fall due without a poke).
const IDLE: Duration = Duration::from_secs(1);

/// Telegram's limits with a margin: Telegram counts messages as they arrive, and a send recorded
/// here reaches it a little later, unevenly; without the margin a second at Telegram's end can
/// hold 31 (measured with `desk-bench telegram`).
fn limits() -> Limits {
    let d = Limits::default();
    let wider = |(n, p): (usize, Duration)| (n, p + p / 20);
    Limits {
        per_chat: wider(d.per_chat),
        per_group: wider(d.per_group),
        overall: wider(d.overall),
    }
}

/// Telegram's group and supergroup ids are negative; people's are positive.
fn is_group(chat_id: i64) -> bool {
    chat_id < 0
}

fn unreadable(method: &str, e: impl std::fmt::Display) -> Error {
    Error::Rejected {
        code: 400,
        description: format!("queued {method} unreadable: {e}"),
    }
}

fn read<T: serde::de::DeserializeOwned>(o: &Outgoing, method: &str) -> Result<T, Error> {
    serde_json::from_value(o.request.clone()).map_err(|e| unreadable(method, e))
}

/// A queued file: the attachment it names, read from desk-core's blob store now (not when it
/// was queued), and its caption.
#[derive(serde::Deserialize)]
struct QueuedFile {
    chat_id: i64,
    attachment_id: uuid::Uuid,
    caption: Option<String>,
}

/// Sends one queued request; the id of the message it made (0 for what makes none).
async fn send(ctx: &BotCtx, o: &Outgoing) -> Result<i64, Error> {
    let method = o
        .request
        .get("method")
        .and_then(|m| m.as_str())
        .unwrap_or("");
    match method {
        "sendMessage" => {
            let req: SendMessage = read(o, method)?;
            Ok(ctx.api.send_message(&req).await?.message_id)
        }
        "sendPhoto" | "sendDocument" => send_file(ctx, o, method == "sendPhoto").await,
        "answerCallbackQuery" => {
            let req: AnswerCallbackQuery = read(o, method)?;
            ctx.api.answer_callback_query(&req).await?;
            Ok(0)
        }
        "editMessageText" => {
            let req: EditMessageText = read(o, method)?;
            // The edit gets a row of its own under the same message id; a reply to the message
            // finds the ticket of whichever row names one (the question asked no ticket, its
            // answer may).
            Ok(ctx.api.edit_message_text(&req).await?.message_id)
        }
        other => Err(Error::Rejected {
            code: 400,
            description: format!("cannot send a queued `{other}`"),
        }),
    }
}

async fn send_file(ctx: &BotCtx, o: &Outgoing, photo: bool) -> Result<i64, Error> {
    let q: QueuedFile = read(o, "file")?;
    let mut media = SendMedia::to(q.chat_id);
    if let Some(c) = q.caption {
        media = media.caption_html(c);
    }
    let open = || async {
        match ctx.core.attachment(&reader(), q.attachment_id).await {
            Ok((a, blob)) => {
                let name = a.filename.clone();
                let stream = tokio_util::io::ReaderStream::new(blob);
                Ok(InputFile::stream(&name, &a.media_type, stream))
            }
            Err(e) if e.code == desk_domain::ErrorCode::NotFound => Err(Error::Rejected {
                code: 400,
                description: format!("attachment {} is gone", q.attachment_id),
            }),
            Err(e) => Err(Error::Transient(format!(
                "cannot read the attachment: {}",
                e.en
            ))),
        }
    };
    if photo {
        match ctx.api.send_photo(&media, open().await?).await {
            Ok(m) => return Ok(m.message_id),
            // Telegram takes only some pictures as photos (size, proportions): the rest go as
            // the file itself.
            Err(Error::Rejected { description, .. }) => {
                tracing::info!(%description, "telegram refuses a picture as a photo; sending it as a document");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(ctx
        .api
        .send_document(&media, open().await?)
        .await?
        .message_id)
}

pub(crate) async fn run(ctx: BotCtx) {
    let mut pacer = Pacer::new(limits());
    let mut failures = 0u32;
    loop {
        let due = match ctx.core.due_telegram(ctx.kind, BATCH).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e.en, cause = ?e.cause, "cannot read the telegram send queue");
                if !pause(&ctx.stopping, backoff(failures)).await {
                    return;
                }
                failures += 1;
                continue;
            }
        };
        failures = 0;
        let mut wake = Instant::now() + IDLE;
        let mut sent_any = false;
        for o in &due {
            if ctx.stopping.is_cancelled() {
                return;
            }
            let group = is_group(o.chat_id);
            let now = Instant::now();
            // Answering a button press puts nothing in the chat: it waits for no pacing.
            let in_chat =
                o.request.get("method").and_then(|m| m.as_str()) != Some("answerCallbackQuery");
            if in_chat && let Err(at) = pacer.try_send(o.chat_id, group, now) {
                wake = wake.min(at);
                continue;
            }
            let outcome = send(&ctx, o).await;
            let done = match outcome {
                Ok(message_id) => {
                    sent_any = true;
                    ctx.core.telegram_sent(o.id, message_id).await
                }
                Err(Error::RetryAfter(secs)) => {
                    let wait = Duration::from_secs(secs.max(1));
                    pacer.hold_chat(o.chat_id, Instant::now(), wait);
                    tracing::warn!(chat_id = o.chat_id, secs, "telegram asks to slow down");
                    ctx.core
                        .telegram_retry_later(
                            o.id,
                            i64::try_from(wait.as_millis()).unwrap_or(i64::MAX),
                        )
                        .await
                }
                Err(Error::Blocked { description }) => {
                    tracing::warn!(chat_id = o.chat_id, %description, "telegram refuses this chat");
                    ctx.core.telegram_chat_refused(ctx.kind, o.chat_id).await
                }
                Err(Error::Unauthorized) => {
                    tracing::error!(
                        bot = ctx.kind.as_str(),
                        "telegram no longer accepts the bot token; sending stopped"
                    );
                    return;
                }
                Err(Error::Rejected { code, description }) => {
                    tracing::error!(outgoing_id = o.id, code, %description, "telegram rejects a queued message; it is given up");
                    ctx.core.telegram_give_up(o.id, &description).await
                }
                Err(e) => {
                    let attempts = u32::try_from(o.attempts).unwrap_or(u32::MAX);
                    let wait = backoff(attempts);
                    tracing::warn!(outgoing_id = o.id, error = %e, "telegram send failed; will retry");
                    ctx.core
                        .telegram_retry_later(
                            o.id,
                            i64::try_from(wait.as_millis()).unwrap_or(i64::MAX),
                        )
                        .await
                }
            };
            if let Err(e) = done {
                tracing::error!(error = %e.en, cause = ?e.cause, "cannot record a telegram send");
            }
        }
        pacer.forget_idle(Instant::now());
        // Sent some: look again at once (the next message of those chats may be due).
        if sent_any && wake > Instant::now() + Duration::from_millis(50) {
            wake = Instant::now() + Duration::from_millis(50);
        }
        let sleep = wake.saturating_duration_since(Instant::now());
        tokio::select! {
            _ = ctx.stopping.cancelled() => return,
            _ = ctx.queued.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}
