//! The support bot's side of a conversation, on the same ticket rules as the app: what a linked
//! chat's message, edit, `/new` or button press comes to. The chat speaks as the customer who
//! linked it (channel `telegram`, only within their organisation).
//!
//! - A reply to the bot's message about ticket #N lands in #N; the rest of an album follows
//!   its first part.
//! - Any other message is **held** and the chat asked which open ticket it belongs to (or
//!   «new ticket»); the button press places it, once.
//! - `/new` offers the topics; the topic chosen, its guidance is shown and the next message
//!   (or the held one) files the ticket, with the after-hours notice the app's filing gives.
//! - An edit of a message that landed in a ticket adds «(виправлено) …» there.
//!
//! Each of these is one write that claims the update (moves the bot's offset) together with its
//! effect and the answers it queues, so a repeat after a crash does nothing twice. Files are
//! stored by the bridge before that write, as app uploads are before their message: a crash in
//! between leaves an attachment no message refers to, which only its uploader could ever fetch
//! (the same as an app upload whose message was never sent).

use desk_domain::{Bot, Channel, ErrorCode, Ticket, TicketFilter, Topic, limits};
use tracing::instrument;
use uuid::Uuid;

use super::{NewMessage, NewTicket, tickets};
use crate::actor::{Actor, Viewer};
use crate::calendar::CalendarHandle;
use crate::error::{Error, Result};
use crate::storage::{DraftInsert, HeldInsert, OutgoingInsert, ReceivedInsert, Tx};
use crate::{Core, validate};

/// Most open tickets the «which ticket?» keyboard offers, newest first.
pub const TICKETS_OFFERED: u32 = 8;

/// A message from a linked support chat, its files already stored as the linked customer's
/// uploads.
#[derive(Debug, Clone)]
pub struct SupportMessage {
    pub bot: Bot,
    pub update_id: i64,
    pub chat_id: i64,
    pub telegram_message_id: i64,
    /// The bot's message this one replies to, if it replies to one.
    pub reply_to: Option<i64>,
    pub media_group_id: Option<String>,
    pub body: String,
    /// No text came: `body` only names the files (a later part of an album then adds nothing
    /// to the text of the first).
    pub files_only: bool,
    pub attachment_ids: Vec<Uuid>,
}

/// A button pressed on one of the support bot's keyboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportChoice {
    /// Held message `held` goes into this ticket.
    Ticket { held: i64, ticket_id: Uuid },
    /// Held message `held` starts a new ticket.
    NewTicket { held: i64 },
    /// The `index`-th topic of draft `draft`'s keyboard.
    Topic { draft: i64, index: usize },
}

/// What a support chat's update came to.
#[derive(Debug, Clone)]
pub enum SupportOutcome {
    /// Added to ticket `number` as the linked customer's message.
    Added { ticket_id: Uuid, number: i64 },
    /// An edit, added to ticket `number` as «(виправлено) …».
    Corrected { ticket_id: Uuid, number: i64 },
    /// A ticket filed on `topic`; `notice` is the after-hours notice it got (as the app shows
    /// it), if any.
    Filed {
        ticket_id: Uuid,
        number: i64,
        topic: Topic,
        notice: Option<String>,
    },
    /// Answered no ticket: held as `held`; the chat is asked which of `tickets` (open, newest
    /// first) it belongs to, or whether it is a new one.
    Asked { held: i64, tickets: Vec<Ticket> },
    /// A later part of an album whose first part is held: held with it.
    Joined,
    /// `/new`: the topics of keyboard `draft`, in order (**Інше** last).
    Topics { draft: i64, topics: Vec<Topic> },
    /// The topic is chosen; its guidance is shown and the text awaited.
    TopicChosen { topic: Topic },
    /// Text for a `/new` whose topic is not chosen yet: kept until it is.
    AwaitingTopic,
    /// A button of a keyboard that no longer applies (its message went somewhere already, or
    /// that `/new` was replaced or is done).
    Stale,
    /// An edit of a message that went into no ticket.
    Unplaced,
    /// The chat is not linked (any more).
    NotLinked,
    /// Refused by the ticket rules (closed, empty, too long…): what to tell the person.
    Refused(Error),
    /// This update was handled before: nothing was done again.
    AlreadyHandled,
}

impl SupportOutcome {
    /// The ticket the outcome is about: a reply to the answer lands there.
    pub fn ticket_id(&self) -> Option<Uuid> {
        match self {
            Self::Added { ticket_id, .. }
            | Self::Corrected { ticket_id, .. }
            | Self::Filed { ticket_id, .. } => Some(*ticket_id),
            _ => None,
        }
    }
}

