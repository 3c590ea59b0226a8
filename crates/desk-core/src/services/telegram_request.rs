//! Chats that write to a bot without a link code: the help page's own flow (Start, then the
//! service's name, and at night what happened). Nothing such a chat writes is dropped, and it
//! reads nothing of any organisation before it is linked:
//!
//! - each message joins the chat's waiting **request** (one per chat and bot), which suggests
//!   the one service its text names ([`rules::named_service`]);
//! - to the alert bot the request is an **unverified outage report**: its first message pages
//!   the agents on duty (everyone when nobody is), like a page, through the change log;
//! - the suggested service's own users approve it in the app, or an agent attaches it to any
//!   service; either links the chat, greets it by the service's name, and files the report (an
//!   agent attaching it also takes the incident on). Or it is dismissed, and the chat is told
//!   how to link with a code.
//!
//! The bridge words every message; the decisions, and the chat's answer, are one transaction.

use desk_domain::{
    Bot, Channel, ChatRef, ErrorCode, OutageKind, Role, TelegramRequest, TelegramRequestFilter,
    TelegramRequestStatus, limits, rules,
};
use tracing::instrument;
use uuid::Uuid;

use super::incidents::{self, NewOutage};
use crate::actor::{Actor, Viewer};
use crate::error::{Error, Result};
use crate::storage::{
    Audience, Entity, LinkWrite, OutgoingInsert, RequestDecision, RequestInsert, RequestQuery,
    RequestState, Tx,
};
use crate::{Core, validate};

/// Most requests a list answers.
const LIST_MAX: i64 = 200;

/// What came from a chat not linked.
#[derive(Debug, Clone)]
pub struct UnlinkedMessage {
    pub bot: Bot,
    pub update_id: i64,
    pub chat: ChatRef,
    /// Who wrote, as Telegram names them.
    pub author: String,
    /// Their Telegram is set to English.
    pub english: bool,
    pub text: String,
    /// The kind a command named (`/telephony` …), alert bot only.
    pub kind: Option<OutageKind>,
}

/// What a message from a chat not linked came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlinkedOutcome {
    /// A new request; `report`: an unverified outage report, and the agents were paged.
    Requested { id: Uuid, report: bool },
    /// Added to the chat's waiting request (nobody paged again).
    Added { id: Uuid, report: bool },
    /// Nothing to keep (an empty message).
    Empty,
    /// This update was handled before: nothing was done again.
    AlreadyHandled,
}

/// What a request was decided as, for the chat's message (the bridge words it).
#[derive(Debug, Clone)]
pub enum Decided {
    /// Linked to `organization`; the report became ticket #`report_number`.
    Approved {
        organization: desk_domain::Organization,
        report_number: Option<i64>,
    },
    Dismissed,
}

/// The messages a chat gets about its request's outcome.
pub type UnlinkedAnswer = Box<dyn FnOnce(&UnlinkedOutcome) -> Vec<serde_json::Value> + Send>;
/// The message a chat gets when its request is decided: `(bot, chat id, english, decision)`.
pub type DecidedAnswer = Box<dyn FnOnce(Bot, i64, bool, &Decided) -> serde_json::Value + Send>;

fn request_not_found() -> Error {
    Error::not_found("Запит на підключення чату", "Chat link request")
}

fn already_decided() -> Error {
    Error::new(
        ErrorCode::InvalidTransition,
        "Цей запит уже розглянуто: чат підключено або запит відхилено. Оновіть список.",
        "This request was already decided: the chat is linked or the request was dismissed. Refresh the list.",
    )
}

fn name_an_organization() -> Error {
    Error::validation(
        "Виберіть службу, до якої підключити цей чат: з повідомлення її не видно.",
        "Choose the service to link this chat to: the message does not name one.",
    )
}

fn no_customer() -> Error {
    Error::validation(
        "У цієї служби ще немає жодного користувача, від імені якого чат писатиме звернення. Спершу запросіть працівника служби.",
        "This service has no user yet for the chat to write as. Invite one of its people first.",
    )
}

/// A request's text with another message added, within the length a ticket's text may have.
fn joined(before: &str, more: &str) -> String {
    let mut s = before.to_owned();
    if !s.is_empty() {
        s.push_str("\n\n");
    }
    s.push_str(more);
    if s.chars().count() > limits::BODY_MAX_CHARS {
        s = s.chars().take(limits::BODY_MAX_CHARS - 1).collect();
        s.push('…');
    }
    s
}

/// May `v` decide request `r`: staff any; a customer only one suggesting their service.
fn may_decide(v: &Viewer, r: &RequestState) -> bool {
    v.is_staff() || (r.suggested.is_some() && r.suggested == v.organization_id)
}

