//! The store: everything the server keeps. One trait, so a PostgreSQL implementation can stand
//! beside SQLite; handlers and services only see this trait and the domain types. Ticket rules
//! (status changes, validation) come from [`crate::rules`] and run inside each store's write
//! transaction, so every implementation applies them atomically.

mod sqlite;

use std::path::PathBuf;

use async_trait::async_trait;
use desk_domain::{
    ChangesPage, DutyAgent, Incident, IncidentStatus, Message, Organization, OutageKind,
    OutageReport, Role, Ticket, TicketFilter, TicketPage, Topic, TopicDef, UpdateIncident,
    UpdateTicket, User,
};
use tokio::sync::broadcast;
use uuid::Uuid;

pub use sqlite::SqliteStore;

use crate::error::ApiError;
use crate::rules::Viewer;

pub type StoreResult<T> = Result<T, ApiError>;

/// A committed change, as the event stream needs it to decide whom to poke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeNote {
    pub seq: i64,
    /// `None`: visible to every organisation (topics).
    pub organization_id: Option<Uuid>,
    pub staff_only: bool,
}

impl ChangeNote {
    pub fn visible_to(&self, v: &Viewer) -> bool {
        if v.is_staff() {
            return true;
        }
        !self.staff_only
            && (self.organization_id.is_none() || self.organization_id == v.organization_id)
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub password_hash: Option<String>,
    pub locale: String,
}

/// A user with what sign-in needs.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewTicket {
    pub id: Uuid,
    pub topic_id: String,
    pub subject: String,
    pub body: String,
    pub attachment_ids: Vec<Uuid>,
    pub organization_id: Uuid,
    pub channel: desk_domain::Channel,
    /// Set by the demo seeder to back-date sample data; `None` means now.
    pub created_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub body: String,
    pub internal: bool,
    pub attachment_ids: Vec<Uuid>,
    pub channel: desk_domain::Channel,
    pub created_at_ms: Option<i64>,
}

/// An attachment file already written to `blob_path`, to be recorded.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub id: Uuid,
    pub filename: String,
    pub size: u64,
    pub media_type: String,
    pub sha256: String,
}

/// An attachment's metadata with where its bytes are.
#[derive(Debug, Clone)]
pub struct AttachmentRecord {
    pub attachment: desk_domain::Attachment,
    pub path: PathBuf,
}

/// An outage report: an urgent ticket that opens or joins an incident.
#[derive(Debug, Clone)]
pub struct NewOutage {
    /// The report ticket's id.
    pub id: Uuid,
    pub kind: OutageKind,
    pub description: String,
    pub attachment_ids: Vec<Uuid>,
    pub organization_id: Uuid,
    pub channel: desk_domain::Channel,
    /// Back-dates the report (demo data); `None` means now.
    pub created_at_ms: Option<i64>,
    /// Page the agents when the report opens an incident (the demo's past reports do not).
    pub page: bool,
}

/// An incident an agent announces before (or without) any report.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub id: Uuid,
    pub kind: OutageKind,
    /// Empty: the kind's default title.
    pub title: String,
    pub body: String,
    pub all_organizations: bool,
    pub organization_ids: Vec<Uuid>,
    pub created_at_ms: Option<i64>,
}

/// What one re-paging pass did, and when the next page falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepageOutcome {
    pub paged: usize,
    /// Milliseconds since the epoch; `None` when no open incident waits for acknowledgement.
    pub next_due_ms: Option<i64>,
}

