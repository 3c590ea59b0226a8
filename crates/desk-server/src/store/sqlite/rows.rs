//! Rows as SQLite returns them, and their conversion to the wire types.

use desk_core::clock::ts;
use desk_core::{Error, Result};
use desk_domain::{
    Attachment, Channel, Localized, Message, PersonRef, Role, Ticket, TicketStatus, Topic, User,
    WaitClock,
};
use uuid::Uuid;

pub fn role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| Error::internal(format!("unknown role in database: {s}")))
}

pub fn status(s: &str) -> Result<TicketStatus> {
    TicketStatus::parse(s).ok_or_else(|| Error::internal(format!("unknown status: {s}")))
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub organization_id: Option<Uuid>,
    pub locale: String,
    pub password_hash: Option<String>,
}

pub const USER_COLUMNS: &str =
    "u.id, u.email, u.name, u.role, u.organization_id, u.locale, u.password_hash";

impl UserRow {
    pub fn into_user(self) -> Result<User> {
        Ok(User {
            id: self.id,
            email: self.email,
            name: self.name,
            role: role(&self.role)?,
            organization_id: self.organization_id,
            locale: self.locale,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct OrgRow {
    pub id: Uuid,
    pub name: String,
    pub timezone: String,
    pub created_at: i64,
}

impl From<OrgRow> for desk_domain::Organization {
    fn from(r: OrgRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            timezone: r.timezone,
            created_at: ts(r.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct TopicRow {
    pub id: String,
    pub title_uk: String,
    pub title_en: String,
    pub guidance_uk: String,
    pub guidance_en: String,
    pub urgent: bool,
    pub position: i64,
    pub active: bool,
    pub updated_at: i64,
}

impl From<TopicRow> for Topic {
    fn from(r: TopicRow) -> Self {
        Self {
            id: r.id,
            title: Localized {
                uk: r.title_uk,
                en: r.title_en,
            },
            guidance: Localized {
                uk: r.guidance_uk,
                en: r.guidance_en,
            },
            urgent: r.urgent,
            position: r.position,
            active: r.active,
            updated_at: ts(r.updated_at),
        }
    }
}

pub const TOPIC_COLUMNS: &str =
    "id, title_uk, title_en, guidance_uk, guidance_en, urgent, position, active, updated_at";

#[derive(sqlx::FromRow)]
pub struct TicketRow {
    pub id: Uuid,
    pub number: i64,
    pub subject: String,
    pub topic_id: String,
    pub urgent: bool,
    pub status: String,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub requester_id: Uuid,
    pub requester_name: String,
    pub requester_role: String,
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    pub assignee_role: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub last_message_at: i64,
    pub message_count: i64,
    pub incident_id: Option<Uuid>,
    pub wait_ms: i64,
    pub wait_since: i64,
    pub wait_running: bool,
}

pub const TICKET_SELECT: &str = "SELECT t.id, t.number, t.subject, t.topic_id, t.urgent, t.status, \
    t.organization_id, o.name AS organization_name, \
    t.requester_id, r.name AS requester_name, r.role AS requester_role, \
    t.assignee_id, a.name AS assignee_name, a.role AS assignee_role, \
    t.created_at, t.updated_at, t.resolved_at, t.last_message_at, t.message_count, t.incident_id, \
    t.wait_ms, COALESCE(t.wait_since, t.created_at) AS wait_since, t.wait_running \
    FROM tickets t \
    JOIN organizations o ON o.id = t.organization_id \
    JOIN users r ON r.id = t.requester_id \
    LEFT JOIN users a ON a.id = t.assignee_id";

impl TicketRow {
    pub fn into_ticket(self) -> Result<Ticket> {
        let status = status(&self.status)?;
        let assignee = match (self.assignee_id, self.assignee_name, self.assignee_role) {
            (Some(id), Some(name), Some(r)) => Some(PersonRef {
                id,
                name,
                role: role(&r)?,
            }),
            _ => None,
        };
        Ok(Ticket {
            id: self.id,
            number: self.number,
            subject: self.subject,
            topic_id: self.topic_id,
            urgent: self.urgent,
            status,
            organization_id: self.organization_id,
            organization_name: self.organization_name,
            requester: PersonRef {
                id: self.requester_id,
                name: self.requester_name,
                role: role(&self.requester_role)?,
            },
            assignee,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
            resolved_at: self.resolved_at.map(ts),
            last_message_at: ts(self.last_message_at),
            message_count: self.message_count,
            incident_id: self.incident_id,
            waiting: Some(WaitClock {
                accumulated_ms: self.wait_ms,
                running: self.wait_running,
                since: ts(self.wait_since),
            }),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct MessageRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub author_role: String,
    pub body: String,
    pub internal: bool,
    pub channel: String,
    pub created_at: i64,
}

pub const MESSAGE_SELECT: &str = "SELECT m.id, m.ticket_id, m.author_id, u.name AS author_name, \
    u.role AS author_role, m.body, m.internal, m.channel, m.created_at \
    FROM messages m JOIN users u ON u.id = m.author_id";

impl MessageRow {
    pub fn into_message(self, attachments: Vec<Attachment>) -> Result<Message> {
        Ok(Message {
            id: self.id,
            ticket_id: self.ticket_id,
            author: PersonRef {
                id: self.author_id,
                name: self.author_name,
                role: role(&self.author_role)?,
            },
            body: self.body,
            internal: self.internal,
            channel: Channel::parse(&self.channel).unwrap_or(Channel::App),
            created_at: ts(self.created_at),
            attachments,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: Uuid,
    pub message_id: Option<Uuid>,
    pub filename: String,
    pub size: i64,
    pub media_type: String,
    pub sha256: String,
}

pub const ATTACHMENT_COLUMNS: &str = "id, message_id, filename, size, media_type, sha256";

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Self {
        Self {
            id: r.id,
            filename: r.filename,
            size: u64::try_from(r.size).unwrap_or(0),
            media_type: r.media_type,
            sha256: r.sha256,
        }
    }
}

/// `?, ?, ?` for an `IN (...)` list of `n` values.
pub fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}
