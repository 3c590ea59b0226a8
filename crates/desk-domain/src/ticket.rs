//! Tickets and the messages of their conversations.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use chrono::{DateTime, Utc};

use crate::Attachment;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    New,
    InProgress,
    WaitingForCustomer,
    Resolved,
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 5] = [
        Self::New,
        Self::InProgress,
        Self::WaitingForCustomer,
        Self::Resolved,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::InProgress => "in_progress",
            Self::WaitingForCustomer => "waiting_for_customer",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Resolved and closed tickets are done; the rest are open.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Closed)
    }
}

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    App,
    Telegram,
    System,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Telegram => "telegram",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "app" => Some(Self::App),
            "telegram" => Some(Self::Telegram),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// A person as shown next to what they wrote or were assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct PersonRef {
    pub id: Uuid,
    pub name: String,
    pub role: crate::Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Ticket {
    /// Client-generated UUIDv7.
    pub id: Uuid,
    /// Human number assigned by the server, gap-free: shown as `#1042`.
    pub number: i64,
    pub subject: String,
    pub topic_id: String,
    /// Copied from the topic when the ticket was created: handled around the clock.
    pub urgent: bool,
    pub status: TicketStatus,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub requester: PersonRef,
    pub assignee: Option<PersonRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the ticket is resolved (or closed), cleared when it is reopened.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Time of the newest message the caller may see.
    pub last_message_at: DateTime<Utc>,
    /// Number of messages the caller may see.
    pub message_count: i64,
    /// The incident an outage report belongs to.
    #[serde(default)]
    pub incident_id: Option<Uuid>,
    /// Staff only (`null` for customers): how long the ticket has waited for support in working
    /// time; the app computes the live figure with the business calendar.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub waiting: Option<crate::WaitClock>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Message {
    /// Client-generated UUIDv7.
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author: PersonRef,
    pub body: String,
    /// Agents-only note; never shown to customers.
    pub internal: bool,
    pub channel: Channel,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<Attachment>,
}

/// `POST /tickets`: the body becomes the ticket's first message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct CreateTicket {
    pub id: Uuid,
    pub topic_id: String,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// Agents filing on a customer's behalf name the organisation; customers leave it out.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
}

/// `POST /tickets/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct CreateMessage {
    pub id: Uuid,
    pub body: String,
    /// Agents only: a note customers never see.
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// `PATCH /tickets/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct UpdateTicket {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
    /// Agents only. `null` unassigns; leaving the field out keeps the assignee.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_id: Option<Option<Uuid>>,
}

fn double_option<'de, D>(de: D) -> Result<Option<Option<Uuid>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<Uuid>::deserialize(de).map(Some)
}

/// `GET /tickets` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ts_rs::TS)]
#[into_params(parameter_in = Query)]
pub struct TicketFilter {
    /// `open`, `resolved` (resolved or closed), `all`, or one status, e.g. `waiting_for_customer`.
    pub status: Option<String>,
    pub topic_id: Option<String>,
    /// Agents only; customers always see their own organisation.
    pub organization_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    /// Text in the subject (case-insensitive), or a ticket number like `1042` / `#1042`.
    pub q: Option<String>,
    /// Tickets numbered below this (the `next` of the previous page).
    pub before: Option<i64>,
    /// Page size, default 50, at most 200.
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct TicketPage {
    /// Newest first.
    pub items: Vec<Ticket>,
    /// Pass as `before` for the next page; `null` at the end.
    pub next: Option<i64>,
}

/// `GET /tickets/{id}`: the ticket with its conversation as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct TicketWithMessages {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
}