/// The messages (Bot API requests) the chat gets about an outcome; the bridge words them.
pub type SupportAnswer = Box<dyn FnOnce(&SupportOutcome) -> Vec<serde_json::Value> + Send>;

/// The first line of the text, cut to a subject's length.
fn subject_from(body: &str, topic: &Topic) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(&topic.title.uk);
    if line.chars().count() <= limits::SUBJECT_MAX_CHARS {
        return line.to_owned();
    }
    let cut: String = line.chars().take(limits::SUBJECT_MAX_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// What was read before the write, for the chat's linked customer: what it could be offered.
/// (The write checks the link again.)
struct Before {
    topics: Vec<Topic>,
    open: Vec<Ticket>,
}

impl Core {
    async fn support_before(
        &self,
        bot: Bot,
        chat_id: i64,
        want_open: bool,
        want_topics: bool,
    ) -> Result<Before> {
        let viewer = self
            .storage
            .telegram_link_for_chat(bot, chat_id)
            .await?
            .filter(|l| l.active)
            .map(|l| Viewer {
                user_id: l.linked_by,
                role: desk_domain::Role::Customer,
                organization_id: Some(l.organization_id),
            });
        let open = match (&viewer, want_open) {
            (Some(v), true) => {
                let f = TicketFilter {
                    status: Some("open".into()),
                    limit: Some(TICKETS_OFFERED),
                    ..Default::default()
                };
                self.tickets(v, &f).await?.items
            }
            _ => Vec::new(),
        };
        let topics = if want_topics && viewer.is_some() {
            self.topics(false).await?
        } else {
            Vec::new()
        };
        Ok(Before { topics, open })
    }

    /// A message from a linked support chat (see the module's notes for where it goes). The
    /// update counts as handled in the same write, with `answer(outcome)` queued for the chat.
    #[instrument(skip_all, err, fields(bot = m.bot.as_str(), chat_id = m.chat_id, update_id = m.update_id))]
    pub async fn telegram_support_message(
        &self,
        m: SupportMessage,
        answer: SupportAnswer,
    ) -> Result<SupportOutcome> {
        let before = self.support_before(m.bot, m.chat_id, true, true).await?;
        let (calendar, now) = (self.calendar.clone(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.claim_update(m.bot, m.update_id).await? {
                    return Ok(SupportOutcome::AlreadyHandled);
                }
                let outcome = message_in_tx(tx, &m, before, calendar, now).await?;
                queue_answer(tx, m.bot, m.chat_id, &outcome, answer, now).await?;
                Ok(outcome)
            })
        })
        .await
    }

    /// An edit of a message the chat sent: if it landed in a ticket, «(виправлено) <text>» is
    /// added there; handled once, like every update.
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id, update_id))]
    pub async fn telegram_support_edit(
        &self,
        bot: Bot,
        update_id: i64,
        chat_id: i64,
        telegram_message_id: i64,
        text: &str,
        answer: SupportAnswer,
    ) -> Result<SupportOutcome> {
        let body = validate::body(&format!("(виправлено) {}", text.trim()));
        let (calendar, now) = (self.calendar.clone(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.claim_update(bot, update_id).await? {
                    return Ok(SupportOutcome::AlreadyHandled);
                }
                let outcome = match speaker(tx, bot, chat_id).await? {
                    None => SupportOutcome::NotLinked,
                    Some(actor) => match tx
                        .ticket_of_received(bot, chat_id, telegram_message_id)
                        .await?
                    {
                        None => SupportOutcome::Unplaced,
                        Some(ticket_id) => {
                            match add_to_ticket(tx, actor, &calendar, ticket_id, body, &[], now)
                                .await?
                            {
                                SupportOutcome::Added { ticket_id, number } => {
                                    SupportOutcome::Corrected { ticket_id, number }
                                }
                                other => other,
                            }
                        }
                    },
                };
                queue_answer(tx, bot, chat_id, &outcome, answer, now).await?;
                Ok(outcome)
            })
        })
        .await
    }

    /// `/new`: the chat is offered the topics; any earlier `/new` of the chat is replaced.
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id, update_id))]
    pub async fn telegram_new_ticket(
        &self,
        bot: Bot,
        update_id: i64,
        chat_id: i64,
        answer: SupportAnswer,
    ) -> Result<SupportOutcome> {
        let before = self.support_before(bot, chat_id, false, true).await?;
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.claim_update(bot, update_id).await? {
                    return Ok(SupportOutcome::AlreadyHandled);
                }
                let outcome = match speaker(tx, bot, chat_id).await? {
                    None => SupportOutcome::NotLinked,
                    Some(_) => {
                        let d = DraftInsert {
                            bot,
                            chat_id,
                            topics: before.topics.iter().map(|t| t.id.clone()).collect(),
                            telegram_message_id: None,
                            body: None,
                            attachment_ids: Vec::new(),
                            at_ms: now,
                        };
                        let draft = tx.put_draft(&d).await?;
                        SupportOutcome::Topics {
                            draft,
                            topics: before.topics,
                        }
                    }
                };
                queue_answer(tx, bot, chat_id, &outcome, answer, now).await?;
                Ok(outcome)
            })
        })
        .await
    }

    /// A button pressed in a support chat: a held message placed in a ticket or starting a new
    /// one, or a topic chosen. Each held message and each choice is used once; a press on a
    /// keyboard that no longer applies is told so.
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id, update_id))]
    pub async fn telegram_support_choice(
        &self,
        bot: Bot,
        update_id: i64,
        chat_id: i64,
        choice: SupportChoice,
        answer: SupportAnswer,
    ) -> Result<SupportOutcome> {
        let before = self.support_before(bot, chat_id, false, true).await?;
        let (calendar, now) = (self.calendar.clone(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.claim_update(bot, update_id).await? {
                    return Ok(SupportOutcome::AlreadyHandled);
                }
                let outcome = choice_in_tx(tx, bot, chat_id, choice, before, calendar, now).await?;
                queue_answer(tx, bot, chat_id, &outcome, answer, now).await?;
                Ok(outcome)
            })
        })
        .await
    }
}

