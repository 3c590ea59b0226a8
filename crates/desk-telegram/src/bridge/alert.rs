//! The alert bot: a linked chat's message, with its photos and files, becomes an outage report
//! (desk-core's `telegram_alert`, the same path as `POST /outages`), and the incident's news
//! reaches every linked alert chat of the organisations it affects, once each.

use std::collections::HashSet;
use std::time::Duration;

use desk_core::Viewer;
use desk_core::services::{AlertInput, AlertOutcome, Announcement, announced_event};
use desk_domain::{Bot as BotKind, ChangeData, Incident, OutageKind, TelegramLink};

use super::notify::{follow_log, reader};
use super::poll::{answer, html};
use super::support::{edit, keyboard_message};
use super::{BotCtx, alert_text, files, pause, text};
use crate::types::{
    AnswerCallbackQuery, CallbackQuery, InlineKeyboardMarkup, Message, Update, User,
};

const NEWS_CURSOR: &str = "alert-news";
/// Where the news cursor was first set, as a time: events before it are history, not news.
const NEWS_SINCE: &str = "alert-news-since";
/// Changes read per pass.
const PAGE: u32 = 500;
/// How often drafts are checked for having waited too long for their kind.
const DRAFT_CHECK: Duration = Duration::from_secs(2);
const CALLBACK_PREFIX: &str = "alert:";

