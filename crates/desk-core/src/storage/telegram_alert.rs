//! Rows of the alert bot: a dispatcher's message waiting to become an outage report, and the
//! incident news already told to the alert chats.

use async_trait::async_trait;
use desk_domain::OutageKind;
use uuid::Uuid;

use crate::error::Result;

/// A message to the alert bot not filed as a report yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDraft {
    pub id: i64,
    pub chat_id: i64,
    /// `None` until the dispatcher says (or the wait runs out).
    pub kind: Option<OutageKind>,
    pub body: String,
    pub author: String,
    /// Files already stored from its messages, in the order they came.
    pub attachment_ids: Vec<Uuid>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The report it became.
    pub ticket_id: Option<Uuid>,
}

#[async_trait]
pub trait TelegramAlertRows {
    /// The chat's newest draft still waiting, if any.
    async fn waiting_alert_draft(&mut self, chat_id: i64) -> Result<Option<AlertDraft>>;
    async fn alert_draft(&mut self, id: i64) -> Result<Option<AlertDraft>>;
    /// A new waiting draft; answers its id.
    async fn insert_alert_draft(
        &mut self,
        chat_id: i64,
        kind: Option<OutageKind>,
        body: &str,
        attachment_ids: &[Uuid],
        author: &str,
        now_ms: i64,
    ) -> Result<i64>;
    /// Replaces a waiting draft's text, files and kind.
    async fn update_alert_draft(
        &mut self,
        id: i64,
        kind: Option<OutageKind>,
        body: &str,
        attachment_ids: &[Uuid],
        now_ms: i64,
    ) -> Result<()>;
    /// Marks the draft filed as report `ticket_id`.
    async fn file_alert_draft(&mut self, id: i64, ticket_id: Uuid) -> Result<()>;
    /// Waiting drafts last touched before `before_ms`, oldest first.
    async fn stale_alert_drafts(&mut self, before_ms: i64, limit: i64) -> Result<Vec<AlertDraft>>;
    /// Records that incident event `event_id` was announced; `false` when it already was.
    async fn mark_announced(&mut self, event_id: Uuid, now_ms: i64) -> Result<bool>;
}
