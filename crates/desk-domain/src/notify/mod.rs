//! The notification policy: a pure function from what a sync applied to the notifications a
//! person should get. Customers: a new reply from support on their organisation's tickets, a
//! ticket resolved; an outage affecting their organisation opened (or back) unless they
//! reported it, each update to it, its resolution, and — for the person who reported it — its
//! acknowledgement ("прийнято в роботу: <agent>"). Agents: every new ticket (urgent ones marked
//! critical) and customers' replies on tickets assigned to them; an outage page addressed to
//! them, at **critical** urgency, unless someone already acknowledged it; another report on an
//! outage already known (normal urgency). Outage reports ring through their page, never also as
//! an urgent ticket; resolving an incident resolves its reports with a message, and customers
//! get one notification for it: the incident's resolution. Never for the person's own writes;
//! nothing older than the account's first sign-in on this device (a first sync does not
//! flood); each notification has a key, and the engine shows a key at most once, across
//! restarts.

mod applied;
#[doc(hidden)]
pub mod fixtures;
mod outages;
#[cfg(test)]
mod tests;
mod text;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{IncidentStatus, Message, Ticket, TicketStatus, User};
pub use applied::{Applied, IncidentChange, OutageChanges, PageChange};
use outages::decide_outages;
use text::{excerpt, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Support answered on one of my organisation's tickets.
    SupportReplied,
    /// One of my organisation's tickets was resolved.
    TicketResolved,
    /// (Agents) a customer filed a ticket.
    NewTicket,
    /// (Agents) a customer filed an urgent ticket: raised as critical.
    UrgentTicket,
    /// (Agents) a customer replied on a ticket assigned to me.
    CustomerReplied,
    /// (Customers) an outage affecting my organisation is known to support (opened by someone
    /// else's report or announced), or is back after its resolution.
    IncidentOpened,
    /// (Customers, the reporter) an agent took my outage report on.
    IncidentAcknowledged,
    /// (Customers) support posted an update on an outage affecting my organisation.
    IncidentUpdate,
    /// (Customers) an outage affecting my organisation is resolved.
    IncidentResolved,
    /// (Agents) an outage page addressed to me: always critical, never switched off.
    OutagePage,
    /// (Agents) another organisation reported an outage support already knows (no page).
    OutageReport,
    /// (Agents) a chat not linked to any service wrote to the alert bot: an outage report
    /// nobody has verified, paged like one (critical) until someone attaches or dismisses it.
    UnverifiedReport,
}

/// How loudly the shell raises a notification; maps one to one onto the freedesktop urgency
/// levels (`notify_rust::Urgency`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NotificationUrgency {
    #[default]
    Normal,
    /// `Urgency::Critical`: stays on screen until dismissed (no timeout) and is meant to get
    /// through do-not-disturb — outage pages and urgent tickets.
    Critical,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Notification {
    /// Shown at most once per key.
    pub key: String,
    pub kind: NotificationKind,
    pub ticket_id: Uuid,
    pub ticket_number: i64,
    pub title: String,
    pub body: String,
    /// How loudly to raise it; the shell maps it onto `notify_rust::Urgency` (`Critical`: no
    /// timeout).
    #[serde(default)]
    pub urgency: NotificationUrgency,
    /// The incident it is about (outage notifications): a click opens the incident. Its
    /// `ticket_id` is then the report ticket of mine or my organisation's linked to it, or the
    /// nil UUID when there is none.
    #[serde(default)]
    pub incident_id: Option<Uuid>,
}

impl Notification {
    /// Raise above everything else (urgent reports, outage pages).
    pub fn is_critical(&self) -> bool {
        self.urgency == NotificationUrgency::Critical
    }
}

/// Who the notifications are for and since when they count.
#[derive(Debug, Clone)]
pub struct Audience<'a> {
    pub me: &'a User,
    /// The account's first sign-in on this device: anything older is history, not news.
    pub since: DateTime<Utc>,
    /// `uk` or `en`.
    pub lang: &'a str,
}