impl Core {
    /// A message from a chat not linked to any service, handled once: it joins (or opens) the
    /// chat's request in the same transaction that marks the update handled and queues
    /// `answer(outcome)`; a new alert-bot request pages the agents on duty.
    #[instrument(skip_all, err, fields(bot = m.bot.as_str(), chat_id = m.chat.id, update_id = m.update_id))]
    pub async fn telegram_unlinked(
        &self,
        m: UnlinkedMessage,
        answer: UnlinkedAnswer,
    ) -> Result<UnlinkedOutcome> {
        let services: Vec<(Uuid, String)> = self
            .storage
            .organizations()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.claim_update(m.bot, m.update_id).await? {
                    return Ok(UnlinkedOutcome::AlreadyHandled);
                }
                let text = m.text.trim();
                let outcome = if text.is_empty() && m.kind.is_none() {
                    UnlinkedOutcome::Empty
                } else {
                    keep(tx, &m, text, &services, now).await?
                };
                for request in answer(&outcome) {
                    tx.queue_outgoing(&OutgoingInsert {
                        bot: m.bot,
                        chat_id: m.chat.id,
                        request,
                        ticket_id: None,
                        at_ms: now,
                    })
                    .await?;
                }
                Ok(outcome)
            })
        })
        .await
    }

    /// Requests `v` may decide, newest first: agents every one (`status=all`: decided ones
    /// too); customers the waiting ones that name their service, without whom it paged.
    #[instrument(skip_all, err)]
    pub async fn telegram_requests(
        &self,
        v: &Viewer,
        f: &TelegramRequestFilter,
    ) -> Result<Vec<TelegramRequest>> {
        let all = match f.status.as_deref() {
            None | Some("pending") => false,
            Some("all") => true,
            Some(other) => {
                return Err(Error::validation(
                    format!("Невідомий фільтр «{other}»: можна pending або all."),
                    format!("Unknown filter “{other}”: use pending or all."),
                ));
            }
        };
        let q = if v.is_staff() {
            RequestQuery {
                suggested: None,
                pending_only: !all,
                limit: LIST_MAX,
            }
        } else {
            let Some(org) = v.organization_id else {
                return Ok(Vec::new());
            };
            RequestQuery {
                suggested: Some(org),
                pending_only: true,
                limit: LIST_MAX,
            }
        };
        let mut list = self.storage.telegram_requests(q).await?;
        if !v.is_staff() {
            for r in &mut list {
                r.recipients.clear();
                r.all_agents = false;
            }
        }
        Ok(list)
    }

    /// Links the request's chat to `organization` (agents: any, defaulting to the suggested
    /// one; customers: their own, for a request naming it), queues `told` for the chat, and
    /// files an alert-bot request as the outage report it is. An agent attaching a report
    /// takes its incident on, so it is not paged again.
    #[instrument(skip_all, err, fields(request_id = %id))]
    pub async fn approve_telegram_request(
        &self,
        v: &Viewer,
        id: Uuid,
        organization: Option<Uuid>,
        told: DecidedAnswer,
    ) -> Result<TelegramRequest> {
        let (v, calendar, now) = (*v, self.calendar.clone(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                let r = decidable(tx, &v, id).await?;
                let org_id = if v.is_staff() {
                    organization
                        .or(r.suggested)
                        .ok_or_else(name_an_organization)?
                } else {
                    match organization {
                        Some(o) if Some(o) != v.organization_id => {
                            return Err(Error::forbidden(
                                "Підключити чат можна лише до своєї служби.",
                                "You can link a chat to your own service only.",
                            ));
                        }
                        _ => v.organization_id.ok_or_else(request_not_found)?,
                    }
                };
                let org = tx
                    .organization_in_tx(org_id)
                    .await?
                    .ok_or_else(|| Error::not_found("Службу", "Service"))?;
                // The chat writes as one of the service's own people: the approving customer,
                // or (an agent attaching it) the service's first account.
                let speaker = if v.is_staff() {
                    tx.first_customer(org_id).await?.ok_or_else(no_customer)?
                } else {
                    v.user_id
                };
                tx.put_link(&LinkWrite {
                    id: Uuid::now_v7(),
                    bot: r.bot,
                    chat: r.chat.clone(),
                    organization_id: org_id,
                    linked_by: speaker,
                    at_ms: now,
                })
                .await?;
                let mut report = None;
                if r.report {
                    let customer = Viewer {
                        user_id: speaker,
                        role: Role::Customer,
                        organization_id: Some(org_id),
                    };
                    let description = validate::body(&joined(
                        &r.body,
                        &format!("— {}, Telegram (до підключення чату)", r.author),
                    ))?;
                    let outage = NewOutage {
                        id: Uuid::now_v7(),
                        kind: r.kind.unwrap_or(OutageKind::Other),
                        description,
                        attachment_ids: Vec::new(),
                        organization_id: org_id,
                        created_at_ms: None,
                        // The agent attaching it is on it; a customer's approval pages as
                        // any report does.
                        page: !v.is_staff(),
                    };
                    let a = Actor::new(customer, Channel::Telegram);
                    let (written, _) = incidents::report(tx, a, outage, now).await?;
                    if v.is_staff() && written.incident.row.acknowledged_at_ms.is_none() {
                        incidents::acknowledge(tx, v, calendar, written.incident.row.id, now)
                            .await?;
                    }
                    report = Some(written.ticket);
                }
                tx.decide_request(&RequestDecision {
                    id,
                    status: TelegramRequestStatus::Approved,
                    decided_by: v.user_id,
                    at_ms: now,
                    attached_to: Some(org_id),
                    ticket_id: report.as_ref().map(|t| t.id),
                })
                .await?;
                tx.record_changes(&[Entity::TelegramRequest(id)], Audience::STAFF)
                    .await?;
                let decided = Decided::Approved {
                    organization: org,
                    report_number: report.as_ref().map(|t| t.number),
                };
                tx.queue_outgoing(&OutgoingInsert {
                    bot: r.bot,
                    chat_id: r.chat.id,
                    request: told(r.bot, r.chat.id, r.english, &decided),
                    ticket_id: report.map(|t| t.id),
                    at_ms: now,
                })
                .await?;
                Ok(())
            })
        })
        .await?;
        self.storage
            .telegram_request(id)
            .await?
            .ok_or_else(request_not_found)
    }

    /// Dismisses the request: the chat is told how to link with a code, and gets nothing else.
    #[instrument(skip_all, err, fields(request_id = %id))]
    pub async fn dismiss_telegram_request(
        &self,
        v: &Viewer,
        id: Uuid,
        told: DecidedAnswer,
    ) -> Result<TelegramRequest> {
        let (v, now) = (*v, self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                let r = decidable(tx, &v, id).await?;
                tx.decide_request(&RequestDecision {
                    id,
                    status: TelegramRequestStatus::Dismissed,
                    decided_by: v.user_id,
                    at_ms: now,
                    attached_to: None,
                    ticket_id: None,
                })
                .await?;
                tx.record_changes(&[Entity::TelegramRequest(id)], Audience::STAFF)
                    .await?;
                tx.queue_outgoing(&OutgoingInsert {
                    bot: r.bot,
                    chat_id: r.chat.id,
                    request: told(r.bot, r.chat.id, r.english, &Decided::Dismissed),
                    ticket_id: None,
                    at_ms: now,
                })
                .await
                .map(|_| ())
            })
        })
        .await?;
        self.storage
            .telegram_request(id)
            .await?
            .ok_or_else(request_not_found)
    }
}

