//! What each viewer may see of what is stored: staff see everything; a customer sees their own
//! organisation's tickets without the staff-only waiting clock, never an internal note, and of
//! an incident only their own organisation — never the name, reports or timeline entries of
//! another taxi service.

use desk_domain::{Incident, IncidentEvent, OrganizationRef, Ticket};
use uuid::Uuid;

use crate::actor::Viewer;
use crate::clock::ts;
use crate::storage::{IncidentRecord, LogScope};

/// The ticket as `v` may see it (the caller has checked the organisation).
pub fn ticket(mut t: Ticket, v: &Viewer) -> Ticket {
    if !v.is_staff() {
        t.waiting = None;
    }
    t
}

/// The ticket if `v` may see it at all.
pub fn visible_ticket(t: Ticket, v: &Viewer) -> Option<Ticket> {
    v.sees_org(t.organization_id).then(|| ticket(t, v))
}

/// The rows of the change log `v` may pull.
pub fn log_scope(v: &Viewer) -> LogScope {
    if v.is_staff() {
        LogScope::All
    } else {
        match v.organization_id {
            Some(org) => LogScope::Organization(org),
            None => LogScope::Public,
        }
    }
}

/// The incident as `v` may see it, or `None` if it never concerned them.
pub fn incident(r: &IncidentRecord, v: &Viewer) -> Option<Incident> {
    let own = |org: Uuid| v.sees_org(org);
    let concerns_me = v.is_staff()
        || r.row.ever_all
        || r.scope
            .iter()
            .any(|s| Some(s.organization_id) == v.organization_id);
    if !concerns_me {
        return None;
    }
    let organizations = if r.row.all_organizations {
        Vec::new()
    } else {
        r.scope
            .iter()
            .filter(|s| s.in_scope && own(s.organization_id))
            .map(|s| OrganizationRef {
                id: s.organization_id,
                name: s.name.clone(),
            })
            .collect()
    };
    let ticket_ids = r
        .tickets
        .iter()
        .filter(|l| own(l.organization_id))
        .map(|l| l.id)
        .collect();
    let timeline = r
        .timeline
        .iter()
        .filter(|e| e.organization_id.is_none_or(own))
        .map(|e| IncidentEvent {
            id: e.id,
            kind: e.kind,
            body: e.body.clone(),
            author: e.author.clone(),
            at: ts(e.at_ms),
        })
        .collect();
    let row = &r.row;
    Some(Incident {
        id: row.id,
        kind: row.kind,
        title: row.title.clone(),
        status: row.status,
        all_organizations: row.all_organizations,
        organizations,
        started_at: ts(row.started_at_ms),
        acknowledged_at: row.acknowledged_at_ms.map(ts),
        acknowledged_by: r.acknowledged_by.clone(),
        resolved_at: row.resolved_at_ms.map(ts),
        updated_at: ts(row.updated_at_ms),
        merged_into: row.merged_into,
        ticket_ids,
        timeline,
    })
}
