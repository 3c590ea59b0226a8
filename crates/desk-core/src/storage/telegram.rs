//! Rows of Telegram link codes (only their SHA-256) and of the chats linked through a bot.

use async_trait::async_trait;
use desk_domain::{Bot, ChatRef};
use uuid::Uuid;

use crate::error::Result;

#[derive(Debug, Clone)]
pub struct LinkCodeInsert {
    pub code_hash: [u8; 32],
    pub bot: Bot,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub created_ms: i64,
    pub expires_ms: i64,
}

/// Whom a redeemed code was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkCodeOwner {
    pub user_id: Uuid,
    pub organization_id: Uuid,
}

/// A chat linked (or linked again) to an organisation.
#[derive(Debug, Clone)]
pub struct LinkWrite {
    /// The id a new row gets; an existing row for the same bot and chat keeps its own.
    pub id: Uuid,
    pub bot: Bot,
    pub chat: ChatRef,
    pub organization_id: Uuid,
    pub linked_by: Uuid,
    pub at_ms: i64,
}

/// A message for a chat, queued in the transaction that decided to send it.
#[derive(Debug, Clone)]
pub struct OutgoingInsert {
    pub bot: Bot,
    pub chat_id: i64,
    /// The Bot API method and its parameters, e.g. `{"method": "sendMessage", "text": …}`.
    pub request: serde_json::Value,
    /// The ticket it is about: a reply to the sent message lands there.
    pub ticket_id: Option<Uuid>,
    pub at_ms: i64,
}

/// A queued message waiting to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub id: i64,
    pub bot: Bot,
    pub chat_id: i64,
    pub request: serde_json::Value,
    pub ticket_id: Option<Uuid>,
    pub attempts: i64,
    pub created_at_ms: i64,
}

#[async_trait]
pub trait TelegramRows {
    async fn insert_link_code(&mut self, c: &LinkCodeInsert) -> Result<()>;
    /// Marks the code for `bot` used if it is unused and has not expired at `now_ms`; whom it
    /// was made for, or `None`.
    async fn use_link_code(
        &mut self,
        code_hash: [u8; 32],
        bot: Bot,
        now_ms: i64,
    ) -> Result<Option<LinkCodeOwner>>;
    /// Removes codes that expired before `before_ms` (used or not).
    async fn forget_link_codes(&mut self, before_ms: i64) -> Result<()>;
    /// Links the chat: a new row, or the existing one for the same bot and chat pointed at the
    /// organisation and made active. Answers the row's id.
    async fn put_link(&mut self, l: &LinkWrite) -> Result<Uuid>;
    async fn link_in_tx(&mut self, id: Uuid) -> Result<Option<desk_domain::TelegramLink>>;
    async fn link_for_chat_in_tx(
        &mut self,
        bot: Bot,
        chat_id: i64,
    ) -> Result<Option<desk_domain::TelegramLink>>;
    /// The ticket a message the bot sent to the chat was about.
    async fn ticket_of_sent_in_tx(
        &mut self,
        bot: Bot,
        chat_id: i64,
        message_id: i64,
    ) -> Result<Option<Uuid>>;
    async fn set_link_active(&mut self, id: Uuid, active: bool, now_ms: i64) -> Result<()>;

    // --- updates in, messages out
    /// Moves `bot`'s offset past `update_id`; `false` when it already was (handled before).
    async fn claim_update(&mut self, bot: Bot, update_id: i64) -> Result<bool>;
    async fn queue_outgoing(&mut self, m: &OutgoingInsert) -> Result<i64>;
    async fn mark_outgoing_sent(&mut self, id: i64, message_id: i64, now_ms: i64) -> Result<()>;
    /// Counts a failed attempt and holds the message until `not_before_ms`.
    async fn postpone_outgoing(&mut self, id: i64, not_before_ms: i64) -> Result<()>;
    /// Moves cursor `name` from `from` to `to`; `false` (and nothing moved) when it was not at
    /// `from` (someone else read that stretch of the change log first). A cursor never set
    /// counts as being at `from`.
    async fn move_cursor(&mut self, name: &str, from: i64, to: i64) -> Result<bool>;
    /// Gives up one queued message for good (Telegram rejects it as it stands), saying why.
    async fn drop_outgoing(&mut self, id: i64, reason: &str) -> Result<()>;
    /// Gives up every unsent message to the chat, saying why.
    async fn drop_outgoing_to(&mut self, bot: Bot, chat_id: i64, reason: &str) -> Result<()>;
}
