//! Updates in: `getUpdates` from desk-core's offset; each update handled by one service call
//! that also marks it handled.

use std::time::Duration;

use desk_domain::{Bot as BotKind, BotIdentity, ChatKind, ChatRef};

use super::{BotCtx, Identities, alert, pause, support, text, unlinked};
use crate::Error;
use crate::types::{Chat, ChatType, GetUpdates, Message, SendMessage, Update};

/// Longest wait between tries of a bot that cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

pub(crate) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.min(7))).min(MAX_BACKOFF)
}

/// `getMe` until it answers; records the bot's name. `false` if the token is refused (the log
/// says so; nothing else can work) or the bridge stops first.
pub(crate) async fn identify(ctx: &BotCtx, ids: &Identities) -> bool {
    let mut attempt = 0;
    loop {
        match ctx.api.get_me().await {
            Ok(me) => {
                let username = me.username.unwrap_or_default();
                tracing::info!(bot = ctx.kind.as_str(), %username, "telegram bot running");
                ids.set(BotIdentity {
                    bot: ctx.kind,
                    username,
                });
                return true;
            }
            Err(Error::Unauthorized) => {
                tracing::error!(
                    bot = ctx.kind.as_str(),
                    "telegram refuses the bot token: check it with @BotFather and `desk-server telegram check`; this bot is not running"
                );
                return false;
            }
            Err(e) => {
                tracing::warn!(bot = ctx.kind.as_str(), error = %e, "telegram not reachable yet; trying again");
                if !pause(&ctx.stopping, backoff(attempt)).await {
                    return false;
                }
                attempt += 1;
            }
        }
    }
}

/// The updates the bridge asks Telegram for, by `getUpdates` or by webhook.
pub(crate) fn allowed_updates() -> Vec<String> {
    [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    .map(String::from)
    .to_vec()
}

pub(crate) async fn run(ctx: BotCtx, timeout: u32) {
    let mut attempt = 0;
    loop {
        if ctx.stopping.is_cancelled() {
            return;
        }
        let offset = match ctx.core.telegram_offset(ctx.kind).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e.en, "cannot read the telegram offset");
                if !pause(&ctx.stopping, backoff(attempt)).await {
                    return;
                }
                attempt += 1;
                continue;
            }
        };
        let req = GetUpdates {
            offset: (offset > 0).then_some(offset),
            limit: Some(100),
            timeout,
            allowed_updates: allowed_updates(),
        };
        let updates = tokio::select! {
            _ = ctx.stopping.cancelled() => return,
            got = ctx.api.get_updates(&req) => got,
        };
        match updates {
            Ok(updates) => {
                attempt = 0;
                for u in updates {
                    if let Err(e) = handle(&ctx, &u).await {
                        // Not marked handled: the next poll brings it again.
                        tracing::error!(update_id = u.update_id, error = %e.en, cause = ?e.cause, "telegram update not handled; will retry");
                        let _ = pause(&ctx.stopping, backoff(attempt)).await;
                        attempt += 1;
                        break;
                    }
                }
            }
            Err(Error::Unauthorized) => {
                tracing::error!(
                    bot = ctx.kind.as_str(),
                    "telegram no longer accepts the bot token; polling stopped"
                );
                return;
            }
            Err(e) => {
                tracing::warn!(bot = ctx.kind.as_str(), error = %e, "getUpdates failed; trying again");
                let wait = e.wait().unwrap_or_else(|| backoff(attempt));
                if !pause(&ctx.stopping, wait).await {
                    return;
                }
                attempt += 1;
            }
        }
    }
}

pub(crate) fn chat_ref(chat: &Chat) -> ChatRef {
    let kind = match chat.kind {
        ChatType::Private => ChatKind::Private,
        ChatType::Group => ChatKind::Group,
        ChatType::Supergroup => ChatKind::Supergroup,
        ChatType::Channel | ChatType::Other => ChatKind::Channel,
    };
    let person = [chat.first_name.as_deref(), chat.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let title = chat
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .or_else(|| (!person.is_empty()).then_some(person))
        .or_else(|| chat.username.clone())
        .unwrap_or_default();
    ChatRef {
        id: chat.id,
        kind,
        title,
    }
}

/// A `sendMessage` request for the queue.
pub(crate) fn html(chat_id: i64, body: String) -> serde_json::Value {
    support::request("sendMessage", SendMessage::html(chat_id, body))
}

/// Handles one update through one service call that also marks it handled.
pub(crate) async fn handle(ctx: &BotCtx, u: &Update) -> desk_core::Result<()> {
    if ctx.kind == BotKind::Alert && alert::handle(ctx, u).await? {
        return Ok(());
    }
    if ctx.kind == BotKind::Support {
        return support::handle(ctx, u).await;
    }
    let Some(m) = u.message.as_ref() else {
        // Edits, button presses and membership changes are not acted on yet.
        ctx.core.skip_telegram_update(ctx.kind, u.update_id).await?;
        return Ok(());
    };
    let en = text::english(m.from.as_ref().and_then(|f| f.language_code.as_deref()));
    let group = m.chat.kind.is_group();
    if let Some(("start", code)) = m.command()
        && !code.is_empty()
    {
        return start(ctx, u.update_id, m, code, en).await;
    }
    let linked = ctx
        .core
        .telegram_link_for_chat(ctx.kind, m.chat.id)
        .await?
        .is_some();
    // In groups the bot speaks only when spoken to: a command, or a reply to its own message.
    let answers_bot = m
        .reply_to_message
        .as_ref()
        .is_some_and(|r| r.from.as_ref().is_some_and(|f| f.is_bot));
    if group && m.command().is_none() && !answers_bot {
        return answer(ctx, u.update_id, m.chat.id, None).await;
    }
    if !linked {
        return unlinked::message(ctx, u.update_id, m, en).await;
    }
    answer(
        ctx,
        u.update_id,
        m.chat.id,
        Some(text::linked_help(ctx.kind, en)),
    )
    .await
}

/// Handles the update with at most one message back.
pub(crate) async fn answer(
    ctx: &BotCtx,
    update_id: i64,
    chat_id: i64,
    body: Option<String>,
) -> desk_core::Result<()> {
    let request = body.map(|b| html(chat_id, b));
    if ctx
        .core
        .answer_telegram_update(ctx.kind, update_id, chat_id, request)
        .await?
    {
        ctx.queued.notify_one();
    }
    Ok(())
}

pub(crate) async fn start(
    ctx: &BotCtx,
    update_id: i64,
    m: &Message,
    code: &str,
    en: bool,
) -> desk_core::Result<()> {
    let chat_id = m.chat.id;
    let kind = ctx.kind;
    let greet: desk_core::services::Greeting =
        Box::new(move |org| html(chat_id, text::greeting(kind, org, en)));
    let refuse = html(chat_id, text::code_refused(en));
    let outcome = ctx
        .core
        .redeem_telegram_code(ctx.kind, update_id, code, chat_ref(&m.chat), greet, refuse)
        .await?;
    if let desk_core::services::Redeemed::Linked(link, org) = &outcome {
        tracing::info!(bot = ctx.kind.as_str(), link_id = %link.id, organization_id = %org.id, "telegram chat linked");
    }
    if !matches!(outcome, desk_core::services::Redeemed::AlreadyHandled) {
        ctx.queued.notify_one();
    }
    Ok(())
}
