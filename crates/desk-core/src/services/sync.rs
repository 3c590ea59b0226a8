//! Delta sync: a page of the change log after a cursor, as the viewer may see it, and the
//! newest seq they may see (for pokes). A pull walks the log from the cursor, so its cost
//! follows the number of changes after it, not the number of tickets stored.

use std::collections::HashMap;

use desk_domain::{Change, ChangeData, ChangesPage, limits};
use tokio::sync::broadcast;
use tracing::instrument;
use uuid::Uuid;

use crate::actor::Viewer;
use crate::error::Result;
use crate::storage::{ChangeNote, Entity};
use crate::{Core, visibility};

impl ChangeNote {
    /// Whether `v` may see this change (and so is poked for it).
    pub fn visible_to(&self, v: &Viewer) -> bool {
        if v.is_staff() {
            return true;
        }
        !self.audience.staff_only
            && (self.audience.organization_id.is_none()
                || self.audience.organization_id == v.organization_id)
    }
}

impl Core {
    /// Up to `limit` changes after `after` that `v` may see, each entity once, oldest first.
    #[instrument(skip_all, err, fields(after, limit))]
    pub async fn changes(&self, v: &Viewer, after: i64, limit: u32) -> Result<ChangesPage> {
        let limit = limit.clamp(1, limits::CHANGES_PAGE_MAX);
        let snap = self
            .storage
            .change_snapshot(after, visibility::log_scope(v), limit)
            .await?;
        // Each entity has one row in the log, so it appears at most once per page: the rows
        // are looked up by id and moved into the page, not searched for and cloned.
        let mut tickets: HashMap<Uuid, _> = snap
            .tickets
            .into_iter()
            .map(|t| (t.id, visibility::ticket(t, v)))
            .collect();
        let mut messages: HashMap<Uuid, _> = snap.messages.into_iter().map(|m| (m.id, m)).collect();
        let mut topics: HashMap<String, _> =
            snap.topics.into_iter().map(|t| (t.id.clone(), t)).collect();
        let mut incidents: HashMap<Uuid, _> = snap
            .incidents
            .iter()
            .filter_map(|r| visibility::incident(r, v))
            .map(|i| (i.id, i))
            .collect();
        let mut pages: HashMap<Uuid, _> = snap.pages.into_iter().map(|p| (p.id, p)).collect();
        let mut duty: HashMap<Uuid, _> = snap.duty.into_iter().map(|d| (d.agent.id, d)).collect();
        let mut requests: HashMap<Uuid, _> = snap
            .telegram_requests
            .into_iter()
            .map(|r| (r.id, r))
            .collect();

        let mut items = Vec::with_capacity(snap.rows.len());
        for r in &snap.rows {
            let entity = match &r.entity {
                // An incident has a row per organisation it concerns: it goes out once per
                // page, at its first row (clients upsert, so a later page repeating it is
                // harmless).
                Entity::Incident(id) | Entity::IncidentFor(id, _) => {
                    incidents.remove(id).map(ChangeData::Incident)
                }
                Entity::Page(id) => pages.remove(id).map(ChangeData::Page),
                Entity::Duty(id) => duty.remove(id).map(ChangeData::Duty),
                Entity::TelegramRequest(id) => requests.remove(id).map(ChangeData::TelegramRequest),
                Entity::Ticket(id) => tickets.remove(id).map(ChangeData::Ticket),
                Entity::Message(id) => messages.remove(id).map(ChangeData::Message),
                Entity::Topic(id) => topics.remove(id).map(ChangeData::Topic),
            };
            if let Some(entity) = entity {
                items.push(Change { seq: r.seq, entity });
            }
        }
        let last = snap.rows.last().map(|r| r.seq).unwrap_or(after);
        // Past the last visible change, nothing up to the head concerns this viewer: moving the
        // cursor there keeps the next pull from rescanning other organisations' changes.
        let next = if snap.has_more {
            last
        } else {
            snap.head.max(last).max(after)
        };
        Ok(ChangesPage {
            items,
            next,
            has_more: snap.has_more,
        })
    }

    /// The newest seq `v` may see.
    #[instrument(skip_all, err)]
    pub async fn latest_seq(&self, v: &Viewer) -> Result<i64> {
        self.storage.latest_seq(visibility::log_scope(v)).await
    }

    /// Every committed change, as it commits.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeNote> {
        self.storage.subscribe()
    }
}