/// The notifications a page deserves, in order; the engine drops keys already shown.
pub fn decide(who: &Audience<'_>, applied: &Applied) -> Vec<Notification> {
    let mut out = Vec::new();
    let staff = who.me.role.is_staff();
    let lang = who.lang;
    let ticket_of = |id: Uuid| {
        applied
            .tickets
            .iter()
            .map(|(_, t)| t)
            .chain(&applied.message_tickets)
            .find(|t| t.id == id)
    };

    for (before, t) in &applied.tickets {
        if staff && t.incident_id.is_some() {
            // An outage report rings through its page; without one (it joined an outage
            // already known) it is news, not an alarm.
            let is_new = before.is_none() || before.as_ref().is_some_and(|b| b.number == 0);
            let paged = applied
                .outages
                .pages
                .iter()
                .any(|p| p.page.ticket_id == t.id);
            if is_new
                && !paged
                && t.created_at > who.since
                && t.requester.id != who.me.id
                && !t.requester.role.is_staff()
            {
                out.push(Notification {
                    key: format!("ticket:{}", t.id),
                    kind: NotificationKind::OutageReport,
                    ticket_id: t.id,
                    ticket_number: t.number,
                    title: text(
                        lang,
                        format!("Ще одне повідомлення про збій — {}", t.organization_name),
                        format!("Another outage report — {}", t.organization_name),
                    ),
                    body: format!("#{} · {}", t.number, excerpt(&t.subject, 140)),
                    urgency: NotificationUrgency::Normal,
                    incident_id: t.incident_id,
                });
            }
        } else if staff {
            let is_new = before.is_none() || before.as_ref().is_some_and(|b| b.number == 0);
            if is_new
                && t.created_at > who.since
                && t.requester.id != who.me.id
                && !t.requester.role.is_staff()
            {
                let kind = if t.urgent {
                    NotificationKind::UrgentTicket
                } else {
                    NotificationKind::NewTicket
                };
                let title = if t.urgent {
                    text(
                        lang,
                        format!(
                            "Термінове звернення #{} — {}",
                            t.number, t.organization_name
                        ),
                        format!("Urgent ticket #{} — {}", t.number, t.organization_name),
                    )
                } else {
                    text(
                        lang,
                        format!("Нове звернення #{} — {}", t.number, t.organization_name),
                        format!("New ticket #{} — {}", t.number, t.organization_name),
                    )
                };
                out.push(Notification {
                    key: format!("ticket:{}", t.id),
                    kind,
                    ticket_id: t.id,
                    ticket_number: t.number,
                    title,
                    body: excerpt(&t.subject, 140),
                    urgency: if t.urgent {
                        NotificationUrgency::Critical
                    } else {
                        NotificationUrgency::Normal
                    },
                    incident_id: None,
                });
            }
        } else if became_resolved(before.as_ref(), t, who.since)
            && !resolved_with_incident(applied, t)
        {
            let resolved_at = t.resolved_at.map(|r| r.timestamp_millis()).unwrap_or(0);
            out.push(Notification {
                key: format!("resolved:{}:{resolved_at}", t.id),
                kind: NotificationKind::TicketResolved,
                ticket_id: t.id,
                ticket_number: t.number,
                title: text(
                    lang,
                    format!("Звернення #{} вирішено", t.number),
                    format!("Ticket #{} resolved", t.number),
                ),
                body: excerpt(&t.subject, 140),
                urgency: NotificationUrgency::Normal,
                incident_id: None,
            });
        }
    }

    for m in &applied.new_messages {
        if m.author.id == who.me.id
            || m.internal
            || m.created_at <= who.since
            // Automatic messages (the after-hours notice) are not a reply from support: the
            // customer just saw the expectation when filing.
            || m.channel == crate::Channel::System
        {
            continue;
        }
        let ticket = ticket_of(m.ticket_id);
        let number = ticket.map(|t| t.number).unwrap_or(0);
        if !staff && m.author.role.is_staff() {
            if ticket.is_some_and(|t| {
                resolved_with_incident(applied, t)
                    && t.resolved_at.is_some_and(|r| m.created_at <= r)
            }) {
                // The incident's resolution, copied into each report: one notification is
                // enough, and it is the incident's.
                continue;
            }
            out.push(Notification {
                key: format!("message:{}", m.id),
                kind: NotificationKind::SupportReplied,
                ticket_id: m.ticket_id,
                ticket_number: number,
                title: text(
                    lang,
                    format!("Відповідь підтримки у зверненні #{number}"),
                    format!("Support replied on ticket #{number}"),
                ),
                body: format!("{}: {}", m.author.name, excerpt(&m.body, 160)),
                urgency: NotificationUrgency::Normal,
                incident_id: None,
            });
        } else if staff && !m.author.role.is_staff() && is_first_message(ticket, m) {
            // The ticket's own notification covers its first message.
        } else if staff
            && !m.author.role.is_staff()
            && ticket.is_some_and(|t| t.assignee.as_ref().is_some_and(|a| a.id == who.me.id))
        {
            out.push(Notification {
                key: format!("message:{}", m.id),
                kind: NotificationKind::CustomerReplied,
                ticket_id: m.ticket_id,
                ticket_number: number,
                title: text(
                    lang,
                    format!("Клієнт відповів у зверненні #{number}"),
                    format!("Customer replied on ticket #{number}"),
                ),
                body: format!("{}: {}", m.author.name, excerpt(&m.body, 160)),
                urgency: NotificationUrgency::Normal,
                incident_id: None,
            });
        }
    }
    decide_outages(who, applied, &mut out);
    out
}

/// The report ticket was resolved together with its incident.
fn resolved_with_incident(applied: &Applied, t: &Ticket) -> bool {
    t.incident_id.is_some()
        && applied.outages.ticket_incident.get(&t.id) == Some(&IncidentStatus::Resolved)
}

fn is_first_message(ticket: Option<&Ticket>, m: &Message) -> bool {
    ticket.is_some_and(|t| t.created_at == m.created_at && t.requester.id == m.author.id)
}

fn became_resolved(before: Option<&Ticket>, t: &Ticket, since: DateTime<Utc>) -> bool {
    if t.status != TicketStatus::Resolved {
        return false;
    }
    let was_resolved = before
        .is_some_and(|b| b.status == TicketStatus::Resolved && b.resolved_at == t.resolved_at);
    !was_resolved && t.resolved_at.is_some_and(|r| r > since)
}
