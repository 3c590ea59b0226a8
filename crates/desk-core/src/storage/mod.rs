//! The narrow storage interface the services run on: rows, queries and one write transaction.
//! A store (SQLite today, PostgreSQL next) implements it with SQL and row mapping only; every
//! decision — who may see what, what a reply does to a ticket, which incident a report joins —
//! is made by the services above it, so a second store is a second set of queries, not a second
//! copy of the rules.
//!
//! Writes run as jobs: [`Storage::write`] hands the job a [`Tx`] inside one transaction and
//! answers once it is durable. The SQLite store folds concurrent jobs into one transaction
//! (group commit, one fsync per batch); the jobs are the services' own code.

mod accounts;
mod incidents;
mod telegram;
mod telegram_alert;
mod telegram_request;
mod tickets;

use std::any::Any;

use async_trait::async_trait;
use desk_domain::{
    Bot, DutyAgent, Message, Organization, Page, TelegramLink, TelegramRequest, Ticket, Topic, User,
};
use futures::future::BoxFuture;
use tokio::sync::broadcast;
use uuid::Uuid;

pub use accounts::{AccountRows, Credentials, UserInsert};
pub use incidents::{
    EventInsert, IncidentLookup, IncidentRecord, IncidentRow, IncidentRows, LinkedTicket,
    PageInsert, ScopeEntry, TimelineEntry,
};
pub use telegram::{
    Draft, DraftInsert, Held, HeldInsert, LinkCodeInsert, LinkCodeOwner, LinkWrite, Outgoing,
    OutgoingInsert, ReceivedInsert, TelegramRows,
};
pub use telegram_alert::{AlertDraft, TelegramAlertRows};
pub use telegram_request::{
    RequestDecision, RequestInsert, RequestQuery, RequestState, TelegramRequestRows,
};
pub use tickets::{
    AttachmentAccess, AttachmentInsert, CreateFacts, MessageInsert, TicketInsert, TicketQuery,
    TicketRows, TicketState, TicketWrite,
};

use crate::error::Result;

/// What a change-log row points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Entity {
    Topic(String),
    Ticket(Uuid),
    Message(Uuid),
    /// An incident as every organisation sees it (announced to all).
    Incident(Uuid),
    /// An incident's row for one organisation it concerns.
    IncidentFor(Uuid, Uuid),
    Page(Uuid),
    Duty(Uuid),
    /// A request from a chat not linked (staff only).
    TelegramRequest(Uuid),
}

/// Who may pull a change: its organisation (`None`: every organisation, e.g. topics) and
/// whether only staff may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    pub organization_id: Option<Uuid>,
    pub staff_only: bool,
}

impl Audience {
    pub const EVERYONE: Audience = Audience {
        organization_id: None,
        staff_only: false,
    };
    pub const STAFF: Audience = Audience {
        organization_id: None,
        staff_only: true,
    };

    pub fn organization(id: Uuid) -> Self {
        Self {
            organization_id: Some(id),
            staff_only: false,
        }
    }
}

/// A committed change, as the event stream needs it to decide whom to poke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeNote {
    pub seq: i64,
    pub audience: Audience,
}

/// Which rows of the change log a read walks: all of them (staff), or those of one
/// organisation plus the ones for everyone, never staff-only ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogScope {
    All,
    Organization(Uuid),
    /// A customer with no organisation: sees only what is for everyone.
    Public,
}

/// One row of the change log.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub seq: i64,
    pub entity: Entity,
}

/// One read snapshot of the change log after a cursor: its rows (at most `limit`), whether
/// more follow, the log's head, and the current state of every entity they point at.
#[derive(Debug, Default)]
pub struct ChangeSnapshot {
    pub rows: Vec<LogEntry>,
    pub has_more: bool,
    pub head: i64,
    pub topics: Vec<Topic>,
    pub tickets: Vec<Ticket>,
    pub messages: Vec<Message>,
    pub incidents: Vec<IncidentRecord>,
    pub pages: Vec<Page>,
    pub duty: Vec<DutyAgent>,
    pub telegram_requests: Vec<TelegramRequest>,
}

/// A write job's answer, type-erased so [`Storage`] stays object-safe (the store is chosen
/// at start-up); [`crate::Core`] puts the type back.
pub type JobOutput = Box<dyn Any + Send>;
/// A write job: the services' code, run inside the store's transaction.
pub type Job = Box<dyn for<'t> FnOnce(&'t mut dyn Tx) -> BoxFuture<'t, Result<JobOutput>> + Send>;

/// Everything a write job may do inside its transaction.
pub trait Tx:
    AccountRows
    + TicketRows
    + IncidentRows
    + TelegramRows
    + TelegramAlertRows
    + TelegramRequestRows
    + ChangeLog
    + Send
{
}
impl<
    T: AccountRows
        + TicketRows
        + IncidentRows
        + TelegramRows
        + TelegramAlertRows
        + TelegramRequestRows
        + ChangeLog
        + Send,
> Tx for T
{
}

