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
