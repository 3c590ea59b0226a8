//! Delta sync (`GET /changes`) and push (`GET /events`) bodies.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{DutyAgent, Incident, Message, Page, TelegramRequest, Ticket, Topic};

/// One entry of the change log: the current state of an entity that changed after the cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Change {
    /// Position in the server's change log; strictly increasing.
    pub seq: i64,
    #[serde(flatten)]
    pub entity: ChangeData,
}

/// What changed, tagged by `kind`, with its current state in `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ChangeData {
    Topic(Topic),
    Ticket(Ticket),
    Message(Message),
    /// Customers see the incidents affecting their organisation; agents see all.
    Incident(Incident),
    /// Staff only: an outage page for some or all agents.
    Page(Page),
    /// Staff only: an agent's duty state.
    Duty(DutyAgent),
    /// Staff only: a chat that wrote to a bot without being linked (an unverified outage
    /// report when it wrote to the alert bot).
    TelegramRequest(TelegramRequest),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ChangesPage {
    pub items: Vec<Change>,
    /// The cursor to pass as `after` next time.
    pub next: i64,
    /// More changes wait beyond this page.
    pub has_more: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ts_rs::TS)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Cursor from the previous pull; 0 (or absent) for everything.
    pub after: Option<i64>,
    /// Page size, default 500, at most 1000.
    pub limit: Option<u32>,
}

/// The `data` of an SSE `poke` event: the newest change the caller may see. Its `id:` line
/// carries the same seq, so a reconnect with `Last-Event-ID` resumes from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Poke {
    pub seq: i64,
}
