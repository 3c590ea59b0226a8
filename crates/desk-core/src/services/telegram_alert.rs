//! The alert bot: the night path of the help page. A linked chat's message becomes an outage
//! report through the same path as `POST /outages` (it joins an open incident of its kind or
//! opens one and pages the agents on duty), and the incident's news (acknowledgement, updates,
//! resolution) goes back to every linked alert chat of the organisations it affects, once each.
//!
//! The kind comes from a command (`/telephony`…) or, when the dispatcher just writes, from the
//! buttons the bot answers with; until then the text waits as a draft, written in the same
//! transaction that handles the update. A draft nobody chose a kind for is filed as «інше»
//! after [`DRAFT_WAIT_MS`], so nothing written at night is left unfiled.
//!
//! Files come as attachments the bridge already stored as the linked customer's uploads (it
//! downloads them before the transaction that claims the update, as the support bot does):
//! they wait with the draft and are the report's files once it is filed; a file in reply to the
//! bot's «Прийнято: звернення #N» is added to #N. A file sent alone, with no draft waiting,
//! starts one whose text names the file, and the bot asks the kind as for any text.

use desk_domain::{Bot, IncidentEventKind, OutageKind, rules};
use tracing::instrument;
use uuid::Uuid;

use super::incidents::{self, NewOutage};
use super::telegram_support::{SupportOutcome, add_to_ticket, queue_requests, speaker};
use crate::error::{Error, Result};
use crate::storage::{AlertDraft, OutgoingInsert, Tx};
use crate::{Core, validate};

/// How long a message waits for its kind before it is filed as «інше».
pub const DRAFT_WAIT_MS: i64 = 3 * 60 * 1000;
/// Most waiting drafts filed in one pass.
const STALE_BATCH: i64 = 50;

/// What came to the alert bot from a linked chat.
#[derive(Debug, Clone)]
pub enum AlertInput {
    /// Text (maybe empty, after a kind command) from `author`; `kind` when a command named it;
    /// `reply_to` the bot's message it answers, if any; `attachment_ids` the files that came
    /// with it, already stored. `files_only`: nobody typed anything and `body` only names the
    /// files («📎 photo_12.jpg»), so it does not add a line to a waiting draft's text.
    Report {
        kind: Option<OutageKind>,
        body: String,
        author: String,
        reply_to: Option<i64>,
        attachment_ids: Vec<Uuid>,
        files_only: bool,
    },
    /// The dispatcher pressed kind `kind` under the bot's question about draft `draft_id`.
    Choose { draft_id: i64, kind: OutageKind },
}

/// A report the alert bot filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledReport {
    pub ticket_id: Uuid,
    pub number: i64,
    pub incident_id: Uuid,
    pub kind: OutageKind,
    pub title: String,
    /// The incident was already open for the organisation: nobody was paged again.
    pub already_known: bool,
}

/// What a message to the alert bot came to.
#[derive(Debug, Clone)]
pub enum AlertOutcome {
    /// Filed as a report.
    Filed(FiledReport),
    /// Kept as draft `draft_id`; the bot asks which kind. `joined`: the message joined a draft
    /// that was already waiting (the rest of an album, a file after the text).
    AskKind { draft_id: i64, joined: bool },
    /// A reply to the bot's message about report #N: added to it.
    Added { ticket_id: Uuid, number: i64 },
    /// The button was pressed after the draft was filed (as report #N).
    AlreadyFiled { number: i64 },
    /// The chat is not linked (any more).
    NotLinked,
    /// Refused by the rules (empty text, a closed report…): what to tell the person.
    Refused(Error),
    /// This update was handled before: nothing was done again.
    AlreadyHandled,
}

impl AlertOutcome {
    fn ticket_id(&self) -> Option<Uuid> {
        match self {
            Self::Filed(r) => Some(r.ticket_id),
            Self::Added { ticket_id, .. } => Some(*ticket_id),
            _ => None,
        }
    }
}

/// The messages a chat gets about the outcome (the bridge words them).
pub type AlertAnswer = Box<dyn FnOnce(&AlertOutcome) -> Vec<serde_json::Value> + Send>;
/// The same, for every draft filed by the wait running out: (chat id, outcome).
pub type AlertAnswers = Box<dyn Fn(i64, &AlertOutcome) -> Vec<serde_json::Value> + Send>;

/// An incident event to tell chats of, with what each chat gets.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub event_id: Uuid,
    pub messages: Vec<(i64, serde_json::Value)>,
}

