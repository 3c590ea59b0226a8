//! The support bot's updates: each handled by one desk-core call that claims it with its effect
//! and queues the answers (see `services/telegram_support.rs` for where a message goes).
//!
//! Files come first (`files.rs`, shared with the alert bot): downloaded and stored as the
//! linked customer's uploads, then the one write attaches them. Over the Bot API's 20 MB
//! download limit a file is not fetched: the chat is told plainly to attach it in the app, and
//! the text still lands.

use desk_core::services::{SupportAnswer, SupportChoice, SupportMessage, SupportOutcome};
use desk_domain::{Bot as BotKind, TelegramLink};
use serde_json::{Value, json};
use uuid::Uuid;

use super::files::{customer, files_of_update};
use super::poll::{answer, html, start};
use super::{BotCtx, text};
use crate::types::{
    AnswerCallbackQuery, CallbackQuery, EditMessageText, InlineKeyboardButton,
    InlineKeyboardMarkup, Message, ParseMode, SendMessage, Update,
};

/// Handles one update of the support bot.
pub(crate) async fn handle(ctx: &BotCtx, u: &Update) -> desk_core::Result<()> {
    if let Some(q) = &u.callback_query {
        return callback(ctx, u.update_id, q).await;
    }
    if let Some(m) = &u.edited_message {
        return edited(ctx, u.update_id, m).await;
    }
    let Some(m) = u.message.as_ref() else {
        // Membership changes are not acted on yet.
        ctx.core.skip_telegram_update(ctx.kind, u.update_id).await?;
        return Ok(());
    };
    let en = text::english(m.from.as_ref().and_then(|f| f.language_code.as_deref()));
    if let Some(("start", code)) = m.command()
        && !code.is_empty()
    {
        return start(ctx, u.update_id, m, code, en).await;
    }
    let group = m.chat.kind.is_group();
    let answers_bot = m
        .reply_to_message
        .as_ref()
        .filter(|r| r.from.as_ref().is_some_and(|f| f.is_bot))
        .map(|r| r.message_id);
    // In groups the bot speaks only when spoken to: a command, or a reply to its own message.
    if group && m.command().is_none() && answers_bot.is_none() {
        return answer(ctx, u.update_id, m.chat.id, None).await;
    }
    let Some(link) = ctx.core.telegram_link_for_chat(ctx.kind, m.chat.id).await? else {
        return super::unlinked::message(ctx, u.update_id, m, en).await;
    };
    match m.command() {
        Some(("tickets", _)) => open_tickets(ctx, u.update_id, &link, en).await,
        Some(("new", _)) => new_ticket(ctx, u.update_id, m.chat.id, en).await,
        Some(_) => {
            let help = text::linked_help(BotKind::Support, en);
            answer(ctx, u.update_id, m.chat.id, Some(help)).await
        }
        None => message(ctx, u.update_id, m, &link, answers_bot, en).await,
    }
}

/// `/tickets`: the linked service's open tickets, newest first.
async fn open_tickets(
    ctx: &BotCtx,
    update_id: i64,
    link: &TelegramLink,
    en: bool,
) -> desk_core::Result<()> {
    let filter = desk_domain::TicketFilter {
        status: Some("open".into()),
        limit: Some(text::TICKETS_LISTED),
        ..Default::default()
    };
    let page = ctx.core.tickets(&customer(link), &filter).await?;
    let list = text::open_tickets(&page, en);
    answer(ctx, update_id, link.chat.id, Some(list)).await
}

/// A text, photo, file… from the linked chat: into the ticket it answers, or held and asked.
async fn message(
    ctx: &BotCtx,
    update_id: i64,
    m: &Message,
    link: &TelegramLink,
    reply_to: Option<i64>,
    en: bool,
) -> desk_core::Result<()> {
    let chat_id = m.chat.id;
    let Some(files) = files_of_update(ctx, update_id, link, m).await? else {
        // Handled before (a repeat after a crash): nothing to download again.
        return Ok(());
    };
    let typed = m.text_or_caption().map(str::trim).unwrap_or("");
    let body = if typed.is_empty() {
        files.label()
    } else {
        typed.to_owned()
    };
    let notes = text::file_notes(&files.too_large, &files.failed, en);
    if body.is_empty() {
        // Nothing to add (a sticker, or only files too large): say what the bot takes.
        let say = notes.unwrap_or_else(|| text::linked_help(BotKind::Support, en));
        return answer(ctx, update_id, chat_id, Some(say)).await;
    }
    let group = m.chat.kind.is_group();
    let words: SupportAnswer = Box::new(move |o| {
        let mut out = outcome_messages(o, chat_id, group, en, None);
        if let Some(n) = notes {
            out.push(html(chat_id, n));
        }
        out
    });
    let msg = SupportMessage {
        bot: ctx.kind,
        update_id,
        chat_id,
        telegram_message_id: m.message_id,
        reply_to,
        media_group_id: m.media_group_id.clone(),
        body,
        files_only: typed.is_empty(),
        attachment_ids: files.ids,
    };
    let outcome = ctx.core.telegram_support_message(msg, words).await?;
    queued(ctx, &outcome);
    Ok(())
}

