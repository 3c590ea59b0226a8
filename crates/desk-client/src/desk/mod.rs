//! [`Desk`]: the one handle the shell holds for a signed-in account, with an async method for
//! everything the app does. Reads come from the cache; writes go to the outbox (shown at once)
//! and wake the sync engine. The methods are split by concern: opening and closing the account
//! (`session`), reads, drafts, writes, the business calendar, outages (reports and reads in
//! `incidents`, the agents' actions in `incident_actions`) and Telegram (`telegram`; the
//! requests of chats not linked in `telegram_requests`).

mod calendar;
mod drafts;
mod incident_actions;
mod incidents;
mod reads;
mod session;
mod telegram;
mod telegram_requests;
mod writes;

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cache::{CachedMessage, CachedTicket};
use crate::local::OutboxState;
use crate::sync::Inner;

pub use incidents::{AnnounceInput, IncidentView, KnownOutage, PageItem};
pub use telegram::{LinkedChats, is_bot_link};
pub use telegram_requests::TelegramRequests;

/// A signed-in account: the handle the shell keeps.
#[derive(Clone)]
pub struct Desk {
    pub(crate) inner: Arc<Inner>,
}

/// The app's data on disk and what waits to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StorageInfo {
    pub data_dir: String,
    /// Everything of this account on disk (cache, outbox, copies of files, downloads).
    pub total_bytes: u64,
    /// Copies of files attached to drafts and unsent writes.
    pub unsent_file_bytes: u64,
    pub pending: i64,
    pub failed: i64,
}

/// An organisation as the cache knows it (agents' filters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OrgRef {
    pub id: Uuid,
    pub name: String,
}

/// A write of this ticket waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SendState {
    pub outbox_seq: i64,
    pub state: OutboxState,
    pub error: Option<String>,
}

/// A ticket for lists: cached state plus whatever of it is still being sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TicketItem {
    #[serde(flatten)]
    pub cached: CachedTicket,
    pub sending: Option<SendState>,
    /// Agents only: how long the ticket has waited for support, in working time, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub waited_ms: Option<i64>,
}

/// A ticket with its conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TicketView {
    pub item: TicketItem,
    pub messages: Vec<MessageItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MessageItem {
    #[serde(flatten)]
    pub cached: CachedMessage,
    pub sending: Option<SendState>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct NewTicketInput {
    pub topic_id: String,
    pub subject: String,
    pub body: String,
    /// Files to attach; copied into the app's data dir at once.
    #[serde(default)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReplyInput {
    pub body: String,
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub files: Vec<PathBuf>,
}

/// The text fields of a draft as typed (files are added one by one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DraftInput {
    pub topic_id: Option<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub internal: bool,
}
