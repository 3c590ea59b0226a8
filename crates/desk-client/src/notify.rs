//! The notification policy: a pure function from what a sync applied to the notifications a
//! person should get. Customers: a new reply from support on their organisation's tickets, a
//! ticket resolved. Agents: every new ticket (urgent ones marked critical) and customers'
//! replies on tickets assigned to them. Never for the person's own writes; nothing older than
//! the account's first sign-in on this device (a first sync does not flood); each notification
//! has a key, and the engine shows a key at most once, across restarts.

use chrono::{DateTime, Utc};
use desk_domain::{Message, Ticket, TicketStatus, User};
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
    /// Raise above everything else (urgent reports).
    pub critical: bool,
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
    let ticket_of = |id: Uuid| applied.tickets.iter().map(|(_, t)| t).find(|t| t.id == id);

    for (before, t) in &applied.tickets {
        if staff {
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
                    critical: t.urgent,
                });
            }
        } else if became_resolved(before.as_ref(), t, who.since) {
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
                critical: false,
            });
        }
    }

    for m in &applied.new_messages {
        if m.author.id == who.me.id || m.internal || m.created_at <= who.since {
            continue;
        }
        let ticket = ticket_of(m.ticket_id);
        let number = ticket.map(|t| t.number).unwrap_or(0);
        if !staff && m.author.role.is_staff() {
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
                critical: false,
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
                critical: false,
            });
        }
    }
    out
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
mod tests {
    use super::*;
    use chrono::Duration;
    use desk_domain::{Channel, PersonRef, Role};

    fn user(role: Role) -> User {
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

    fn ticket(requester: &User, at: DateTime<Utc>, status: TicketStatus, urgent: bool) -> Ticket {
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
        }
    }

    fn message(t: &Ticket, author: &User, at: DateTime<Utc>, internal: bool) -> Message {
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
        assert!(n[1].critical && !n[0].critical);
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
}
