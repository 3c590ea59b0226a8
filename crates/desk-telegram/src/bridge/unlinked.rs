//! A chat not linked to any service (desk-core's `telegram_unlinked`): what it writes is kept
//! as a request for the service's own users or an agent to approve, and to the alert bot it
//! pages the agents on duty as an unverified report. The chat hears how to link and that its
//! message was passed on, nothing of any organisation.

use desk_core::services::{UnlinkedMessage, UnlinkedOutcome};
use desk_domain::Bot as BotKind;

use super::alert::author;
use super::poll::{answer, chat_ref, html};
use super::{BotCtx, alert_text, text};
use crate::types::Message;

/// Handles a message from a chat that has no active link with this bot (not `/start <code>`,
/// which links it; groups' chatter is filtered before).
pub(crate) async fn message(
    ctx: &BotCtx,
    update_id: i64,
    m: &Message,
    en: bool,
) -> desk_core::Result<()> {
    let bot = ctx.kind;
    let (kind, body) = match m.command() {
        Some((c, rest)) if bot == BotKind::Alert && alert_text::kind_of_command(c).is_some() => {
            (alert_text::kind_of_command(c), rest.to_owned())
        }
        // Start, help, or a command this chat cannot use yet: how to link.
        Some(_) => (None, String::new()),
        None => (None, m.text_or_caption().unwrap_or_default().to_owned()),
    };
    if kind.is_none() && body.trim().is_empty() {
        let say = text::unlinked_start(bot, en);
        return answer(ctx, update_id, m.chat.id, Some(say)).await;
    }
    let chat_id = m.chat.id;
    let outcome = ctx
        .core
        .telegram_unlinked(
            UnlinkedMessage {
                bot,
                update_id,
                chat: chat_ref(&m.chat),
                author: author(m.from.as_ref()),
                english: en,
                text: body,
                kind,
            },
            Box::new(move |o| match o {
                UnlinkedOutcome::Requested { .. } => {
                    vec![html(chat_id, text::unlinked_kept(bot, true, en))]
                }
                UnlinkedOutcome::Added { .. } => {
                    vec![html(chat_id, text::unlinked_kept(bot, false, en))]
                }
                UnlinkedOutcome::Empty => vec![html(chat_id, text::unlinked_start(bot, en))],
                UnlinkedOutcome::AlreadyHandled => Vec::new(),
            }),
        )
        .await?;
    match outcome {
        UnlinkedOutcome::AlreadyHandled => {}
        UnlinkedOutcome::Requested { id, report } => {
            tracing::info!(bot = bot.as_str(), request_id = %id, report, "request from a chat not linked");
            ctx.queued.notify_one();
        }
        _ => ctx.queued.notify_one(),
    }
    Ok(())
}