async fn queue_answer(
    tx: &mut dyn Tx,
    bot: Bot,
    chat_id: i64,
    outcome: &SupportOutcome,
    answer: SupportAnswer,
    now: i64,
) -> Result<()> {
    queue_requests(tx, bot, chat_id, outcome.ticket_id(), answer(outcome), now).await
}

/// Queues `requests` for the chat, each about `ticket_id` (a reply to them lands there).
pub(super) async fn queue_requests(
    tx: &mut dyn Tx,
    bot: Bot,
    chat_id: i64,
    ticket_id: Option<Uuid>,
    requests: Vec<serde_json::Value>,
    now: i64,
) -> Result<()> {
    for request in requests {
        tx.queue_outgoing(&OutgoingInsert {
            bot,
            chat_id,
            request,
            ticket_id,
            at_ms: now,
        })
        .await?;
    }
    Ok(())
}

/// The linked customer the chat speaks for, read inside the write.
pub(super) async fn speaker(tx: &mut dyn Tx, bot: Bot, chat_id: i64) -> Result<Option<Actor>> {
    let Some(link) = tx
        .link_for_chat_in_tx(bot, chat_id)
        .await?
        .filter(|l| l.active)
    else {
        return Ok(None);
    };
    let Some(user) = tx.user(link.linked_by).await? else {
        return Ok(None);
    };
    let viewer = Viewer::of(&user);
    if viewer.organization_id != Some(link.organization_id) {
        return Ok(None);
    }
    Ok(Some(Actor::new(viewer, Channel::Telegram)))
}

/// Refusals the ticket rules decide before anything is written: what to tell the person. Any
/// other error fails the whole write.
fn refusal(e: &Error) -> bool {
    matches!(
        e.code,
        ErrorCode::TicketClosed
            | ErrorCode::NotFound
            | ErrorCode::InvalidTransition
            | ErrorCode::Forbidden
            | ErrorCode::ValidationFailed
            | ErrorCode::UnknownTopic
            | ErrorCode::AttachmentUnavailable
    )
}

pub(super) async fn add_to_ticket(
    tx: &mut dyn Tx,
    actor: Actor,
    calendar: &CalendarHandle,
    ticket_id: Uuid,
    body: Result<String>,
    attachment_ids: &[Uuid],
    now: i64,
) -> Result<SupportOutcome> {
    let checked = body.and_then(|b| Ok((b, validate::attachment_ids(attachment_ids)?)));
    let (body, attachment_ids) = match checked {
        Ok(c) => c,
        Err(e) => return Ok(SupportOutcome::Refused(e)),
    };
    let m = NewMessage {
        id: Uuid::now_v7(),
        ticket_id,
        body,
        internal: false,
        attachment_ids,
        created_at_ms: None,
    };
    match tickets::add_message(tx, actor, calendar.clone(), m, now).await {
        Ok(_) => {
            let number = tx
                .ticket_in_tx(ticket_id)
                .await?
                .map(|t| t.number)
                .unwrap_or_default();
            Ok(SupportOutcome::Added { ticket_id, number })
        }
        Err(e) if refusal(&e) => Ok(SupportOutcome::Refused(e)),
        Err(e) => Err(e),
    }
}