/// The events of an incident the alert chats hear of: what agents tell everyone affected.
pub fn announced(kind: IncidentEventKind) -> bool {
    matches!(
        kind,
        IncidentEventKind::Acknowledged | IncidentEventKind::Update | IncidentEventKind::Resolved
    )
}

impl Core {
    /// A message (or a button) from a chat of the alert bot, handled once: the update counts as
    /// handled in the same transaction as the report it files (or the draft it keeps), with
    /// `answer(outcome)` queued for the chat.
    #[instrument(skip_all, err, fields(chat_id, update_id))]
    pub async fn telegram_alert(
        &self,
        update_id: i64,
        chat_id: i64,
        input: AlertInput,
        answer: AlertAnswer,
    ) -> Result<AlertOutcome> {
        let (calendar, now) = (self.calendar.clone(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.claim_update(Bot::Alert, update_id).await? {
                    return Ok(AlertOutcome::AlreadyHandled);
                }
                let outcome = match input {
                    AlertInput::Report {
                        reply_to: Some(m),
                        body,
                        attachment_ids,
                        ..
                    } if let Some(ticket_id) =
                        tx.ticket_of_sent_in_tx(Bot::Alert, chat_id, m).await? =>
                    {
                        match speaker(tx, Bot::Alert, chat_id).await? {
                            None => AlertOutcome::NotLinked,
                            Some(actor) => {
                                let body = validate::body(&body);
                                match add_to_ticket(
                                    tx,
                                    actor,
                                    &calendar,
                                    ticket_id,
                                    body,
                                    &attachment_ids,
                                    now,
                                )
                                .await?
                                {
                                    SupportOutcome::Added { ticket_id, number } => {
                                        AlertOutcome::Added { ticket_id, number }
                                    }
                                    SupportOutcome::Refused(e) => AlertOutcome::Refused(e),
                                    _ => AlertOutcome::NotLinked,
                                }
                            }
                        }
                    }
                    input => alert_in_tx(tx, chat_id, input, now).await?,
                };
                queue_requests(
                    tx,
                    Bot::Alert,
                    chat_id,
                    outcome.ticket_id(),
                    answer(&outcome),
                    now,
                )
                .await?;
                Ok(outcome)
            })
        })
        .await
    }

    /// Files every draft that waited longer than [`DRAFT_WAIT_MS`] for its kind as «інше»
    /// (paging as any report), queuing `answer(outcome)` for its chat. How many were filed.
    #[instrument(skip_all, err)]
    pub async fn file_waiting_telegram_alerts(&self, answer: AlertAnswers) -> Result<usize> {
        let now = self.clock.now_ms();
        // Looked at every few seconds: a read, so the writer is taken only to file something.
        if !self
            .storage
            .alert_drafts_waiting_since(now - DRAFT_WAIT_MS)
            .await?
        {
            return Ok(0);
        }
        self.write(move |tx| {
            Box::pin(async move {
                let drafts = tx
                    .stale_alert_drafts(now - DRAFT_WAIT_MS, STALE_BATCH)
                    .await?;
                let mut filed = 0;
                for d in drafts {
                    let outcome = file(tx, &d, d.kind.unwrap_or(OutageKind::Other), now).await?;
                    filed += usize::from(matches!(outcome, AlertOutcome::Filed(_)));
                    let requests = answer(d.chat_id, &outcome);
                    queue_requests(
                        tx,
                        Bot::Alert,
                        d.chat_id,
                        outcome.ticket_id(),
                        requests,
                        now,
                    )
                    .await?;
                }
                Ok(filed)
            })
        })
        .await
    }

    /// Queues `news` for the alert chats and moves cursor `name` from `from` to `to` in one
    /// transaction; an event announced before is skipped, so each chat hears each event once
    /// however often the incident's row comes by. `false` (nothing queued) when the cursor was
    /// not at `from`.
    #[instrument(skip_all, err, fields(cursor = name, from, to, events = news.len()))]
    pub async fn announce_incident_news(
        &self,
        name: &str,
        from: i64,
        to: i64,
        news: Vec<Announcement>,
    ) -> Result<bool> {
        let (name, now) = (name.to_owned(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.move_cursor(&name, from, to).await? {
                    return Ok(false);
                }
                for a in news {
                    if !tx.mark_announced(a.event_id, now).await? {
                        continue;
                    }
                    for (chat_id, request) in a.messages {
                        tx.queue_outgoing(&OutgoingInsert {
                            bot: Bot::Alert,
                            chat_id,
                            request,
                            ticket_id: None,
                            at_ms: now,
                        })
                        .await?;
                    }
                }
                Ok(true)
            })
        })
        .await
    }
}