fn queued(ctx: &BotCtx, outcome: &SupportOutcome) {
    if !matches!(outcome, SupportOutcome::AlreadyHandled) {
        ctx.queued.notify_one();
    }
}

async fn new_ticket(ctx: &BotCtx, update_id: i64, chat_id: i64, en: bool) -> desk_core::Result<()> {
    let words: SupportAnswer = Box::new(move |o| outcome_messages(o, chat_id, false, en, None));
    let outcome = ctx
        .core
        .telegram_new_ticket(ctx.kind, update_id, chat_id, words)
        .await?;
    queued(ctx, &outcome);
    Ok(())
}

async fn edited(ctx: &BotCtx, update_id: i64, m: &Message) -> desk_core::Result<()> {
    let en = text::english(m.from.as_ref().and_then(|f| f.language_code.as_deref()));
    let chat_id = m.chat.id;
    let Some(new_text) = m.text_or_caption().filter(|t| !t.trim().is_empty()) else {
        ctx.core.skip_telegram_update(ctx.kind, update_id).await?;
        return Ok(());
    };
    let words: SupportAnswer = Box::new(move |o| match o {
        // Only what went into a ticket is worth a word; an edit of anything else is not.
        SupportOutcome::Corrected { .. } | SupportOutcome::Refused(_) => {
            outcome_messages(o, chat_id, false, en, None)
        }
        _ => Vec::new(),
    });
    let outcome = ctx
        .core
        .telegram_support_edit(ctx.kind, update_id, chat_id, m.message_id, new_text, words)
        .await?;
    queued(ctx, &outcome);
    Ok(())
}

// ---- keyboards: what a button says and sends back (`callback_data`, at most 64 bytes)

fn ticket_data(held: i64, ticket: Uuid) -> String {
    format!("h:{held}:{}", ticket.simple())
}

fn new_data(held: i64) -> String {
    format!("h:{held}:new")
}

fn topic_data(draft: i64, index: usize) -> String {
    format!("d:{draft}:{index}")
}

fn parse_choice(data: &str) -> Option<SupportChoice> {
    let mut parts = data.splitn(3, ':');
    let (kind, id, what) = (parts.next()?, parts.next()?, parts.next()?);
    let id: i64 = id.parse().ok()?;
    match (kind, what) {
        ("h", "new") => Some(SupportChoice::NewTicket { held: id }),
        ("h", t) => Some(SupportChoice::Ticket {
            held: id,
            ticket_id: Uuid::try_parse(t).ok()?,
        }),
        ("d", i) => Some(SupportChoice::Topic {
            draft: id,
            index: i.parse().ok()?,
        }),
        _ => None,
    }
}

/// A queued Bot API request: `v`'s parameters and the method that sends them.
pub(crate) fn request(method: &str, v: impl serde::Serialize) -> Value {
    let mut v = serde_json::to_value(v).unwrap_or_else(|_| json!({}));
    v["method"] = json!(method);
    v
}

pub(crate) fn keyboard_message(chat_id: i64, body: String, kb: InlineKeyboardMarkup) -> Value {
    request("sendMessage", SendMessage::html(chat_id, body).keyboard(kb))
}

pub(crate) fn edit(
    chat_id: i64,
    message_id: i64,
    body: String,
    kb: Option<InlineKeyboardMarkup>,
) -> Value {
    request(
        "editMessageText",
        EditMessageText {
            chat_id,
            message_id,
            text: body,
            parse_mode: Some(ParseMode::Html),
            reply_markup: kb,
        },
    )
}

fn which_ticket_keyboard(
    held: i64,
    tickets: &[desk_domain::Ticket],
    en: bool,
) -> InlineKeyboardMarkup {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = tickets
        .iter()
        .map(|t| {
            vec![InlineKeyboardButton::callback(
                &text::ticket_button(t),
                &ticket_data(held, t.id),
            )]
        })
        .collect();
    rows.push(vec![InlineKeyboardButton::callback(
        text::new_ticket_button(en),
        &new_data(held),
    )]);
    InlineKeyboardMarkup {
        inline_keyboard: rows,
    }
}

fn topics_keyboard(draft: i64, topics: &[desk_domain::Topic], en: bool) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup {
        inline_keyboard: topics
            .iter()
            .enumerate()
            .map(|(i, t)| {
                vec![InlineKeyboardButton::callback(
                    &text::topic_button(t, en),
                    &topic_data(draft, i),
                )]
            })
            .collect(),
    }
}

