//! Outages: customers report them at any hour, on-duty agents are paged, acknowledge, group
//! reports into incidents, post updates and resolve them. Everything here flows through the same
//! change log as tickets (`ChangeData::Incident`, `::Page`, `::Duty`).
//!
//! Endpoints (all under `/api/v1`):
//! - `POST /outages` ([`ReportOutage`] → [`OutageReport`]): customers (agents may name an
//!   organisation). Creates an urgent ticket linked to an incident: the open incident of the
//!   same kind that already affects the organisation if there is one (`already_known`), else a
//!   new one, which pages the on-duty agents. Idempotent by `id` (the ticket's id).
//! - `GET /incidents?status=open|resolved|all` → `Vec<Incident>`; `GET /incidents/{id}`.
//! - Agents only: `POST /incidents` ([`CreateIncident`]): announce one without a report;
//!   `POST /incidents/{id}/acknowledge`; `POST /incidents/{id}/updates` ([`PostIncidentUpdate`]);
//!   `POST /incidents/{id}/resolve` ([`PostIncidentUpdate`], the resolution text; every linked
//!   open ticket is resolved with it); `PATCH /incidents/{id}` ([`UpdateIncident`]: title,
//!   scope); `POST /incidents/{id}/merge` ([`MergeIncident`]: the other incident's reports move
//!   here, scopes join, the other becomes `merged`). Each answers the incident as it is now.
//! - `GET /duty` → `Vec<DutyAgent>` (agents only); `PUT /duty` ([`SetDuty`]) sets the caller's
//!   own roster state and answers their [`DutyAgent`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{PersonRef, Ticket};

/// What is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OutageKind {
    /// The dispatch program is unavailable (topic `program-unavailable`).
    Program,
    /// Calls do not work (topic `telephony-down`).
    Telephony,
    /// Drivers do not get orders (topic `driver-app-down`).
    DriverApp,
    /// Something else critical (topic `other`, filed as urgent).
    Other,
}

impl OutageKind {
    pub const ALL: [OutageKind; 4] = [Self::Program, Self::Telephony, Self::DriverApp, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Program => "program",
            Self::Telephony => "telephony",
            Self::DriverApp => "driver_app",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The topic a report of this kind is filed under.
    pub fn topic_id(self) -> &'static str {
        match self {
            Self::Program => "program-unavailable",
            Self::Telephony => "telephony-down",
            Self::DriverApp => "driver-app-down",
            Self::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Open,
    Resolved,
    /// Grouped into another incident (`merged_into`); its reports live there now.
    Merged,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
            Self::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "resolved" => Some(Self::Resolved),
            "merged" => Some(Self::Merged),
            _ => None,
        }
    }
}

/// An organisation as an incident names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct OrganizationRef {
    pub id: Uuid,
    pub name: String,
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum IncidentEventKind {
    /// A customer reported it (the first report opens the incident).
    Reported,
    Acknowledged,
    /// An agent's update to everyone affected.
    Update,
    Resolved,
    /// Reopened after a resolution (a new report of the same kind within the hour, or an agent).
    Reopened,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct IncidentEvent {
    pub id: Uuid,
    pub kind: IncidentEventKind,
    /// Text for everyone affected; empty for `reported` and `acknowledged`.
    pub body: String,
    pub author: PersonRef,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Incident {
    pub id: Uuid,
    pub kind: OutageKind,
    /// Short title, e.g. «Не працює телефонія»; agents may rename it.
    pub title: String,
    pub status: IncidentStatus,
    /// Affects every organisation.
    pub all_organizations: bool,
    /// The affected organisations (empty when `all_organizations`). A customer sees only their
    /// own here, never the names of other taxi services.
    pub organizations: Vec<OrganizationRef>,
    /// When it began: the first report or the announcement.
    pub started_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<PersonRef>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Set when `status` is `merged`.
    pub merged_into: Option<Uuid>,
    /// Report tickets linked to it that the caller may see (a customer: their organisation's).
    pub ticket_ids: Vec<Uuid>,
    /// Oldest first.
    pub timeline: Vec<IncidentEvent>,
}

impl Incident {
    /// Open and affecting `org`: a banner shows, and a new report of the same kind joins it.
    pub fn affects(&self, org: Uuid) -> bool {
        self.status == IncidentStatus::Open
            && (self.all_organizations || self.organizations.iter().any(|o| o.id == org))
    }
}

/// `POST /outages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ReportOutage {
    /// The report ticket's id (client-generated UUIDv7): a repeat answers the same report.
    pub id: Uuid,
    pub kind: OutageKind,
    /// What happened, in the customer's words (becomes the ticket's first message).
    pub description: String,
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// Agents reporting on a customer's behalf name the organisation.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
}

/// The answer to `POST /outages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct OutageReport {
    pub ticket: Ticket,
    pub incident: Incident,
    /// The incident was already open for this organisation: the report was added to it.
    pub already_known: bool,
}

/// `POST /incidents` (agents): announce an outage nobody reported yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct CreateIncident {
    pub id: Uuid,
    pub kind: OutageKind,
    pub title: String,
    /// First update to everyone affected.
    pub body: String,
    #[serde(default)]
    pub all_organizations: bool,
    #[serde(default)]
    pub organization_ids: Vec<Uuid>,
}

/// `POST /incidents/{id}/updates` and `/resolve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct PostIncidentUpdate {
    /// Client-generated id of the timeline entry: a repeat answers the same.
    pub id: Uuid,
    pub body: String,
}

/// `PATCH /incidents/{id}`: only the fields present change. Scope only grows by merging or by
/// naming organisations here; the organisations of linked reports always stay in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct UpdateIncident {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_organizations: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_ids: Option<Vec<Uuid>>,
}

/// `POST /incidents/{id}/merge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct MergeIncident {
    /// The incident whose reports join this one.
    pub from: Uuid,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ts_rs::TS)]
#[into_params(parameter_in = Query)]
pub struct IncidentFilter {
    /// `open` (default), `resolved` or `all`.
    pub status: Option<String>,
}

/// A page: an outage report that an agent's app must ring for (critical urgency). Staff only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Page {
    pub id: Uuid,
    pub incident_id: Uuid,
    /// The report that caused it.
    pub ticket_id: Uuid,
    pub ticket_number: i64,
    pub kind: OutageKind,
    pub organization_name: String,
    /// The report's first words, for the notification's text.
    pub summary: String,
    /// 1: the on-duty agents (everyone if nobody is on duty); 2, 3, …: re-pages to every agent
    /// while nobody has acknowledged.
    pub round: u32,
    /// Every agent, or only `recipients`.
    pub all_agents: bool,
    pub recipients: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl Page {
    pub fn is_for(&self, agent: Uuid) -> bool {
        self.all_agents || self.recipients.contains(&agent)
    }
}

/// An agent on the duty roster. Staff only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct DutyAgent {
    pub agent: PersonRef,
    pub on_duty: bool,
    /// When the current state began.
    pub since: DateTime<Utc>,
}

/// `PUT /duty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SetDuty {
    pub on_duty: bool,
}