/// A message or a button, inside the write.
async fn alert_in_tx(
    tx: &mut dyn Tx,
    chat_id: i64,
    input: AlertInput,
    now: i64,
) -> Result<AlertOutcome> {
    if speaker(tx, Bot::Alert, chat_id).await?.is_none() {
        return Ok(AlertOutcome::NotLinked);
    }
    match input {
        AlertInput::Report {
            kind,
            body,
            author,
            attachment_ids,
            files_only,
            ..
        } => {
            let body = body.trim().to_owned();
            let typed = if files_only { "" } else { body.as_str() };
            let waiting = tx.waiting_alert_draft(chat_id).await?;
            // What the chat wrote or sent while the bot waited for the kind belongs to the same
            // report.
            let (text, files) = match &waiting {
                Some(d) if !typed.is_empty() => (format!("{}\n{typed}", d.body), &d.attachment_ids),
                Some(d) => (d.body.clone(), &d.attachment_ids),
                // Files alone, kind unknown: the draft's text names them, so the report says
                // what came. With a kind, its title says enough (see `file`).
                None if kind.is_none() => (body.clone(), &Vec::new()),
                None => (typed.to_owned(), &Vec::new()),
            };
            let files =
                match validate::attachment_ids(&[files.as_slice(), &attachment_ids].concat()) {
                    Ok(f) => f,
                    Err(e) => return Ok(AlertOutcome::Refused(e)),
                };
            if kind.is_none() && text.is_empty() {
                return Ok(AlertOutcome::Refused(empty_report()));
            }
            let joined = waiting.is_some();
            let id = match waiting {
                Some(d) => {
                    tx.update_alert_draft(d.id, kind, &text, &files, now)
                        .await?;
                    d.id
                }
                None => {
                    tx.insert_alert_draft(chat_id, kind, &text, &files, &author, now)
                        .await?
                }
            };
            let Some(kind) = kind else {
                return Ok(AlertOutcome::AskKind {
                    draft_id: id,
                    joined,
                });
            };
            let draft = tx
                .alert_draft(id)
                .await?
                .ok_or_else(|| Error::internal("a draft vanished inside its own write"))?;
            file(tx, &draft, kind, now).await
        }
        AlertInput::Choose { draft_id, kind } => {
            let Some(draft) = tx
                .alert_draft(draft_id)
                .await?
                .filter(|d| d.chat_id == chat_id)
            else {
                return Ok(AlertOutcome::Refused(Error::not_found(
                    "Повідомлення про збій",
                    "The outage message",
                )));
            };
            if let Some(ticket_id) = draft.ticket_id {
                let number = tx
                    .ticket_in_tx(ticket_id)
                    .await?
                    .map(|t| t.number)
                    .unwrap_or_default();
                return Ok(AlertOutcome::AlreadyFiled { number });
            }
            file(tx, &draft, kind, now).await
        }
    }
}

fn empty_report() -> Error {
    Error::validation(
        "Напишіть коротко, що сталося: що не працює і з якого часу.",
        "Write briefly what happened: what is down and since when.",
    )
}

/// Files draft `d` as a report of `kind` through the same path as `POST /outages`.
async fn file(tx: &mut dyn Tx, d: &AlertDraft, kind: OutageKind, now: i64) -> Result<AlertOutcome> {
    let Some(actor) = speaker(tx, Bot::Alert, d.chat_id).await? else {
        return Ok(AlertOutcome::NotLinked);
    };
    let Some(organization_id) = actor.viewer.organization_id else {
        return Ok(AlertOutcome::NotLinked);
    };
    // A bare command says enough at night: its kind's title is the description.
    let said = if d.body.trim().is_empty() {
        rules::outage_title(kind, "uk").to_owned()
    } else {
        d.body.clone()
    };
    let description = if d.author.is_empty() {
        said
    } else {
        format!("{said}\n\n— {} (Telegram)", d.author)
    };
    let description = match validate::body(&description) {
        Ok(b) => b,
        Err(e) => return Ok(AlertOutcome::Refused(e)),
    };
    let r = NewOutage {
        id: Uuid::now_v7(),
        kind,
        description,
        attachment_ids: d.attachment_ids.clone(),
        organization_id,
        created_at_ms: None,
        page: true,
    };
    let (written, _) = incidents::report(tx, actor, r, now).await?;
    tx.file_alert_draft(d.id, written.ticket.id).await?;
    Ok(AlertOutcome::Filed(FiledReport {
        ticket_id: written.ticket.id,
        number: written.ticket.number,
        incident_id: written.incident.row.id,
        kind,
        title: written.incident.row.title.clone(),
        already_known: written.already_known,
    }))
}