/// Files a ticket on `topic` from the chat's text and files, as the app's filing does.
async fn file_in_tx(
    tx: &mut dyn Tx,
    actor: Actor,
    calendar: &CalendarHandle,
    topic: &Topic,
    body: &str,
    attachment_ids: &[Uuid],
    now: i64,
) -> Result<SupportOutcome> {
    let Some(organization_id) = actor.viewer.organization_id else {
        return Ok(SupportOutcome::NotLinked);
    };
    let checked = validate::body(body).and_then(|b| {
        Ok(NewTicket {
            id: Uuid::now_v7(),
            topic_id: topic.id.clone(),
            subject: validate::subject(&subject_from(&b, topic))?,
            body: b,
            attachment_ids: validate::attachment_ids(attachment_ids)?,
            organization_id,
            created_at_ms: None,
        })
    });
    let t = match checked {
        Ok(t) => t,
        Err(e) => return Ok(SupportOutcome::Refused(e)),
    };
    match tickets::file(tx, &actor, t, now).await {
        Ok((mut ticket, _)) => {
            let notice = tickets::after_hours_notice(tx, calendar, &mut ticket).await?;
            Ok(SupportOutcome::Filed {
                ticket_id: ticket.id,
                number: ticket.number,
                topic: topic.clone(),
                notice,
            })
        }
        Err(e) if refusal(&e) => Ok(SupportOutcome::Refused(e)),
        Err(e) => Err(e),
    }
}

async fn received(
    tx: &mut dyn Tx,
    bot: Bot,
    chat_id: i64,
    telegram_message_id: i64,
    media_group_id: Option<String>,
    outcome: &SupportOutcome,
    now: i64,
) -> Result<()> {
    if let Some(ticket_id) = outcome.ticket_id() {
        tx.record_received(&ReceivedInsert {
            bot,
            chat_id,
            telegram_message_id,
            media_group_id,
            ticket_id,
            at_ms: now,
        })
        .await?;
    }
    Ok(())
}

async fn message_in_tx(
    tx: &mut dyn Tx,
    m: &SupportMessage,
    before: Before,
    calendar: CalendarHandle,
    now: i64,
) -> Result<SupportOutcome> {
    let (bot, chat_id) = (m.bot, m.chat_id);
    let Some(actor) = speaker(tx, bot, chat_id).await? else {
        return Ok(SupportOutcome::NotLinked);
    };
    let mut target = match m.reply_to {
        Some(r) => tx.ticket_of_sent_in_tx(bot, chat_id, r).await?,
        None => None,
    };
    if target.is_none()
        && let Some(g) = &m.media_group_id
    {
        target = tx.ticket_of_album(bot, chat_id, g).await?;
        if target.is_none()
            && let Some(h) = tx.held_album(bot, chat_id, g).await?
        {
            let body = if m.files_only {
                h.body.clone()
            } else {
                format!("{}\n{}", h.body, m.body)
            };
            let mut ids = h.attachment_ids.clone();
            ids.extend(&m.attachment_ids);
            tx.extend_held(h.id, &body, &ids).await?;
            return Ok(SupportOutcome::Joined);
        }
    }
    let outcome = if let Some(ticket_id) = target {
        let body = validate::body(&m.body);
        add_to_ticket(
            tx,
            actor,
            &calendar,
            ticket_id,
            body,
            &m.attachment_ids,
            now,
        )
        .await?
    } else if let Some(d) = tx.draft(bot, chat_id).await? {
        match d.topic_id.as_deref() {
            None => {
                tx.fill_draft(d.id, m.telegram_message_id, &m.body, &m.attachment_ids)
                    .await?;
                return Ok(SupportOutcome::AwaitingTopic);
            }
            Some(topic_id) => match before.topics.iter().find(|t| t.id == topic_id) {
                // The topic was retired meanwhile: choose again.
                None => SupportOutcome::Refused(Error::unknown_topic(topic_id)),
                Some(topic) => {
                    let o =
                        file_in_tx(tx, actor, &calendar, topic, &m.body, &m.attachment_ids, now)
                            .await?;
                    if matches!(o, SupportOutcome::Filed { .. }) {
                        tx.drop_draft(d.id).await?;
                    }
                    o
                }
            },
        }
    } else {
        let held = tx
            .hold_message(&HeldInsert {
                bot,
                chat_id,
                telegram_message_id: m.telegram_message_id,
                media_group_id: m.media_group_id.clone(),
                body: m.body.clone(),
                attachment_ids: m.attachment_ids.clone(),
                at_ms: now,
            })
            .await?;
        return Ok(SupportOutcome::Asked {
            held,
            tickets: before.open,
        });
    };
    received(
        tx,
        bot,
        chat_id,
        m.telegram_message_id,
        m.media_group_id.clone(),
        &outcome,
        now,
    )
    .await?;
    Ok(outcome)
}