pub(crate) fn author(u: Option<&User>) -> String {
    let Some(u) = u else { return String::new() };
    let name = [Some(u.first_name.as_str()), u.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match &u.username {
        Some(n) if name.is_empty() => format!("@{n}"),
        Some(n) => format!("{name} (@{n})"),
        None => name,
    }
}

/// The «what is down?» buttons for draft `draft_id` (0: no draft, the kind files at once).
fn kind_keyboard(draft_id: i64, en: bool) -> InlineKeyboardMarkup {
    let data: Vec<(String, &str)> = alert_text::KINDS
        .iter()
        .map(|(k, _)| {
            (
                format!("{CALLBACK_PREFIX}{draft_id}:{}", k.as_str()),
                alert_text::kind_label(*k, en),
            )
        })
        .collect();
    InlineKeyboardMarkup::column(data.iter().map(|(d, l)| (*l, d.as_str())))
}

/// What a chat gets about `outcome`: the answer, with the kind buttons when it asks for one.
fn answers(
    chat_id: i64,
    outcome: &AlertOutcome,
    en: bool,
    note: Option<&str>,
) -> Vec<serde_json::Value> {
    let Some(mut body) = alert_text::outcome(outcome, en) else {
        return Vec::new();
    };
    if let Some(n) = note {
        body.push_str("\n\n");
        body.push_str(n);
    }
    match outcome {
        AlertOutcome::AskKind { draft_id, .. } => {
            vec![keyboard_message(
                chat_id,
                body,
                kind_keyboard(*draft_id, en),
            )]
        }
        _ => vec![html(chat_id, body)],
    }
}

/// A leading `/command` of the text or, for a photo or file, of its caption (a dispatcher sends
/// `/telephony` with a screenshot of the telephony panel).
fn command_of(m: &Message) -> Option<(&str, &str)> {
    if m.text.is_some() {
        return m.command();
    }
    let rest = m.caption.as_deref()?.strip_prefix('/')?;
    let (word, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let name = word.split_once('@').map_or(word, |(n, _)| n);
    (!name.is_empty()).then_some((name, args.trim()))
}

/// Handles an alert-bot update if it is the alert bot's own business (a linked chat's message,
/// a kind button); `false` leaves it to the handling both bots share (`/start <code>`, help
/// for an unlinked chat, groups' chatter).
///
/// Files come first (`files.rs`, as for the support bot): downloaded and stored as the linked
/// customer's uploads before the one write that claims the update and keeps them with the draft
/// or the report. A crash in between leaves uploads nothing refers to, and the repeated update
/// stores the files again, so the report shows them once.
pub(crate) async fn handle(ctx: &BotCtx, u: &Update) -> desk_core::Result<bool> {
    if let Some(q) = &u.callback_query {
        return choose(ctx, u.update_id, q).await;
    }
    let Some(m) = u.message.as_ref() else {
        return Ok(false);
    };
    if matches!(m.command(), Some(("start", code)) if !code.is_empty()) {
        return Ok(false);
    }
    let chat_id = m.chat.id;
    let Some(link) = ctx
        .core
        .telegram_link_for_chat(BotKind::Alert, chat_id)
        .await?
    else {
        return Ok(false);
    };
    let answers_bot = m
        .reply_to_message
        .as_ref()
        .filter(|r| r.from.as_ref().is_some_and(|f| f.is_bot))
        .map(|r| r.message_id);
    let command = command_of(m);
    // In groups the bot hears only commands and replies to its own messages.
    if m.chat.kind.is_group() && command.is_none() && answers_bot.is_none() {
        return Ok(false);
    }
    let en = text::english(m.from.as_ref().and_then(|f| f.language_code.as_deref()));
    let (kind, typed) = match command {
        Some((c, rest)) => match alert_text::kind_of_command(c) {
            Some(k) => (Some(k), rest),
            None => return help(ctx, u.update_id, chat_id, en).await.map(|_| true),
        },
        None => (None, m.text_or_caption().unwrap_or_default()),
    };
    let typed = typed.trim();
    if kind.is_none() && typed.is_empty() && !files::has_files(m) {
        // A sticker, a location…: what the bot takes, with the buttons to report at once.
        return help(ctx, u.update_id, chat_id, en).await.map(|_| true);
    }
    let Some(files) = files::files_of_update(ctx, u.update_id, &link, m).await? else {
        // Handled before (a repeat after a crash): nothing to download again.
        return Ok(true);
    };
    let note = text::file_notes(&files.too_large, &files.failed, en);
    if kind.is_none() && typed.is_empty() && files.ids.is_empty() && answers_bot.is_some() {
        // Only a file the bot could not take, in reply to its message: say so, add nothing.
        answer(ctx, u.update_id, chat_id, note).await?;
        return Ok(true);
    }
    let files_only = typed.is_empty() && !files.ids.is_empty();
    let said = Said {
        note,
        files_only,
        album: m.media_group_id.is_some(),
    };
    let input = AlertInput::Report {
        kind,
        body: if files_only {
            files.label()
        } else {
            typed.to_owned()
        },
        author: author(m.from.as_ref()),
        reply_to: answers_bot,
        attachment_ids: files.ids,
        files_only,
    };
    report(ctx, u.update_id, chat_id, input, en, said).await?;
    Ok(true)
}

/// What else the chat is told about its message: files the bot could not take, and whether it
/// was files alone (which, joining a waiting draft, need no new question).
struct Said {
    note: Option<String>,
    files_only: bool,
    album: bool,
}

impl Said {
    fn answers(&self, chat_id: i64, o: &AlertOutcome, en: bool) -> Vec<serde_json::Value> {
        match o {
            AlertOutcome::AskKind {
                draft_id,
                joined: true,
            } if self.files_only => {
                // The rest of an album joins quietly: the question is already above.
                if self.album && self.note.is_none() {
                    return Vec::new();
                }
                let mut body = format!(
                    "{}\n{}",
                    alert_text::files_added(en),
                    alert_text::ask_kind(en)
                );
                if let Some(n) = &self.note {
                    body.push_str("\n\n");
                    body.push_str(n);
                }
                vec![keyboard_message(
                    chat_id,
                    body,
                    kind_keyboard(*draft_id, en),
                )]
            }
            _ => answers(chat_id, o, en, self.note.as_deref()),
        }
    }
}

async fn report(
    ctx: &BotCtx,
    update_id: i64,
    chat_id: i64,
    input: AlertInput,
    en: bool,
    said: Said,
) -> desk_core::Result<AlertOutcome> {
    let answer: desk_core::services::AlertAnswer = Box::new(move |o| said.answers(chat_id, o, en));
    let outcome = ctx
        .core
        .telegram_alert(update_id, chat_id, input, answer)
        .await?;
    if let AlertOutcome::Filed(r) = &outcome {
        tracing::info!(ticket_id = %r.ticket_id, incident_id = %r.incident_id, already_known = r.already_known, "telegram outage report filed");
    }
    if !matches!(outcome, AlertOutcome::AlreadyHandled) {
        ctx.queued.notify_one();
    }
    Ok(outcome)
}

/// The help, with the kind buttons: pressing one files a report of that kind at once.
async fn help(ctx: &BotCtx, update_id: i64, chat_id: i64, en: bool) -> desk_core::Result<()> {
    let request = keyboard_message(chat_id, alert_text::help(en), kind_keyboard(0, en));
    if ctx
        .core
        .answer_telegram_update(BotKind::Alert, update_id, chat_id, Some(request))
        .await?
    {
        ctx.queued.notify_one();
    }
    Ok(())
}

/// A kind button: `alert:<draft>:<kind>`.
fn parse_choice(data: &str) -> Option<(i64, OutageKind)> {
    let (draft, kind) = data.strip_prefix(CALLBACK_PREFIX)?.split_once(':')?;
    Some((draft.parse().ok()?, OutageKind::parse(kind)?))
}

async fn choose(ctx: &BotCtx, update_id: i64, q: &CallbackQuery) -> desk_core::Result<bool> {
    let (Some((draft_id, kind)), Some(m)) =
        (q.data.as_deref().and_then(parse_choice), q.message.as_ref())
    else {
        ctx.core
            .skip_telegram_update(BotKind::Alert, update_id)
            .await?;
        stop_spinner(ctx, q).await;
        return Ok(true);
    };
    let chat_id = m.chat.id;
    let en = text::english(q.from.language_code.as_deref());
    let input = if draft_id == 0 {
        AlertInput::Report {
            kind: Some(kind),
            body: String::new(),
            author: author(Some(&q.from)),
            reply_to: None,
            attachment_ids: Vec::new(),
            files_only: false,
        }
    } else {
        AlertInput::Choose { draft_id, kind }
    };
    let keyboard_message = m.message_id;
    let answer: desk_core::services::AlertAnswer = Box::new(move |o| match o {
        // The question turns into the answer, so its buttons cannot be pressed again.
        AlertOutcome::Filed(_) | AlertOutcome::AlreadyFiled { .. } if draft_id != 0 => {
            alert_text::outcome(o, en)
                .map(|t| vec![edit(chat_id, keyboard_message, t, None)])
                .unwrap_or_default()
        }
        _ => answers(chat_id, o, en, None),
    });
    let outcome = ctx
        .core
        .telegram_alert(update_id, chat_id, input, answer)
        .await?;
    if !matches!(outcome, AlertOutcome::AlreadyHandled) {
        ctx.queued.notify_one();
    }
    stop_spinner(ctx, q).await;
    Ok(true)
}

/// Stops the button's spinner. Best effort, after the press is committed: if this call is lost,
/// Telegram stops the spinner itself after a while, and nothing else depends on it.
async fn stop_spinner(ctx: &BotCtx, q: &CallbackQuery) {
    let req = AnswerCallbackQuery {
        callback_query_id: q.id.clone(),
        text: None,
        show_alert: false,
    };
    if let Err(e) = ctx.api.answer_callback_query(&req).await {
        tracing::warn!(error = %e, "answerCallbackQuery failed");
    }
}

/// Files drafts that waited too long for their kind, as «інше»: a message written at night is
/// never left unfiled because nobody pressed a button.
pub(crate) async fn file_waiting(ctx: BotCtx) {
    loop {
        let answer: desk_core::services::AlertAnswers = Box::new(|chat_id, o| match o {
            AlertOutcome::Filed(_) => answers(chat_id, o, false, None),
            _ => Vec::new(),
        });
        match ctx.core.file_waiting_telegram_alerts(answer).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(
                    filed = n,
                    "telegram outage messages filed as «other» after waiting for their kind"
                );
                ctx.queued.notify_one();
            }
            Err(e) => {
                tracing::error!(error = %e.en, cause = ?e.cause, "cannot file waiting telegram outage messages")
            }
        }
        if !pause(&ctx.stopping, DRAFT_CHECK).await {
            return;
        }
    }
}

