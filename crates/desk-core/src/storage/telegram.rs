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

// --- the support bot's conversation (services/telegram_support.rs)

/// A Telegram message that became part of a ticket.
#[derive(Debug, Clone)]
pub struct ReceivedInsert {
    pub bot: Bot,
    pub chat_id: i64,
    pub telegram_message_id: i64,
    pub media_group_id: Option<String>,
    pub ticket_id: Uuid,
    pub at_ms: i64,
}

/// A message held until the chat picks its ticket.
#[derive(Debug, Clone)]
pub struct HeldInsert {
    pub bot: Bot,
    pub chat_id: i64,
    pub telegram_message_id: i64,
    pub media_group_id: Option<String>,
    pub body: String,
    pub attachment_ids: Vec<Uuid>,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub id: i64,
    pub telegram_message_id: i64,
    pub media_group_id: Option<String>,
    pub body: String,
    pub attachment_ids: Vec<Uuid>,
}

/// A `/new` begun: the topics its keyboard offers, and the text and files if they came first.
#[derive(Debug, Clone)]
pub struct DraftInsert {
    pub bot: Bot,
    pub chat_id: i64,
    pub topics: Vec<String>,
    pub telegram_message_id: Option<i64>,
    pub body: Option<String>,
    pub attachment_ids: Vec<Uuid>,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: i64,
    pub topics: Vec<String>,
    pub topic_id: Option<String>,
    pub telegram_message_id: Option<i64>,
    pub body: Option<String>,
    pub attachment_ids: Vec<Uuid>,
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

    // --- the support bot's conversation (services/telegram_support.rs)
    async fn record_received(&mut self, r: &ReceivedInsert) -> Result<()>;
    /// The ticket a Telegram message of the chat became part of.
    async fn ticket_of_received(
        &mut self,
        bot: Bot,
        chat_id: i64,
        telegram_message_id: i64,
    ) -> Result<Option<Uuid>>;
    /// The ticket an earlier part of album `media_group_id` became part of.
    async fn ticket_of_album(
        &mut self,
        bot: Bot,
        chat_id: i64,
        media_group_id: &str,
    ) -> Result<Option<Uuid>>;
    async fn hold_message(&mut self, h: &HeldInsert) -> Result<i64>;
    /// The unused held message of the chat from album `media_group_id`.
    async fn held_album(
        &mut self,
        bot: Bot,
        chat_id: i64,
        media_group_id: &str,
    ) -> Result<Option<Held>>;
    /// Replaces an unused held message's text and files (a later part of its album came).
    async fn extend_held(&mut self, id: i64, body: &str, attachment_ids: &[Uuid]) -> Result<()>;
    /// Marks held message `id` of the chat used and answers it; `None` if it was used already
    /// (or is not the chat's).
    async fn take_held(
        &mut self,
        id: i64,
        bot: Bot,
        chat_id: i64,
        now_ms: i64,
    ) -> Result<Option<Held>>;
    /// Makes a taken held message waiting again (the ticket picked refused it).
    async fn release_held(&mut self, id: i64) -> Result<()>;
    /// Begins the chat's `/new`, replacing any earlier one; answers its new id.
    async fn put_draft(&mut self, d: &DraftInsert) -> Result<i64>;
    async fn draft(&mut self, bot: Bot, chat_id: i64) -> Result<Option<Draft>>;
    async fn choose_draft_topic(&mut self, id: i64, topic_id: &str) -> Result<()>;
    /// The text and files of a draft whose topic is not chosen yet.
    async fn fill_draft(
        &mut self,
        id: i64,
        telegram_message_id: i64,
        body: &str,
        attachment_ids: &[Uuid],
    ) -> Result<()>;
    async fn drop_draft(&mut self, id: i64) -> Result<()>;
}
