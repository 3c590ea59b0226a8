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

use chrono::{DateTime, Utc};
use desk_domain::{
    Incident, IncidentEventKind, IncidentStatus, Message, Ticket, TicketStatus, User,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cache::Applied;

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

fn excerpt(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

fn text(lang: &str, uk: String, en: String) -> String {
    if lang.starts_with("en") { en } else { uk }
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
            || m.channel == desk_domain::Channel::System
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

/// Whether `i` names `org` (open or not): its people hear about it.
fn in_scope(i: &Incident, org: Option<Uuid>) -> bool {
    i.all_organizations || org.is_some_and(|o| i.organizations.iter().any(|x| x.id == o))
}

fn incident_note(
    key: String,
    kind: NotificationKind,
    i: &Incident,
    title: String,
    body: String,
) -> Notification {
    Notification {
        key,
        kind,
        ticket_id: i.ticket_ids.first().copied().unwrap_or_default(),
        ticket_number: 0,
        title,
        body,
        urgency: NotificationUrgency::Normal,
        incident_id: Some(i.id),
    }
}

fn decide_outages(who: &Audience<'_>, applied: &Applied, out: &mut Vec<Notification>) {
    let staff = who.me.role.is_staff();
    let lang = who.lang;
    let me = who.me.id;
    let ms = |t: DateTime<Utc>| t.timestamp_millis();

    if staff {
        for p in &applied.outages.pages {
            let page = &p.page;
            if !page.is_for(me) || page.created_at <= who.since || p.settled || p.reported_by_me {
                continue;
            }
            let what = crate::incidents::outage_title(page.kind, lang);
            let title = if page.round > 1 {
                text(
                    lang,
                    format!("Повторний виклик: {what} — {}", page.organization_name),
                    format!("Paged again: {what} — {}", page.organization_name),
                )
            } else {
                text(
                    lang,
                    format!("Збій: {what} — {}", page.organization_name),
                    format!("Outage: {what} — {}", page.organization_name),
                )
            };
            let ask = text(
                lang,
                "Підтвердіть, що берете в роботу.".into(),
                "Acknowledge to take it on.".into(),
            );
            out.push(Notification {
                key: format!("page:{}", page.id),
                kind: NotificationKind::OutagePage,
                ticket_id: page.ticket_id,
                ticket_number: page.ticket_number,
                title,
                body: format!(
                    "#{} · {}\n{ask}",
                    page.ticket_number,
                    excerpt(&page.summary, 140)
                ),
                urgency: NotificationUrgency::Critical,
                incident_id: Some(page.incident_id),
            });
        }
        return;
    }

    let org = who.me.organization_id;
    for c in &applied.outages.incidents {
        let i = &c.now;
        if !in_scope(i, org) {
            continue;
        }
        let before = c.before.as_ref().filter(|b| in_scope(b, org));
        let seen: Vec<Uuid> = before
            .map(|b| b.timeline.iter().map(|e| e.id).collect())
            .unwrap_or_default();
        let mut opened = false;

        // Opened for me (first seen, or newly in my organisation's scope), or back again.
        if i.status == IncidentStatus::Open
            && !c.reported_by_me
            && i.updated_at > who.since
            && before.is_none_or(|b| b.status != IncidentStatus::Open)
        {
            opened = true;
            let back = before.is_some();
            let latest = i
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind == IncidentEventKind::Update)
                .map(|e| excerpt(&e.body, 160));
            let body = latest.unwrap_or_else(|| {
                text(
                    lang,
                    "Підтримка вже знає про збій і працює над ним. Повідомляти вдруге не потрібно."
                        .into(),
                    "Support already knows about the outage and is working on it. No need to report it again."
                        .into(),
                )
            });
            let (key, title) = if back {
                (
                    format!("incident-reopened:{}:{}", i.id, ms(i.updated_at)),
                    text(
                        lang,
                        format!("Збій повернувся: {}", i.title),
                        format!("Outage is back: {}", i.title),
                    ),
                )
            } else {
                (
                    format!("incident-opened:{}", i.id),
                    text(
                        lang,
                        format!("Збій: {}", i.title),
                        format!("Outage: {}", i.title),
                    ),
                )
            };
            out.push(incident_note(
                key,
                NotificationKind::IncidentOpened,
                i,
                title,
                body,
            ));
        }

        // Taken on: the reporter hears who has it.
        if c.reported_by_me
            && i.status == IncidentStatus::Open
            && let (Some(at), Some(by)) = (i.acknowledged_at, i.acknowledged_by.as_ref())
            && at > who.since
            && by.id != me
            && before.is_none_or(|b| b.acknowledged_at != Some(at))
        {
            out.push(incident_note(
                format!("incident-ack:{}:{}", i.id, ms(at)),
                NotificationKind::IncidentAcknowledged,
                i,
                text(
                    lang,
                    format!("Збій прийнято в роботу: {}", i.title),
                    format!("Outage acknowledged: {}", i.title),
                ),
                text(
                    lang,
                    format!("{} з підтримки вже працює над цим.", by.name),
                    format!("{} from support is on it.", by.name),
                ),
            ));
        }

        // Updates (the first one rides with the "opened" notification).
        if !opened {
            for e in i.timeline.iter().filter(|e| {
                e.kind == IncidentEventKind::Update
                    && !seen.contains(&e.id)
                    && e.at > who.since
                    && e.author.id != me
            }) {
                out.push(incident_note(
                    format!("incident-event:{}", e.id),
                    NotificationKind::IncidentUpdate,
                    i,
                    text(
                        lang,
                        format!("Новини щодо збою: {}", i.title),
                        format!("Outage update: {}", i.title),
                    ),
                    excerpt(&e.body, 200),
                ));
            }
        }

        // Resolved: one notification, also for the reports it resolved.
        if i.status == IncidentStatus::Resolved
            && let Some(at) = i.resolved_at
            && at > who.since
            && before
                .is_none_or(|b| b.status != IncidentStatus::Resolved || b.resolved_at != Some(at))
        {
            let resolution = i
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind == IncidentEventKind::Resolved)
                .map(|e| excerpt(&e.body, 200))
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| {
                    text(
                        lang,
                        "Усе має працювати. Якщо проблема лишилася — напишіть у зверненні.".into(),
                        "Everything should work again. If the problem remains, reply on the ticket."
                            .into(),
                    )
                });
            out.push(incident_note(
                format!("incident-resolved:{}:{}", i.id, ms(at)),
                NotificationKind::IncidentResolved,
                i,
                text(
                    lang,
                    format!("Збій усунено: {}", i.title),
                    format!("Outage resolved: {}", i.title),
                ),
                resolution,
            ));
        }
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::Duration;
    use desk_domain::{Channel, PersonRef, Role};

    pub(crate) fn user(role: Role) -> User {
        User {
            id: Uuid::now_v7(),
            email: "x@example.com".into(),
            name: "X".into(),
            role,
            organization_id: (role == Role::Customer).then(Uuid::now_v7),
            locale: "uk".into(),
        }
    }

    fn person(u: &User) -> PersonRef {
        PersonRef {
            id: u.id,
            name: u.name.clone(),
            role: u.role,
        }
    }

    pub(crate) fn ticket(
        requester: &User,
        at: DateTime<Utc>,
        status: TicketStatus,
        urgent: bool,
    ) -> Ticket {
        Ticket {
            id: Uuid::now_v7(),
            number: 7,
            subject: "Не працює телефонія".into(),
            topic_id: "telephony-down".into(),
            urgent,
            status,
            organization_id: requester.organization_id.unwrap_or_default(),
            organization_name: "Таксі".into(),
            requester: person(requester),
            assignee: None,
            created_at: at,
            updated_at: at,
            resolved_at: (!status.is_open()).then_some(at),
            last_message_at: at,
            message_count: 1,
            incident_id: None,
            waiting: None,
        }
    }

    pub(crate) fn message(t: &Ticket, author: &User, at: DateTime<Utc>, internal: bool) -> Message {
        Message {
            id: Uuid::now_v7(),
            ticket_id: t.id,
            author: person(author),
            body: "Перезавантажте, будь ласка, роутер".into(),
            internal,
            channel: Channel::App,
            created_at: at,
            attachments: vec![],
        }
    }

    fn kinds(n: &[Notification]) -> Vec<NotificationKind> {
        n.iter().map(|n| n.kind).collect()
    }

    #[test]
    fn customer_table() {
        let now = Utc::now();
        let since = now - Duration::hours(1);
        let me = user(Role::Customer);
        let colleague = User {
            organization_id: me.organization_id,
            ..user(Role::Customer)
        };
        let agent = user(Role::Agent);
        let who = Audience {
            me: &me,
            since,
            lang: "uk",
        };
        let t = ticket(&me, now, TicketStatus::InProgress, false);
        let old = now - Duration::hours(5);

        struct Case {
            name: &'static str,
            applied: Applied,
            want: Vec<NotificationKind>,
        }
        let mut resolved = t.clone();
        resolved.status = TicketStatus::Resolved;
        resolved.resolved_at = Some(now);
        let mut old_resolved = resolved.clone();
        old_resolved.resolved_at = Some(old);
        let cases = vec![
            Case {
                name: "agent reply",
                applied: Applied {
                    tickets: vec![(Some(t.clone()), t.clone())],
                    new_messages: vec![message(&t, &agent, now, false)],
                    ..Applied::default()
                },
                want: vec![NotificationKind::SupportReplied],
            },
            Case {
                name: "after-hours notice (channel system) is not a reply",
                applied: Applied {
                    tickets: vec![(None, t.clone())],
                    new_messages: vec![Message {
                        channel: Channel::System,
                        author: PersonRef {
                            id: desk_domain::calendar::SUPPORT_SERVICE_USER_ID,
                            name: "Служба підтримки".into(),
                            role: Role::Agent,
                        },
                        ..message(&t, &agent, now, false)
                    }],
                    ..Applied::default()
                },
                want: vec![],
            },
            Case {
                name: "internal note never",
                applied: Applied {
                    new_messages: vec![message(&t, &agent, now, true)],
                    ..Applied::default()
                },
                want: vec![],
            },
            Case {
                name: "my own reply never",
                applied: Applied {
                    new_messages: vec![message(&t, &me, now, false)],
                    ..Applied::default()
                },
                want: vec![],
            },
            Case {
                name: "colleague's reply is not support",
                applied: Applied {
                    new_messages: vec![message(&t, &colleague, now, false)],
                    ..Applied::default()
                },
                want: vec![],
            },
            Case {
                name: "old reply on first sync",
                applied: Applied {
                    new_messages: vec![message(&t, &agent, old, false)],
                    ..Applied::default()
                },
                want: vec![],
            },
            Case {
                name: "resolved",
                applied: Applied {
                    tickets: vec![(Some(t.clone()), resolved.clone())],
                    ..Applied::default()
                },
                want: vec![NotificationKind::TicketResolved],
            },
            Case {
                name: "already resolved before",
                applied: Applied {
                    tickets: vec![(Some(resolved.clone()), resolved.clone())],
                    ..Applied::default()
                },
                want: vec![],
            },
            Case {
                name: "resolved long ago (first sync)",
                applied: Applied {
                    tickets: vec![(None, old_resolved)],
                    ..Applied::default()
                },
                want: vec![],
            },
            Case {
                name: "new ticket is not news to customers",
                applied: Applied {
                    tickets: vec![(None, ticket(&colleague, now, TicketStatus::New, true))],
                    ..Applied::default()
                },
                want: vec![],
            },
        ];
        for c in cases {
            assert_eq!(kinds(&decide(&who, &c.applied)), c.want, "{}", c.name);
        }
    }

    #[test]
    fn agent_table() {
        let now = Utc::now();
        let since = now - Duration::hours(1);
        let me = user(Role::Agent);
        let other_agent = user(Role::Agent);
        let customer = user(Role::Customer);
        let who = Audience {
            me: &me,
            since,
            lang: "en",
        };
        let normal = ticket(&customer, now, TicketStatus::New, false);
        let urgent = ticket(&customer, now, TicketStatus::New, true);
        let first = message(&normal, &customer, now, false);
        let n = decide(
            &who,
            &Applied {
                tickets: vec![(None, normal.clone()), (None, urgent.clone())],
                new_messages: vec![first],
                ..Applied::default()
            },
        );
        assert_eq!(
            kinds(&n),
            vec![NotificationKind::NewTicket, NotificationKind::UrgentTicket]
        );
        assert!(n[1].is_critical() && !n[0].is_critical());
        assert!(n[1].title.starts_with("Urgent ticket #7"));

        let mut mine = normal.clone();
        mine.assignee = Some(person(&me));
        let later = now + Duration::minutes(5);
        let reply = message(&mine, &customer, later, false);
        let n = decide(
            &who,
            &Applied {
                tickets: vec![(Some(mine.clone()), mine.clone())],
                new_messages: vec![reply],
                ..Applied::default()
            },
        );
        assert_eq!(kinds(&n), vec![NotificationKind::CustomerReplied]);

        let mut theirs = normal.clone();
        theirs.assignee = Some(person(&other_agent));
        let reply = message(&theirs, &customer, later, false);
        assert!(
            decide(
                &who,
                &Applied {
                    tickets: vec![(Some(theirs.clone()), theirs)],
                    new_messages: vec![reply],
                    ..Applied::default()
                }
            )
            .is_empty()
        );

        let by_agent = ticket(&other_agent, now, TicketStatus::New, false);
        assert!(
            decide(
                &who,
                &Applied {
                    tickets: vec![(None, by_agent)],
                    ..Applied::default()
                }
            )
            .is_empty(),
            "a ticket filed by staff is not a customer's"
        );
        let old = ticket(&customer, now - Duration::hours(3), TicketStatus::New, true);
        assert!(
            decide(
                &who,
                &Applied {
                    tickets: vec![(None, old)],
                    ..Applied::default()
                }
            )
            .is_empty(),
            "first sync does not flood"
        );
    }

    #[test]
    fn keys_are_stable() {
        let now = Utc::now();
        let me = user(Role::Customer);
        let agent = user(Role::Agent);
        let who = Audience {
            me: &me,
            since: now - Duration::hours(1),
            lang: "uk",
        };
        let t = ticket(&me, now, TicketStatus::InProgress, false);
        let m = message(&t, &agent, now, false);
        let a = Applied {
            new_messages: vec![m.clone()],
            ..Applied::default()
        };
        assert_eq!(decide(&who, &a), decide(&who, &a));
        assert_eq!(decide(&who, &a)[0].key, format!("message:{}", m.id));
    }

    // --- outages

    use crate::incidents::{IncidentChange, OutageChanges, PageChange};
    use desk_domain::{IncidentEvent, OrganizationRef, OutageKind, Page};

    fn event(kind: IncidentEventKind, by: &User, at: DateTime<Utc>, body: &str) -> IncidentEvent {
        IncidentEvent {
            id: Uuid::now_v7(),
            kind,
            body: body.into(),
            author: person(by),
            at,
        }
    }

    fn incident(org: Uuid, reporter: &User, at: DateTime<Utc>) -> Incident {
        Incident {
            id: Uuid::now_v7(),
            kind: OutageKind::Telephony,
            title: "Не працює телефонія".into(),
            status: IncidentStatus::Open,
            all_organizations: false,
            organizations: vec![OrganizationRef {
                id: org,
                name: "Таксі".into(),
            }],
            started_at: at,
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
            updated_at: at,
            merged_into: None,
            ticket_ids: vec![Uuid::now_v7()],
            timeline: vec![event(IncidentEventKind::Reported, reporter, at, "")],
        }
    }

    fn changed(before: Option<&Incident>, now: &Incident, mine: bool) -> Applied {
        Applied {
            outages: OutageChanges {
                incidents: vec![IncidentChange {
                    before: before.cloned(),
                    now: now.clone(),
                    reported_by_me: mine,
                }],
                ..OutageChanges::default()
            },
            ..Applied::default()
        }
    }

    fn acknowledged(i: &Incident, by: &User, at: DateTime<Utc>) -> Incident {
        let mut a = i.clone();
        a.acknowledged_at = Some(at);
        a.acknowledged_by = Some(person(by));
        a.updated_at = at;
        a.timeline
            .push(event(IncidentEventKind::Acknowledged, by, at, ""));
        a
    }

    fn updated(i: &Incident, by: &User, at: DateTime<Utc>, body: &str) -> Incident {
        let mut a = i.clone();
        a.updated_at = at;
        a.timeline
            .push(event(IncidentEventKind::Update, by, at, body));
        a
    }

    fn resolved(i: &Incident, by: &User, at: DateTime<Utc>) -> Incident {
        let mut a = i.clone();
        a.status = IncidentStatus::Resolved;
        a.resolved_at = Some(at);
        a.updated_at = at;
        a.timeline.push(event(
            IncidentEventKind::Resolved,
            by,
            at,
            "Оператор зв'язку відновив лінію, дзвінки проходять.",
        ));
        a
    }

    #[test]
    fn customer_outage_table() {
        let now = Utc::now();
        let since = now - Duration::hours(1);
        let old = now - Duration::hours(5);
        let me = user(Role::Customer);
        let org = me.organization_id.unwrap_or_default();
        let colleague = User {
            organization_id: me.organization_id,
            ..user(Role::Customer)
        };
        let stranger = user(Role::Customer);
        let agent = user(Role::Agent);
        let who = Audience {
            me: &me,
            since,
            lang: "uk",
        };
        let theirs = incident(org, &colleague, now);
        let mine = incident(org, &me, now);
        let elsewhere = incident(stranger.organization_id.unwrap_or_default(), &stranger, now);
        let mut everyone = incident(Uuid::now_v7(), &agent, now);
        everyone.all_organizations = true;
        everyone.organizations.clear();
        everyone.timeline = vec![event(
            IncidentEventKind::Update,
            &agent,
            now,
            "Оператор зв'язку має аварію, працюємо з ним.",
        )];
        let later = now + Duration::minutes(4);
        let seen_update = updated(&theirs, &agent, later, "Працюємо");
        use NotificationKind as K;
        let cases: Vec<(&str, Applied, Vec<K>)> = vec![
            (
                "a colleague's report opens it: I hear support knows",
                changed(None, &theirs, false),
                vec![K::IncidentOpened],
            ),
            (
                "my own report: no news to me",
                changed(None, &mine, true),
                vec![],
            ),
            (
                "another organisation's outage never",
                changed(None, &elsewhere, false),
                vec![],
            ),
            (
                "announced to everyone: opened, its first update folded in",
                changed(None, &everyone, false),
                vec![K::IncidentOpened],
            ),
            (
                "first sync: an old open incident is the banner's, not a notification",
                changed(None, &incident(org, &colleague, old), false),
                vec![],
            ),
            (
                "acknowledged: the reporter hears who has it",
                changed(Some(&mine), &acknowledged(&mine, &agent, later), true),
                vec![K::IncidentAcknowledged],
            ),
            (
                "acknowledged: not the rest of the organisation",
                changed(Some(&theirs), &acknowledged(&theirs, &agent, later), false),
                vec![],
            ),
            (
                "an update reaches the organisation",
                changed(
                    Some(&theirs),
                    &updated(&theirs, &agent, later, "Працюємо"),
                    false,
                ),
                vec![K::IncidentUpdate],
            ),
            (
                "an update seen before is not news again",
                changed(Some(&seen_update), &seen_update, false),
                vec![],
            ),
            (
                "resolved",
                changed(Some(&mine), &resolved(&mine, &agent, later), true),
                vec![K::IncidentResolved],
            ),
            (
                "resolved while I was away: one notification for both",
                changed(
                    Some(&theirs),
                    &resolved(&updated(&theirs, &agent, later, "Працюємо"), &agent, later),
                    false,
                ),
                vec![K::IncidentUpdate, K::IncidentResolved],
            ),
            (
                "back after its resolution",
                changed(
                    Some(&resolved(&theirs, &agent, later)),
                    &{
                        let mut b = resolved(&theirs, &agent, later);
                        b.status = IncidentStatus::Open;
                        b.resolved_at = None;
                        b.updated_at = later + Duration::minutes(10);
                        b
                    },
                    false,
                ),
                vec![K::IncidentOpened],
            ),
        ];
        for (name, applied, want) in cases {
            assert_eq!(kinds(&decide(&who, &applied)), want, "{name}");
        }
        let n = decide(&who, &changed(None, &everyone, false));
        assert_eq!(n[0].body, "Оператор зв'язку має аварію, працюємо з ним.");
        assert_eq!(n[0].incident_id, Some(everyone.id));
        let n = decide(
            &who,
            &changed(Some(&mine), &acknowledged(&mine, &agent, later), true),
        );
        assert_eq!(
            n[0].body,
            format!("{} з підтримки вже працює над цим.", agent.name)
        );
        assert_eq!(n[0].ticket_id, mine.ticket_ids[0]);
        assert_eq!(n[0].urgency, NotificationUrgency::Normal);
    }

    /// A customer's outage report and its incident at `now`, and the report as the incident's
    /// resolution leaves it half an hour `later`: (me, agent, now, later, incident, report, done).
    fn resolution() -> (
        User,
        User,
        DateTime<Utc>,
        DateTime<Utc>,
        Incident,
        Ticket,
        Ticket,
    ) {
        let now = Utc::now();
        let me = user(Role::Customer);
        let agent = user(Role::Agent);
        let i = incident(me.organization_id.unwrap_or_default(), &me, now);
        let later = now + Duration::minutes(30);
        let mut report = ticket(&me, now, TicketStatus::InProgress, true);
        report.id = i.ticket_ids[0];
        report.incident_id = Some(i.id);
        let mut done = report.clone();
        done.status = TicketStatus::Resolved;
        done.resolved_at = Some(later);
        (me, agent, now, later, i, report, done)
    }

    #[test]
    fn resolving_an_incident_notifies_once() {
        let (me, agent, now, later, i, report, done) = resolution();
        let who = Audience {
            me: &me,
            since: now - Duration::hours(1),
            lang: "en",
        };
        let resolution = Message {
            body: "Telephony works again.".into(),
            ..message(&done, &agent, later, false)
        };
        let mut applied = changed(Some(&i), &resolved(&i, &agent, later), true);
        applied.tickets = vec![(Some(report.clone()), done.clone())];
        applied.new_messages = vec![resolution.clone()];
        applied
            .outages
            .ticket_incident
            .insert(report.id, IncidentStatus::Resolved);
        let n = decide(&who, &applied);
        assert_eq!(kinds(&n), vec![NotificationKind::IncidentResolved]);
        assert!(n[0].title.starts_with("Outage resolved"), "{}", n[0].title);

        // A report resolved on its own (the incident goes on) is the ticket's news.
        let mut alone = Applied {
            tickets: vec![(Some(report.clone()), done.clone())],
            ..Applied::default()
        };
        alone
            .outages
            .ticket_incident
            .insert(report.id, IncidentStatus::Open);
        assert_eq!(
            kinds(&decide(&who, &alone)),
            vec![NotificationKind::TicketResolved]
        );

        // A reply after the resolution is a reply.
        let after = message(&done, &agent, later + Duration::minutes(1), false);
        applied.new_messages = vec![after];
        applied.outages.incidents.clear();
        assert_eq!(
            kinds(&decide(&who, &applied)),
            vec![NotificationKind::SupportReplied]
        );
    }

    #[test]
    fn a_pull_split_across_pages_still_notifies_a_resolution_once() {
        let (me, agent, now, later, i, report, done) = resolution();
        let who = Audience {
            me: &me,
            since: now - Duration::hours(1),
            lang: "uk",
        };
        let resolution = message(&done, &agent, later, false);

        // The server logs the incident, then the report, then the message. First page: the
        // incident (and maybe the report) — the incident's notification.
        let mut first = changed(Some(&i), &resolved(&i, &agent, later), true);
        first.tickets = vec![(Some(report.clone()), done.clone())];
        first
            .outages
            .ticket_incident
            .insert(report.id, IncidentStatus::Resolved);
        assert_eq!(
            kinds(&decide(&who, &first)),
            vec![NotificationKind::IncidentResolved]
        );
        // Next page: only the resolution message; its ticket comes from the cache, resolved
        // with the incident. Nothing more.
        let mut rest = Applied {
            new_messages: vec![resolution.clone()],
            message_tickets: vec![done.clone()],
            ..Applied::default()
        };
        rest.outages
            .ticket_incident
            .insert(report.id, IncidentStatus::Resolved);
        assert!(decide(&who, &rest).is_empty());

        // A plain reply whose ticket came in an earlier page names the ticket's number.
        let mut open = report.clone();
        open.incident_id = None;
        let reply = message(&open, &agent, later, false);
        let alone = Applied {
            new_messages: vec![reply],
            message_tickets: vec![open.clone()],
            ..Applied::default()
        };
        let n = decide(&who, &alone);
        assert_eq!(kinds(&n), vec![NotificationKind::SupportReplied]);
        assert!(
            n[0].title.contains(&format!("#{}", open.number)),
            "{}",
            n[0].title
        );
    }

    fn page(for_agents: &[Uuid], ticket: Uuid, at: DateTime<Utc>, round: u32) -> Page {
        Page {
            id: Uuid::now_v7(),
            incident_id: Uuid::now_v7(),
            ticket_id: ticket,
            ticket_number: 12,
            kind: OutageKind::Telephony,
            organization_name: "Таксі Ластівка".into(),
            summary: "З 02:05 не проходять вхідні дзвінки, оператор не відповідає".into(),
            round,
            all_agents: for_agents.is_empty(),
            recipients: for_agents.to_vec(),
            created_at: at,
        }
    }

    /// Builds the pull of one page (and, `with_report`, its report's ticket) for a table row.
    struct PagePull {
        change: PageChange,
        tickets: Vec<(Option<Ticket>, Ticket)>,
    }

    impl PagePull {
        fn new(page: Page) -> Self {
            PagePull {
                change: PageChange {
                    page,
                    first_seen: true,
                    settled: false,
                    reported_by_me: false,
                },
                tickets: Vec::new(),
            }
        }

        /// Its incident was acknowledged or closed by the time it was pulled.
        fn settled(mut self) -> Self {
            self.change.settled = true;
            self
        }

        /// The report was filed by me.
        fn mine(mut self) -> Self {
            self.change.reported_by_me = true;
            self
        }

        fn with_report(mut self, report: &Ticket) -> Self {
            self.tickets.push((None, report.clone()));
            self
        }

        fn applied(self) -> Applied {
            Applied {
                tickets: self.tickets,
                outages: OutageChanges {
                    pages: vec![self.change],
                    ..OutageChanges::default()
                },
                ..Applied::default()
            }
        }
    }

    #[test]
    fn agent_outage_table() {
        let now = Utc::now();
        let since = now - Duration::hours(1);
        let me = user(Role::Agent);
        let other = user(Role::Agent);
        let customer = user(Role::Customer);
        let who = Audience {
            me: &me,
            since,
            lang: "uk",
        };
        let mut report = ticket(&customer, now, TicketStatus::New, true);
        report.incident_id = Some(Uuid::now_v7());
        let pull = |to: &[Uuid], at: DateTime<Utc>, round: u32| {
            PagePull::new(page(to, report.id, at, round))
        };
        let report_only = Applied {
            tickets: vec![(None, report.clone())],
            ..Applied::default()
        };
        use NotificationKind as K;
        let cases: Vec<(&str, Applied, Vec<K>)> = vec![
            (
                "paged (on duty): critical, and the report does not ring twice",
                pull(&[me.id], now, 1).with_report(&report).applied(),
                vec![K::OutagePage],
            ),
            (
                "a page for every agent",
                pull(&[], now, 2).applied(),
                vec![K::OutagePage],
            ),
            (
                "a page for another agent (I am off duty): nothing",
                pull(&[other.id], now, 1).with_report(&report).applied(),
                vec![],
            ),
            (
                "already acknowledged by the time I pulled it: nothing to ring for",
                pull(&[me.id], now, 1).settled().applied(),
                vec![],
            ),
            (
                "an old page on a first sync",
                pull(&[me.id], now - Duration::hours(3), 1).applied(),
                vec![],
            ),
            (
                "my own report (on a customer's behalf)",
                pull(&[me.id], now, 1).mine().applied(),
                vec![],
            ),
            (
                "a report joining a known outage: news, not an alarm",
                report_only.clone(),
                vec![K::OutageReport],
            ),
        ];
        for (name, applied, want) in cases {
            assert_eq!(kinds(&decide(&who, &applied)), want, "{name}");
        }
        let p = page(&[me.id], report.id, now, 1);
        let n = decide(&who, &PagePull::new(p.clone()).applied());
        assert!(n[0].is_critical());
        assert_eq!(n[0].urgency, NotificationUrgency::Critical);
        assert_eq!(n[0].key, format!("page:{}", p.id));
        assert_eq!(n[0].ticket_id, report.id);
        assert_eq!(n[0].incident_id, Some(p.incident_id));
        assert_eq!(n[0].title, "Збій: Не працює телефонія — Таксі Ластівка");
        let n = decide(&who, &pull(&[], now, 2).applied());
        assert!(n[0].title.starts_with("Повторний виклик"), "{}", n[0].title);

        // Agents are not told of customers' incident news.
        let i = incident(customer.organization_id.unwrap_or_default(), &customer, now);
        assert!(decide(&who, &changed(None, &i, false)).is_empty());
        let n = decide(&who, &report_only);
        assert!(!n[0].is_critical());
    }
}