/// The waiting request `v` may decide.
async fn decidable(tx: &mut dyn Tx, v: &Viewer, id: Uuid) -> Result<RequestState> {
    let r = tx
        .request_state(id)
        .await?
        .filter(|r| may_decide(v, r))
        .ok_or_else(request_not_found)?;
    if r.status != TelegramRequestStatus::Pending {
        return Err(already_decided());
    }
    Ok(r)
}

/// Adds `text` to the chat's waiting request, or opens one (paging for an alert-bot report).
async fn keep(
    tx: &mut dyn Tx,
    m: &UnlinkedMessage,
    text: &str,
    services: &[(Uuid, String)],
    now: i64,
) -> Result<UnlinkedOutcome> {
    let report = m.bot == Bot::Alert;
    let named =
        |body: &str| rules::named_service(body, services.iter().map(|(i, n)| (*i, n.as_str())));
    let outcome = match tx.waiting_request(m.bot, m.chat.id).await? {
        Some(r) => {
            let body = if text.is_empty() {
                r.body.clone()
            } else {
                joined(&r.body, text)
            };
            let suggested = named(&body).or(r.suggested);
            tx.update_request(r.id, &body, m.kind.or(r.kind), suggested, now)
                .await?;
            UnlinkedOutcome::Added { id: r.id, report }
        }
        None => {
            let recipients = if report {
                tx.on_duty_agents().await?
            } else {
                Vec::new()
            };
            let id = Uuid::now_v7();
            let body = joined("", text);
            tx.insert_request(&RequestInsert {
                id,
                bot: m.bot,
                chat: m.chat.clone(),
                author: m.author.clone(),
                english: m.english,
                suggested: named(&body),
                body,
                kind: m.kind,
                report,
                all_agents: report && recipients.is_empty(),
                recipients,
                at_ms: now,
            })
            .await?;
            UnlinkedOutcome::Requested { id, report }
        }
    };
    let (UnlinkedOutcome::Requested { id, .. } | UnlinkedOutcome::Added { id, .. }) = outcome
    else {
        return Ok(outcome);
    };
    tx.record_changes(&[Entity::TelegramRequest(id)], Audience::STAFF)
        .await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_keeps_every_message_within_a_ticket_text() {
        assert_eq!(joined("", "Оптима"), "Оптима");
        assert_eq!(
            joined("Оптима", "не працює телефонія"),
            "Оптима\n\nне працює телефонія"
        );
        let long = "а".repeat(limits::BODY_MAX_CHARS);
        let j = joined(&long, "ще");
        assert_eq!(j.chars().count(), limits::BODY_MAX_CHARS);
        assert!(j.ends_with('…'));
    }
}