/// Reads incidents from the change log and queues their news for the alert chats.
pub(crate) async fn news(ctx: BotCtx) {
    let viewer = reader();
    follow_log(
        &ctx.core,
        &ctx.stopping,
        &ctx.queued,
        "telegram incident news",
        || news_pass(&ctx, &viewer),
    )
    .await;
}

/// The alert chats an incident concerns: every organisation's for an incident of all.
fn recipients<'a>(i: &Incident, links: &'a [TelegramLink]) -> Vec<&'a TelegramLink> {
    let mut seen = HashSet::new();
    links
        .iter()
        .filter(|l| {
            i.all_organizations || i.organizations.iter().any(|o| o.id == l.organization_id)
        })
        .filter(|l| seen.insert(l.chat.id))
        .collect()
}

async fn news_pass(ctx: &BotCtx, viewer: &Viewer) -> desk_core::Result<(bool, bool)> {
    let core = &ctx.core;
    let Some(from) = core.telegram_cursor(NEWS_CURSOR).await? else {
        // First start: news from now on, not the history.
        let head = core.latest_seq(viewer).await?;
        let now = core.clock().now_ms();
        core.announce_incident_news(NEWS_SINCE, 0, now, Vec::new())
            .await?;
        core.announce_incident_news(NEWS_CURSOR, 0, head, Vec::new())
            .await?;
        return Ok((false, false));
    };
    let since = core.telegram_cursor(NEWS_SINCE).await?.unwrap_or(0);
    let page = core.changes(viewer, from, PAGE).await?;
    if page.next == from {
        return Ok((false, false));
    }
    let incidents: Vec<&Incident> = page
        .items
        .iter()
        .filter_map(|c| match &c.entity {
            ChangeData::Incident(i) => Some(i),
            _ => None,
        })
        .collect();
    let mut news = Vec::new();
    if !incidents.is_empty() {
        let links: Vec<TelegramLink> = core
            .telegram_links(viewer)
            .await?
            .into_iter()
            .filter(|l| l.bot == BotKind::Alert)
            .collect();
        let tz = core.calendar().get().hours.timezone();
        let mut seen = HashSet::new();
        for i in incidents {
            for e in &i.timeline {
                if !announced_event(e.kind) || e.at.timestamp_millis() < since || !seen.insert(e.id)
                {
                    continue;
                }
                let Some(body) = alert_text::news(i, e, tz) else {
                    continue;
                };
                let messages = recipients(i, &links)
                    .into_iter()
                    .map(|l| (l.chat.id, html(l.chat.id, body.clone())))
                    .collect();
                news.push(Announcement {
                    event_id: e.id,
                    messages,
                });
            }
        }
    }
    let queued = news.iter().any(|a| !a.messages.is_empty());
    let moved = core
        .announce_incident_news(NEWS_CURSOR, from, page.next, news)
        .await?;
    Ok((queued && moved, page.has_more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_buttons_carry_the_draft_and_the_kind_and_fit_telegram() {
        let k = kind_keyboard(i64::MAX, false);
        assert_eq!(k.inline_keyboard.len(), 4);
        for row in &k.inline_keyboard {
            let data = row[0].callback_data.as_deref().unwrap();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(parse_choice(data).map(|(d, _)| d), Some(i64::MAX));
        }
        assert_eq!(
            parse_choice("alert:7:telephony"),
            Some((7, OutageKind::Telephony))
        );
        assert_eq!(parse_choice("alert:x:telephony"), None);
        assert_eq!(parse_choice("ticket:7"), None);
    }

    fn message(fields: serde_json::Value) -> Message {
        let mut m = serde_json::json!({"message_id": 1, "chat": {"id": 5, "type": "private"}});
        if let (Some(m), Some(f)) = (m.as_object_mut(), fields.as_object()) {
            m.extend(f.clone());
        }
        serde_json::from_value(m).unwrap()
    }

    #[test]
    fn a_kind_command_counts_in_a_photos_caption_too() {
        let photo =
            serde_json::json!([{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]);
        let m = message(
            serde_json::json!({"photo": photo, "caption": "/telephony@desk_alert_bot усі лінії"}),
        );
        assert_eq!(command_of(&m), Some(("telephony", "усі лінії")));
        let m = message(serde_json::json!({"photo": photo, "caption": "Телефонія лежить"}));
        assert_eq!(command_of(&m), None);
        let m = message(serde_json::json!({"text": "/other"}));
        assert_eq!(command_of(&m), Some(("other", "")));
        assert_eq!(command_of(&message(serde_json::json!({}))), None);
    }
}