async fn choice_in_tx(
    tx: &mut dyn Tx,
    bot: Bot,
    chat_id: i64,
    choice: SupportChoice,
    before: Before,
    calendar: CalendarHandle,
    now: i64,
) -> Result<SupportOutcome> {
    let Some(actor) = speaker(tx, bot, chat_id).await? else {
        return Ok(SupportOutcome::NotLinked);
    };
    match choice {
        SupportChoice::Ticket { held, ticket_id } => {
            let Some(h) = tx.take_held(held, bot, chat_id, now).await? else {
                return Ok(SupportOutcome::Stale);
            };
            let body = validate::body(&h.body);
            let o = add_to_ticket(
                tx,
                actor,
                &calendar,
                ticket_id,
                body,
                &h.attachment_ids,
                now,
            )
            .await?;
            if matches!(o, SupportOutcome::Refused(_)) {
                // Still waiting: another button (or a new ticket) may take it.
                tx.release_held(h.id).await?;
            }
            received(
                tx,
                bot,
                chat_id,
                h.telegram_message_id,
                h.media_group_id,
                &o,
                now,
            )
            .await?;
            Ok(o)
        }
        SupportChoice::NewTicket { held } => {
            let Some(h) = tx.take_held(held, bot, chat_id, now).await? else {
                return Ok(SupportOutcome::Stale);
            };
            let draft = tx
                .put_draft(&DraftInsert {
                    bot,
                    chat_id,
                    topics: before.topics.iter().map(|t| t.id.clone()).collect(),
                    telegram_message_id: Some(h.telegram_message_id),
                    body: Some(h.body),
                    attachment_ids: h.attachment_ids,
                    at_ms: now,
                })
                .await?;
            Ok(SupportOutcome::Topics {
                draft,
                topics: before.topics,
            })
        }
        SupportChoice::Topic { draft, index } => {
            let Some(d) = tx.draft(bot, chat_id).await?.filter(|d| d.id == draft) else {
                return Ok(SupportOutcome::Stale);
            };
            let topic = d
                .topics
                .get(index)
                .and_then(|id| before.topics.iter().find(|t| &t.id == id));
            let Some(topic) = topic else {
                return Ok(SupportOutcome::Stale);
            };
            let Some(body) = d.body.as_deref() else {
                tx.choose_draft_topic(d.id, &topic.id).await?;
                return Ok(SupportOutcome::TopicChosen {
                    topic: topic.clone(),
                });
            };
            let o = file_in_tx(tx, actor, &calendar, topic, body, &d.attachment_ids, now).await?;
            if matches!(o, SupportOutcome::Filed { .. }) {
                tx.drop_draft(d.id).await?;
                if let Some(tm) = d.telegram_message_id {
                    received(tx, bot, chat_id, tm, None, &o, now).await?;
                }
            }
            Ok(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_the_first_line_cut_to_length() {
        let topic = Topic {
            id: "other".into(),
            title: desk_domain::Localized {
                uk: "Інше".into(),
                en: "Other".into(),
            },
            guidance: desk_domain::Localized {
                uk: String::new(),
                en: String::new(),
            },
            urgent: false,
            position: 0,
            active: true,
            updated_at: chrono::Utc::now(),
        };
        assert_eq!(
            subject_from("\n  Не друкуються чеки \nкаса 2", &topic),
            "Не друкуються чеки"
        );
        assert_eq!(subject_from("  ", &topic), "Інше");
        let long = "я".repeat(300);
        let s = subject_from(&long, &topic);
        assert_eq!(s.chars().count(), limits::SUBJECT_MAX_CHARS);
        assert!(s.ends_with('…'));
    }
}
