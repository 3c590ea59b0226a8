//! Rows of incidents, their scope, timeline and pages, and the duty roster. A store answers an
//! incident whole ([`IncidentRecord`]); what each viewer may see of it is decided in
//! [`crate::visibility`].

use async_trait::async_trait;
use desk_domain::{DutyAgent, IncidentEventKind, IncidentStatus, OutageKind, PersonRef};
use uuid::Uuid;

use crate::error::Result;

/// An incident's own row.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    pub id: Uuid,
    pub kind: OutageKind,
    pub title: String,
    pub status: IncidentStatus,
    pub all_organizations: bool,
    /// Was ever announced to every organisation (its change-log row for all stays).
    pub ever_all: bool,
    pub started_at_ms: i64,
    pub acknowledged_at_ms: Option<i64>,
    pub acknowledged_by: Option<Uuid>,
    pub resolved_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    pub merged_into: Option<Uuid>,
    pub created_by: Uuid,
    pub last_paged_at_ms: Option<i64>,
    pub page_round: i64,
}

/// An organisation an incident concerns; `in_scope` false once an agent took it out (it keeps
/// its row so its people still pull the change).
#[derive(Debug, Clone)]
pub struct ScopeEntry {
    pub organization_id: Uuid,
    pub name: String,
    pub in_scope: bool,
}

/// A ticket linked to an incident (a report).
#[derive(Debug, Clone)]
pub struct LinkedTicket {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub status: desk_domain::TicketStatus,
    pub assignee_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub id: Uuid,
    pub kind: IncidentEventKind,
    pub body: String,
    pub author: PersonRef,
    /// Set on events only that organisation may see (who reported, a reopen).
    pub organization_id: Option<Uuid>,
    pub at_ms: i64,
}

/// An incident as stored, whole: scope by organisation name, linked reports by number,
/// timeline oldest first.
#[derive(Debug, Clone)]
pub struct IncidentRecord {
    pub row: IncidentRow,
    pub acknowledged_by: Option<PersonRef>,
    pub scope: Vec<ScopeEntry>,
    pub tickets: Vec<LinkedTicket>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone)]
pub struct EventInsert {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub kind: IncidentEventKind,
    pub body: String,
    pub author_id: Uuid,
    pub organization_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    /// A report that joined an incident already open.
    pub joined: bool,
    pub at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct PageInsert {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub ticket_id: Uuid,
    pub round: i64,
    pub all_agents: bool,
    pub recipients: Vec<Uuid>,
    pub summary: String,
    pub at_ms: i64,
}

/// Which incident of a kind, affecting an organisation, to look for.
#[derive(Debug, Clone, Copy)]
pub enum IncidentLookup {
    /// The oldest open one.
    Open,
    /// The most recently resolved one, resolved at or after this time.
    ResolvedSince(i64),
}

#[async_trait]
pub trait IncidentRows {
    async fn incident_row(&mut self, id: Uuid) -> Result<Option<IncidentRow>>;
    async fn incident_in_tx(&mut self, id: Uuid) -> Result<Option<IncidentRecord>>;
    async fn insert_incident(&mut self, row: &IncidentRow) -> Result<()>;
    async fn write_incident(&mut self, row: &IncidentRow) -> Result<()>;
    /// An incident of `kind` that affects `organization_id` (announced to all, or the
    /// organisation in its scope).
    async fn find_incident(
        &mut self,
        kind: OutageKind,
        organization_id: Uuid,
        which: IncidentLookup,
    ) -> Result<Option<Uuid>>;
    /// Every organisation the incident ever concerned, with `in_scope`.
    async fn scope(&mut self, incident_id: Uuid) -> Result<Vec<(Uuid, bool)>>;
    /// Puts `organization_id` in scope (adding its row if needed).
    async fn add_to_scope(&mut self, incident_id: Uuid, organization_id: Uuid) -> Result<()>;
    /// Takes every organisation out of scope (their rows stay).
    async fn clear_scope(&mut self, incident_id: Uuid) -> Result<()>;
    async fn organization_exists(&mut self, id: Uuid) -> Result<bool>;
    async fn insert_event(&mut self, e: &EventInsert) -> Result<()>;
    /// The incident and kind of event `id`, if it exists.
    async fn event_origin(&mut self, id: Uuid) -> Result<Option<(Uuid, IncidentEventKind)>>;
    /// The requester and incident of report ticket `id`, and whether the report joined an
    /// incident already open.
    async fn report_origin(&mut self, id: Uuid) -> Result<Option<(Uuid, Option<Uuid>, bool)>>;
    /// Tickets linked to the incident, by number.
    async fn linked_tickets(&mut self, incident_id: Uuid) -> Result<Vec<LinkedTicket>>;
    /// Moves `from`'s reports (tickets and their `reported` events) to `into`.
    async fn move_reports(&mut self, from: Uuid, into: Uuid) -> Result<()>;
    /// Agents who set themselves on duty, by name.
    async fn on_duty_agents(&mut self) -> Result<Vec<Uuid>>;
    async fn insert_page(&mut self, p: &PageInsert) -> Result<()>;
    /// The report the incident's latest page was about.
    async fn last_paged_ticket(&mut self, incident_id: Uuid) -> Result<Option<Uuid>>;
    /// Open, unacknowledged incidents last paged at or before `before_ms`: id and round.
    async fn due_for_page(&mut self, before_ms: i64) -> Result<Vec<(Uuid, i64)>>;
    async fn oldest_unanswered_page_in_tx(&mut self) -> Result<Option<i64>>;
    /// Sets the agent's duty state; `since` moves only when it changes.
    async fn set_duty(&mut self, agent_id: Uuid, on_duty: bool, now_ms: i64) -> Result<()>;
    async fn duty_of(&mut self, agent_id: Uuid) -> Result<Option<DutyAgent>>;
}