/// The change log inside a write: each entity has one row, moved to the head with a new `seq`
/// whenever it changes.
#[async_trait]
pub trait ChangeLog {
    /// Moves `entities` to the head of the log for `audience`; the event stream is poked after
    /// the transaction commits.
    async fn record_changes(&mut self, entities: &[Entity], audience: Audience) -> Result<()>;
}

/// A store: reads on their own, writes as jobs in a transaction.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Runs `job` in a write transaction and answers once what it wrote is durable. A job that
    /// fails leaves nothing behind.
    async fn write(&self, job: Job) -> Result<JobOutput>;

    // --- organisations, users, sessions
    async fn organization(&self, id: Uuid) -> Result<Option<Organization>>;
    /// By name, folded the way [`crate::validate::fold`] folds it.
    async fn organization_by_name(&self, name_fold: &str) -> Result<Option<Organization>>;
    async fn organizations(&self) -> Result<Vec<Organization>>;
    async fn user_by_email(&self, email: &str) -> Result<Option<Credentials>>;
    /// The user of an unrevoked session that has not expired at `now_ms`.
    async fn session_user(&self, token_hash: [u8; 32], now_ms: i64) -> Result<Option<User>>;

    // --- topics, tickets, messages, attachments
    async fn topics(&self, include_retired: bool) -> Result<Vec<Topic>>;
    async fn ticket(&self, id: Uuid) -> Result<Option<Ticket>>;
    /// Up to `q.fetch` tickets matching `q`, newest (highest number) first.
    async fn tickets(&self, q: &TicketQuery) -> Result<Vec<Ticket>>;
    async fn ticket_organization(&self, id: Uuid) -> Result<Option<Uuid>>;
    /// A ticket's conversation, oldest first.
    async fn messages(&self, ticket_id: Uuid, include_internal: bool) -> Result<Vec<Message>>;
    async fn attachment(&self, id: Uuid) -> Result<Option<AttachmentAccess>>;

    // --- incidents, pages, duty
    /// Ids of up to `limit` incidents, newest first; `organization` `Some`: only those that
    /// ever concerned it (or were announced to all).
    async fn incident_ids(
        &self,
        organization: Option<Uuid>,
        status: Option<desk_domain::IncidentStatus>,
        limit: i64,
    ) -> Result<Vec<Uuid>>;
    async fn incidents(&self, ids: &[Uuid]) -> Result<Vec<IncidentRecord>>;
    async fn duty_roster(&self) -> Result<Vec<DutyAgent>>;
    /// The oldest last page of an open, unacknowledged incident (ms since the epoch).
    async fn oldest_unanswered_page(&self) -> Result<Option<i64>>;

    // --- Telegram
    /// Linked chats (inactive ones too), of one organisation or (`None`) all, newest first.
    async fn telegram_links(&self, organization: Option<Uuid>) -> Result<Vec<TelegramLink>>;
    async fn telegram_link(&self, id: Uuid) -> Result<Option<TelegramLink>>;
    async fn telegram_link_for_chat(&self, bot: Bot, chat_id: i64) -> Result<Option<TelegramLink>>;
    /// The next update id `bot`'s `getUpdates` asks for (0 before the first).
    async fn telegram_offset(&self, bot: Bot) -> Result<i64>;
    /// Whether `bot`'s update `update_id` was handled (claimed with its effect).
    async fn telegram_update_handled(&self, bot: Bot, update_id: i64) -> Result<bool>;
    /// Every update of `bot` below this id was handled, or Telegram no longer holds it.
    async fn telegram_handled_below(&self, bot: Bot) -> Result<i64>;
    /// For each of `bot`'s chats, its oldest unsent message if that may go at `now_ms` (so each chat's
    /// messages go in order), oldest first, at most `limit`.
    async fn due_outgoing(&self, bot: Bot, now_ms: i64, limit: i64) -> Result<Vec<Outgoing>>;
    /// Where cursor `name` stands (`None`: never set).
    async fn telegram_cursor(&self, name: &str) -> Result<Option<i64>>;
    /// Whether an alert-bot draft has waited for its kind since before `before_ms`.
    async fn alert_drafts_waiting_since(&self, before_ms: i64) -> Result<bool>;
    /// The ticket a message the bot sent to the chat was about.
    async fn ticket_of_sent(&self, bot: Bot, chat_id: i64, message_id: i64)
    -> Result<Option<Uuid>>;
    /// Requests from chats not linked, newest first.
    async fn telegram_requests(&self, q: RequestQuery) -> Result<Vec<TelegramRequest>>;
    async fn telegram_request(&self, id: Uuid) -> Result<Option<TelegramRequest>>;
    /// The oldest last page of a waiting unverified report (ms since the epoch).
    async fn oldest_request_page(&self) -> Result<Option<i64>>;

    // --- delta sync and push
    async fn change_snapshot(
        &self,
        after: i64,
        scope: LogScope,
        limit: u32,
    ) -> Result<ChangeSnapshot>;
    async fn latest_seq(&self, scope: LogScope) -> Result<i64>;
    fn subscribe(&self) -> broadcast::Receiver<ChangeNote>;

    /// Finishes queued writes and closes the database.
    async fn close(&self);
}
