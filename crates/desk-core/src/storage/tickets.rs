//! Rows of tickets, messages, attachments, the status history and the waiting clock.

use async_trait::async_trait;
use desk_domain::{Attachment, Channel, Message, Role, Ticket, TicketStatus};
use uuid::Uuid;

use crate::error::Result;

/// What filing a ticket needs to know, read in one round trip (under load the writer is the
/// bottleneck: every statement saved shortens each batch before its fsync).
#[derive(Debug, Clone, Default)]
pub struct CreateFacts {
    /// The requester of a ticket that already has this id (an idempotent repeat, or a clash).
    pub existing_requester: Option<Uuid>,
    /// `(urgent, active)` of the topic, if it exists.
    pub topic: Option<(bool, bool)>,
    pub organization_name: Option<String>,
    /// The next human number: one past the highest, so numbers stay gap-free.
    pub next_number: i64,
    pub my_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TicketInsert {
    pub id: Uuid,
    pub number: i64,
    pub subject: String,
    pub subject_fold: String,
    pub topic_id: String,
    pub urgent: bool,
    pub status: TicketStatus,
    pub organization_id: Uuid,
    pub requester_id: Uuid,
    pub created_at_ms: i64,
    /// Messages it starts with (its first message, inserted beside it).
    pub message_count: i64,
}

#[derive(Debug, Clone)]
pub struct MessageInsert {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub internal: bool,
    pub channel: Channel,
    pub created_at_ms: i64,
}

/// The ticket fields the write rules look at.
#[derive(Debug, Clone)]
pub struct TicketState {
    pub organization_id: Uuid,
    pub status: TicketStatus,
    pub assignee_id: Option<Uuid>,
    pub resolved_at_ms: Option<i64>,
    pub urgent: bool,
    /// The waiting clock: working time banked up to `wait_since_ms`, and whether it runs.
    pub wait_ms: i64,
    pub wait_since_ms: i64,
    pub wait_running: bool,
}

/// A ticket's status and assignee as a write leaves them.
#[derive(Debug, Clone)]
pub struct TicketWrite {
    pub id: Uuid,
    pub status: TicketStatus,
    pub assignee_id: Option<Uuid>,
    pub resolved_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    /// A public message was added at `updated_at_ms`: bump `last_message_at` and the count.
    pub message_added: bool,
}

#[derive(Debug, Clone)]
pub struct AttachmentInsert {
    pub attachment: Attachment,
    pub uploader_id: Uuid,
    pub created_at_ms: i64,
}

/// An attachment with what deciding who may fetch it needs.
#[derive(Debug, Clone)]
pub struct AttachmentAccess {
    pub attachment: Attachment,
    pub uploader_id: Uuid,
    /// The organisation of the ticket its message belongs to; `None` while it is attached to
    /// nothing yet.
    pub organization_id: Option<Uuid>,
    pub internal: bool,
}

/// A ticket list query. Each `statuses` entry is walked on its own index branch, newest first.
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub organization_id: Option<Uuid>,
    /// Empty: any status.
    pub statuses: Vec<TicketStatus>,
    pub topic_id: Option<String>,
    pub assignee_id: Option<Uuid>,
    /// A `LIKE` pattern over the folded subject (already escaped with `\`).
    pub subject_like: Option<String>,
    /// Also match this ticket number.
    pub number: Option<i64>,
    /// Only numbers below this one.
    pub before: Option<i64>,
    /// How many rows to fetch.
    pub fetch: i64,
}

#[async_trait]
pub trait TicketRows {
    async fn create_facts(
        &mut self,
        ticket_id: Uuid,
        topic_id: &str,
        organization_id: Uuid,
        me: Uuid,
    ) -> Result<CreateFacts>;
    async fn insert_ticket(&mut self, t: &TicketInsert) -> Result<()>;
    async fn insert_message(&mut self, m: &MessageInsert) -> Result<()>;
    /// Gives attachment `id` to `message_id` if `uploader` uploaded it and nothing has it yet.
    async fn claim_attachment(
        &mut self,
        id: Uuid,
        message_id: Uuid,
        uploader: Uuid,
    ) -> Result<bool>;
    async fn insert_attachment(&mut self, a: &AttachmentInsert) -> Result<()>;
    /// The ticket as stored (every field, the waiting clock too).
    async fn ticket_in_tx(&mut self, id: Uuid) -> Result<Option<Ticket>>;
    async fn ticket_state(&mut self, id: Uuid) -> Result<Option<TicketState>>;
    async fn write_ticket(&mut self, w: &TicketWrite) -> Result<()>;
    /// Marks the ticket urgent and linked to `incident_id`.
    async fn link_to_incident(&mut self, ticket_id: Uuid, incident_id: Uuid) -> Result<()>;
    async fn set_wait_clock(
        &mut self,
        id: Uuid,
        wait_ms: i64,
        since_ms: i64,
        running: bool,
    ) -> Result<()>;
    async fn record_status(
        &mut self,
        ticket_id: Uuid,
        status: TicketStatus,
        at_ms: i64,
    ) -> Result<()>;
    /// The ticket and author of message `id`, if it exists.
    async fn message_origin(&mut self, id: Uuid) -> Result<Option<(Uuid, Uuid)>>;
    async fn message_in_tx(&mut self, id: Uuid) -> Result<Option<Message>>;
    /// The first public message's text.
    async fn first_public_body(&mut self, ticket_id: Uuid) -> Result<Option<String>>;
    async fn user_role(&mut self, id: Uuid) -> Result<Option<Role>>;
    async fn user_locale(&mut self, id: Uuid) -> Result<Option<String>>;
}
