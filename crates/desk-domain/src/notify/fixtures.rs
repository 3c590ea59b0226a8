//! Builders of users, tickets and messages for table tests of the policy, here and in its
//! callers (the client's cache, a server-side bridge). Pure, like the rest of the policy.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Channel, Message, PersonRef, Role, Ticket, TicketStatus, User};

pub fn user(role: Role) -> User {
    User {
        id: Uuid::now_v7(),
        email: "x@example.com".into(),
        name: "X".into(),
        role,
        organization_id: (role == Role::Customer).then(Uuid::now_v7),
        locale: "uk".into(),
    }
}

pub fn person(u: &User) -> PersonRef {
    PersonRef {
        id: u.id,
        name: u.name.clone(),
        role: u.role,
    }
}

pub fn ticket(requester: &User, at: DateTime<Utc>, status: TicketStatus, urgent: bool) -> Ticket {
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

pub fn message(t: &Ticket, author: &User, at: DateTime<Utc>, internal: bool) -> Message {
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

/// An unverified outage report from a chat not linked, paging `to` (every agent when empty).
pub fn telegram_report(to: &[Uuid], at: DateTime<Utc>) -> crate::TelegramRequest {
    crate::TelegramRequest {
        id: Uuid::now_v7(),
        bot: crate::Bot::Alert,
        chat: crate::ChatRef {
            id: 42,
            kind: crate::ChatKind::Private,
            title: "Олег Петренко".into(),
        },
        author: "Олег Петренко".into(),
        text: "Таксі Оптима, не працює телефонія".into(),
        suggested_organization_id: None,
        suggested_organization_name: None,
        report: true,
        kind: None,
        status: crate::TelegramRequestStatus::Pending,
        all_agents: to.is_empty(),
        recipients: to.to_vec(),
        round: 1,
        paged_at: Some(at),
        decided_by: None,
        decided_at: None,
        attached_to: None,
        attached_to_name: None,
        ticket_id: None,
        ticket_number: None,
        created_at: at,
        updated_at: at,
    }
}
