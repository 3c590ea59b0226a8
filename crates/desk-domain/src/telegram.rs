//! Telegram: the two bots a taxi service connects (support, alert), the one-time link that ties
//! a chat to the customer's organisation, and the linked chats the customer page lists.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Which of the two bots: replies from specialists, or outages at any hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Bot {
    Support,
    Alert,
}

impl Bot {
    pub const ALL: [Bot; 2] = [Bot::Support, Bot::Alert];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::Alert => "alert",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "support" => Some(Self::Support),
            "alert" => Some(Self::Alert),
            _ => None,
        }
    }
}

/// A configured bot as Telegram knows it (from `getMe`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct BotIdentity {
    pub bot: Bot,
    /// Without the `@`.
    pub username: String,
}

/// Where to open a bot with the code: in a private chat (`url`) or to add it to a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct BotLink {
    pub bot: Bot,
    pub username: String,
    /// `https://t.me/<username>?start=<code>`: opening it and pressing Start links that chat.
    pub url: String,
    /// `https://t.me/<username>?startgroup=<code>`: adds the bot to a group (the whole shift).
    pub group_url: String,
}

/// `POST /telegram/link-codes`: a one-time code for the signed-in customer, usable once with
/// each bot until `expires_at` (the page asks for a new one before then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct LinkCode {
    pub code: String,
    pub links: Vec<BotLink>,
    pub expires_at: DateTime<Utc>,
}

/// A Telegram chat's kind, as Telegram names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ChatKind {
    Private,
    Group,
    Supergroup,
    Channel,
}

impl ChatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Group => "group",
            Self::Supergroup => "supergroup",
            Self::Channel => "channel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "private" => Some(Self::Private),
            "group" => Some(Self::Group),
            "supergroup" => Some(Self::Supergroup),
            "channel" => Some(Self::Channel),
            _ => None,
        }
    }

    pub fn is_group(self) -> bool {
        matches!(self, Self::Group | Self::Supergroup)
    }
}

/// A chat as the bridge met it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ChatRef {
    pub id: i64,
    pub kind: ChatKind,
    /// The group's title, or the person's name in a private chat.
    pub title: String,
}

/// A chat linked to an organisation through one bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct TelegramLink {
    pub id: Uuid,
    pub bot: Bot,
    pub chat: ChatRef,
    pub organization_id: Uuid,
    /// Who opened the link (the customer the code was made for).
    pub linked_by: Uuid,
    pub linked_at: DateTime<Utc>,
    /// False once unlinked, or once Telegram said the bot may no longer write there.
    pub active: bool,
}

/// Where a request from a chat that is not linked stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TelegramRequestStatus {
    /// Nobody has decided yet: the chat gets nothing of any organisation.
    Pending,
    /// Linked to `attached_to` (and, for an outage report, filed as `ticket_number`).
    Approved,
    /// Refused: the chat was told to link with a code from the app.
    Dismissed,
}

impl TelegramRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "dismissed" => Some(Self::Dismissed),
            _ => None,
        }
    }
}

/// A chat that wrote to a bot without a link code (the help page's own flow: Start, then the
/// service's name, and at night what happened). It is never dropped, and it never reads
/// anything before it is linked: the organisation's own users approve it when its text names
/// their service, or an agent attaches it to an organisation (or dismisses it). To the alert
/// bot it is an **unverified outage report**: it pages the agents on duty at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct TelegramRequest {
    pub id: Uuid,
    pub bot: Bot,
    pub chat: ChatRef,
    /// Who wrote, as Telegram names them.
    pub author: String,
    /// What the chat wrote while the request waited, oldest first, one message per paragraph.
    pub text: String,
    /// The organisation whose name the text names, if exactly one does: its users may approve.
    pub suggested_organization_id: Option<Uuid>,
    pub suggested_organization_name: Option<String>,
    /// Written to the alert bot: an outage report nobody has verified, paged like one.
    pub report: bool,
    /// The kind, when the chat named one (`/telephony` …); «інше» otherwise.
    pub kind: Option<crate::OutageKind>,
    pub status: TelegramRequestStatus,
    /// Staff only (empty for customers): the agents paged, or every agent.
    pub all_agents: bool,
    pub recipients: Vec<Uuid>,
    /// A report's page: 1 for the agents on duty, 2, 3, … for every agent again while nobody
    /// decides it (0: not a report). Staff only.
    pub round: u32,
    /// When it was last paged.
    pub paged_at: Option<DateTime<Utc>>,
    pub decided_by: Option<crate::PersonRef>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The organisation the chat was linked to on approval.
    pub attached_to: Option<Uuid>,
    pub attached_to_name: Option<String>,
    /// The outage report filed from it on approval.
    pub ticket_id: Option<Uuid>,
    pub ticket_number: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TelegramRequest {
    /// An unverified report that should still ring `agent`'s app.
    pub fn rings_for(&self, agent: Uuid) -> bool {
        self.report
            && self.status == TelegramRequestStatus::Pending
            && (self.all_agents || self.round > 1 || self.recipients.contains(&agent))
    }
}

/// `GET /telegram/requests`.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams, ts_rs::TS,
)]
#[into_params(parameter_in = Query)]
pub struct TelegramRequestFilter {
    /// `pending` (default) or `all` (the last 200, newest first).
    pub status: Option<String>,
}

/// `POST /telegram/requests/{id}/approve`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ApproveTelegramRequest {
    /// The organisation to link the chat to. Agents: required unless the request names one;
    /// customers: their own organisation (the default).
    pub organization_id: Option<Uuid>,
}