/// Whether a create made something new or found the same id already there (an idempotent
/// repeat answers the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    Existing,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // --- organisations and users
    async fn create_organization(&self, name: &str, timezone: &str) -> StoreResult<Organization>;
    async fn organization_by_name(&self, name: &str) -> StoreResult<Option<Organization>>;
    async fn organization(&self, id: Uuid) -> StoreResult<Option<Organization>>;
    async fn list_organizations(&self) -> StoreResult<Vec<Organization>>;
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<Credentials>>;
    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> StoreResult<()>;

    // --- sessions and invitations (only hashes of tokens and codes are kept)
    async fn create_session(
        &self,
        token_hash: [u8; 32],
        user_id: Uuid,
        ttl_days: i64,
    ) -> StoreResult<()>;
    async fn session_user(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>>;
    async fn revoke_session(&self, token_hash: [u8; 32]) -> StoreResult<()>;
    async fn create_invitation(
        &self,
        code_hash: [u8; 32],
        user_id: Uuid,
        ttl_days: i64,
    ) -> StoreResult<()>;
    /// Marks the invitation used and sets the password, in one step; `None` if the code is
    /// unknown, used or expired.
    async fn accept_invitation(
        &self,
        code_hash: [u8; 32],
        password_hash: &str,
    ) -> StoreResult<Option<User>>;

    // --- topics
    /// Makes the topic list exactly `defs` (in that order, `other` last): new ones added, known
    /// ones updated, missing ones retired. Returns how many topics changed.
    async fn import_topics(&self, defs: &[TopicDef]) -> StoreResult<usize>;
    async fn list_topics(&self, include_retired: bool) -> StoreResult<Vec<Topic>>;

    // --- tickets and messages
    async fn create_ticket(&self, v: &Viewer, t: NewTicket) -> StoreResult<(Ticket, Created)>;
    async fn ticket(&self, v: &Viewer, id: Uuid) -> StoreResult<Option<Ticket>>;
    async fn list_tickets(&self, v: &Viewer, f: &TicketFilter) -> StoreResult<TicketPage>;
    /// `at_ms` back-dates the change (demo data); `None` means now.
    async fn update_ticket(
        &self,
        v: &Viewer,
        id: Uuid,
        u: &UpdateTicket,
        at_ms: Option<i64>,
    ) -> StoreResult<Ticket>;
    async fn add_message(&self, v: &Viewer, m: NewMessage) -> StoreResult<(Message, Created)>;
    async fn messages(&self, v: &Viewer, ticket_id: Uuid) -> StoreResult<Option<Vec<Message>>>;

    // --- attachments
    async fn insert_attachment(&self, v: &Viewer, a: NewAttachment) -> StoreResult<()>;
    async fn attachment(&self, v: &Viewer, id: Uuid) -> StoreResult<Option<AttachmentRecord>>;
    /// Where the bytes of attachment `id` live (or are to be written).
    fn blob_path(&self, id: Uuid) -> PathBuf;
    /// A fresh path for an upload in progress, on the same file system as the blobs.
    fn upload_path(&self) -> PathBuf;

    // --- outages, incidents, pages and the duty roster
    /// Files the report and links it to an incident (joining the open one of its kind that
    /// affects the organisation, reopening one resolved within the hour, or opening a new one
    /// that pages the on-duty agents). Idempotent by the report's id.
    async fn report_outage(&self, v: &Viewer, r: NewOutage)
    -> StoreResult<(OutageReport, Created)>;
    /// Incidents `v` may see, newest first; `status` `None` means all.
    async fn list_incidents(
        &self,
        v: &Viewer,
        status: Option<IncidentStatus>,
    ) -> StoreResult<Vec<Incident>>;
    async fn incident(&self, v: &Viewer, id: Uuid) -> StoreResult<Option<Incident>>;
    async fn create_incident(&self, v: &Viewer, c: NewIncident)
    -> StoreResult<(Incident, Created)>;
    async fn acknowledge_incident(
        &self,
        v: &Viewer,
        id: Uuid,
        at_ms: Option<i64>,
    ) -> StoreResult<Incident>;
    /// An update to everyone affected, or (`resolve`) the resolution, which also resolves every
    /// linked open ticket with `body` as the agent's message. Idempotent by `event_id`.
    async fn post_incident_update(
        &self,
        v: &Viewer,
        id: Uuid,
        event_id: Uuid,
        body: String,
        resolve: bool,
        at_ms: Option<i64>,
    ) -> StoreResult<Incident>;
    async fn update_incident(
        &self,
        v: &Viewer,
        id: Uuid,
        u: UpdateIncident,
    ) -> StoreResult<Incident>;
    /// Moves `from`'s reports into `into`, joins the scopes, marks `from` merged.
    async fn merge_incidents(&self, v: &Viewer, into: Uuid, from: Uuid) -> StoreResult<Incident>;
    /// Pages every agent again for each open, unacknowledged incident last paged at least
    /// `repage_ms` ago.
    async fn repage_due(&self, repage_ms: i64) -> StoreResult<RepageOutcome>;
    async fn duty_roster(&self) -> StoreResult<Vec<DutyAgent>>;
    async fn set_duty(&self, v: &Viewer, on_duty: bool) -> StoreResult<DutyAgent>;

    // --- delta sync and push
    async fn changes(&self, v: &Viewer, after: i64, limit: u32) -> StoreResult<ChangesPage>;
    async fn latest_seq(&self, v: &Viewer) -> StoreResult<i64>;
    fn subscribe(&self) -> broadcast::Receiver<ChangeNote>;

    /// The clock every write and read of this store takes "now" from.
    fn clock(&self) -> &crate::clock::Clock;

    /// The business calendar its writes follow (after-hours notices, waiting clocks); the
    /// server puts the configured one in force at start.
    fn calendar(&self) -> &crate::calendar::CalendarHandle;

    /// Finishes queued writes and closes the database.
    async fn close(&self);
}