/// The messages an outcome gives the chat. `keyboard`: the message whose button was pressed
/// (edited to say what became of it) and the press to answer.
fn outcome_messages(
    o: &SupportOutcome,
    chat_id: i64,
    group: bool,
    en: bool,
    keyboard: Option<(i64, &str)>,
) -> Vec<Value> {
    let mut out = Vec::new();
    let ack = |notice: Option<String>| {
        keyboard.map(|(_, id)| {
            request(
                "answerCallbackQuery",
                AnswerCallbackQuery {
                    callback_query_id: id.to_owned(),
                    text: notice,
                    show_alert: false,
                },
            )
        })
    };
    match o {
        SupportOutcome::AlreadyHandled | SupportOutcome::Joined | SupportOutcome::Unplaced => {}
        SupportOutcome::Added { number, .. } | SupportOutcome::Corrected { number, .. } => {
            let said = text::added(*number, matches!(o, SupportOutcome::Corrected { .. }), en);
            match keyboard {
                Some((message_id, _)) => {
                    out.extend(ack(None));
                    out.push(edit(chat_id, message_id, said, None));
                }
                None => out.push(html(chat_id, said)),
            }
        }
        SupportOutcome::Filed {
            number,
            notice,
            topic,
            ..
        } => {
            out.extend(ack(None));
            if let Some((message_id, _)) = keyboard {
                out.push(edit(
                    chat_id,
                    message_id,
                    text::topic_chosen(topic, en),
                    None,
                ));
            }
            out.push(html(chat_id, text::filed(*number, notice.as_deref(), en)));
        }
        SupportOutcome::Asked { held, tickets } => {
            let kb = which_ticket_keyboard(*held, tickets, en);
            out.push(keyboard_message(
                chat_id,
                text::which_ticket(tickets.is_empty(), en),
                kb,
            ));
        }
        SupportOutcome::Topics { draft, topics } => {
            let kb = topics_keyboard(*draft, topics, en);
            let ask = text::choose_topic(en);
            match keyboard {
                Some((message_id, _)) => {
                    out.extend(ack(None));
                    out.push(edit(chat_id, message_id, ask, Some(kb)));
                }
                None => out.push(keyboard_message(chat_id, ask, kb)),
            }
        }
        SupportOutcome::TopicChosen { topic } => {
            out.extend(ack(None));
            if let Some((message_id, _)) = keyboard {
                out.push(edit(
                    chat_id,
                    message_id,
                    text::topic_chosen(topic, en),
                    None,
                ));
            }
            out.push(html(chat_id, text::describe(group, en)));
        }
        SupportOutcome::AwaitingTopic => out.push(html(chat_id, text::awaiting_topic(en))),
        SupportOutcome::Stale => out.extend(ack(Some(text::stale_choice(en)))),
        SupportOutcome::NotLinked => {
            out.extend(ack(None));
            out.push(html(chat_id, text::not_linked(en)));
        }
        SupportOutcome::Refused(e) => {
            out.extend(ack(None));
            let why = if en { &e.en } else { &e.uk };
            out.push(html(chat_id, crate::html::escape(why)));
        }
    }
    out
}

/// A button press: placed, filed or chosen once; the press answered and its message edited.
async fn callback(ctx: &BotCtx, update_id: i64, q: &CallbackQuery) -> desk_core::Result<()> {
    let en = text::english(q.from.language_code.as_deref());
    let Some(m) = q.message.as_ref() else {
        // A button under an inline-mode message: not one of ours.
        ctx.core.skip_telegram_update(ctx.kind, update_id).await?;
        return Ok(());
    };
    let (chat_id, message_id, query) = (m.chat.id, m.message_id, q.id.clone());
    let group = m.chat.kind.is_group();
    let Some(choice) = q.data.as_deref().and_then(parse_choice) else {
        let ack = request(
            "answerCallbackQuery",
            AnswerCallbackQuery {
                callback_query_id: query,
                text: Some(text::stale_choice(en)),
                show_alert: false,
            },
        );
        if ctx
            .core
            .answer_telegram_update(ctx.kind, update_id, chat_id, Some(ack))
            .await?
        {
            ctx.queued.notify_one();
        }
        return Ok(());
    };
    let words: SupportAnswer = Box::new(move |o| {
        outcome_messages(o, chat_id, group, en, Some((message_id, query.as_str())))
    });
    let outcome = ctx
        .core
        .telegram_support_choice(ctx.kind, update_id, chat_id, choice, words)
        .await?;
    queued(ctx, &outcome);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_reads_back_and_fits_telegrams_64_bytes() {
        let t = Uuid::now_v7();
        let d = ticket_data(i64::MAX, t);
        assert!(d.len() <= 64, "{d}");
        assert_eq!(
            parse_choice(&d),
            Some(SupportChoice::Ticket {
                held: i64::MAX,
                ticket_id: t
            })
        );
        assert_eq!(
            parse_choice(&new_data(7)),
            Some(SupportChoice::NewTicket { held: 7 })
        );
        assert_eq!(
            parse_choice(&topic_data(3, 11)),
            Some(SupportChoice::Topic {
                draft: 3,
                index: 11
            })
        );
        assert_eq!(parse_choice("h:x:new"), None);
        assert_eq!(parse_choice("z:1:2"), None);
        assert_eq!(parse_choice(""), None);
    }
}
