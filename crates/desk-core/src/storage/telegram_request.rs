//! Rows of requests from chats not linked (services/telegram_request.rs decides what they
//! come to).

use async_trait::async_trait;
use desk_domain::{Bot, ChatRef, OutageKind, TelegramRequestStatus};
use uuid::Uuid;

use crate::error::Result;

/// A new request from a chat.
#[derive(Debug, Clone)]
pub struct RequestInsert {
    pub id: Uuid,
    pub bot: Bot,
    pub chat: ChatRef,
    pub author: String,
    pub english: bool,
    pub body: String,
    pub kind: Option<OutageKind>,
    pub report: bool,
    pub suggested: Option<Uuid>,
    pub all_agents: bool,
    pub recipients: Vec<Uuid>,
    pub at_ms: i64,
}

/// A request as a decision about it needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestState {
    pub id: Uuid,
    pub bot: Bot,
    pub chat: ChatRef,
    pub author: String,
    pub english: bool,
    pub body: String,
    pub kind: Option<OutageKind>,
    pub report: bool,
    pub suggested: Option<Uuid>,
    pub status: TelegramRequestStatus,
    pub created_at_ms: i64,
}

/// A request decided.
#[derive(Debug, Clone)]
pub struct RequestDecision {
    pub id: Uuid,
    pub status: TelegramRequestStatus,
    pub decided_by: Uuid,
    pub at_ms: i64,
    pub attached_to: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestQuery {
    /// Only those suggesting this organisation.
    pub suggested: Option<Uuid>,
    pub pending_only: bool,
    pub limit: i64,
}

#[async_trait]
pub trait TelegramRequestRows {
    /// The request waiting from this chat through `bot`, if one does.
    async fn waiting_request(&mut self, bot: Bot, chat_id: i64) -> Result<Option<RequestState>>;
    async fn request_state(&mut self, id: Uuid) -> Result<Option<RequestState>>;
    async fn insert_request(&mut self, r: &RequestInsert) -> Result<()>;
    /// A waiting request's text, kind and suggestion after another message.
    async fn update_request(
        &mut self,
        id: Uuid,
        body: &str,
        kind: Option<OutageKind>,
        suggested: Option<Uuid>,
        at_ms: i64,
    ) -> Result<()>;
    async fn decide_request(&mut self, d: &RequestDecision) -> Result<()>;
    /// Waiting reports last paged at or before `before_ms`, with their round, oldest first.
    async fn due_request_pages(&mut self, before_ms: i64) -> Result<Vec<(Uuid, i64)>>;
    /// Records page `round` of report `id` at `at_ms`.
    async fn repage_request(&mut self, id: Uuid, round: i64, at_ms: i64) -> Result<()>;
    /// The oldest last page of a waiting report (ms since the epoch).
    async fn oldest_request_page_in_tx(&mut self) -> Result<Option<i64>>;
    /// The organisation's oldest customer account: whom a chat an agent linked writes as.
    async fn first_customer(&mut self, organization_id: Uuid) -> Result<Option<Uuid>>;
}
