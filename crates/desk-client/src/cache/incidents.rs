//! The outage tables of the cache: incidents (with their timelines), the pages that ring an
//! agent's app and the duty roster, applied from the same pulled pages as tickets and in the
//! same transaction; and their reads.

use std::collections::{HashMap, HashSet};

use desk_domain::{
    ChangeData, DutyAgent, Incident, IncidentEventKind, IncidentStatus, Page, TelegramRequest,
    Ticket,
};
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use super::Cache;
use crate::notify::{IncidentChange, OutageChanges, PageChange};

/// The outage entries of one pulled page, collected while the page is sorted.
#[derive(Debug, Default)]
pub(crate) struct PendingOutages<'a> {
    incidents: Vec<&'a Incident>,
    pages: Vec<&'a Page>,
    duty: Vec<&'a DutyAgent>,
    telegram_requests: Vec<&'a TelegramRequest>,
}

impl<'a> PendingOutages<'a> {
    pub fn push(&mut self, e: &'a ChangeData) {
        match e {
            ChangeData::Incident(i) => self.incidents.push(i),
            ChangeData::Page(p) => self.pages.push(p),
            ChangeData::Duty(d) => self.duty.push(d),
            ChangeData::TelegramRequest(r) => self.telegram_requests.push(r),
            ChangeData::Topic(_) | ChangeData::Ticket(_) | ChangeData::Message(_) => {}
        }
    }
}

/// Keeps the last entry per key, in the order of their last appearance.
fn last_per<T: Copy, K: std::hash::Hash + Eq>(items: &[T], key: impl Fn(T) -> K) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut out: Vec<T> = items
        .iter()
        .rev()
        .filter(|i| seen.insert(key(**i)))
        .copied()
        .collect();
    out.reverse();
    out
}

fn ids_json<I: IntoIterator<Item = Uuid>>(ids: I) -> anyhow::Result<String> {
    Ok(serde_json::to_string(&ids.into_iter().collect::<Vec<_>>())?)
}

/// Which of the cached tickets `ids` (a JSON array) `me` filed.
async fn filed_by(
    conn: &mut SqliteConnection,
    ids: &str,
    me: Uuid,
) -> anyhow::Result<HashSet<Uuid>> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT id FROM tickets WHERE id IN (SELECT value FROM json_each(?1)) \
         AND json_extract(data, '$.requester.id') = ?2",
    )
    .bind(ids)
    .bind(me.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .filter_map(|s| Uuid::parse_str(s).ok())
    .collect())
}

/// Applies a page's incidents, pages and duty rows inside the page's transaction (after its
/// tickets, so a report's requester is known), answering what changed.
pub(crate) async fn apply<'t>(
    conn: &mut SqliteConnection,
    pending: &PendingOutages<'_>,
    tickets: impl Iterator<Item = &'t Ticket>,
    me: Uuid,
) -> anyhow::Result<OutageChanges> {
    let mut out = OutageChanges::default();
    let linked: Vec<(Uuid, Uuid)> = tickets
        .filter_map(|t| t.incident_id.map(|i| (t.id, i)))
        .collect();
    if pending.incidents.is_empty()
        && pending.pages.is_empty()
        && pending.duty.is_empty()
        && pending.telegram_requests.is_empty()
        && linked.is_empty()
    {
        return Ok(out);
    }

    let incidents = last_per(&pending.incidents, |i| i.id);
    if !incidents.is_empty() {
        let ids = ids_json(incidents.iter().map(|i| i.id))?;
        let mut before: HashMap<Uuid, Incident> = HashMap::new();
        for r in
            sqlx::query("SELECT data FROM incidents WHERE id IN (SELECT value FROM json_each(?1))")
                .bind(&ids)
                .fetch_all(&mut *conn)
                .await?
        {
            let i: Incident = serde_json::from_str(r.get::<&str, _>(0))?;
            before.insert(i.id, i);
        }
        // An answer the app stored directly may be newer than a page fetched before it.
        sqlx::query(
            "INSERT INTO incidents (id, kind, status, all_organizations, started_at, updated_at, data) \
             SELECT json_extract(value, '$.id'), json_extract(value, '$.kind'), json_extract(value, '$.status'), \
               json_extract(value, '$.all_organizations'), \
               CAST(unixepoch(json_extract(value, '$.started_at'), 'subsec') * 1000 AS INTEGER), \
               CAST(unixepoch(json_extract(value, '$.updated_at'), 'subsec') * 1000 AS INTEGER), value \
             FROM json_each(?1) WHERE true \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status, \
               all_organizations = excluded.all_organizations, started_at = excluded.started_at, \
               updated_at = excluded.updated_at, data = excluded.data \
             WHERE excluded.updated_at >= incidents.updated_at",
        )
        .bind(serde_json::to_string(&incidents)?)
        .execute(&mut *conn)
        .await?;
        let all_tickets = ids_json(incidents.iter().flat_map(|i| i.ticket_ids.iter().copied()))?;
        let mine = filed_by(conn, &all_tickets, me).await?;
        for i in incidents {
            let b = before.remove(&i.id);
            if b.as_ref().is_some_and(|b| b.updated_at > i.updated_at) {
                continue;
            }
            let reported_by_me = i.ticket_ids.iter().any(|t| mine.contains(t))
                || i.timeline
                    .iter()
                    .any(|e| e.kind == IncidentEventKind::Reported && e.author.id == me);
            out.incidents.push(IncidentChange {
                before: b,
                now: i.clone(),
                reported_by_me,
            });
        }
    }

    let pages = last_per(&pending.pages, |p| p.id);
    if !pages.is_empty() {
        let ids = ids_json(pages.iter().map(|p| p.id))?;
        let known: HashSet<Uuid> = sqlx::query_scalar::<_, String>(
            "SELECT id FROM pages WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
        sqlx::query(
            "INSERT INTO pages (id, incident_id, ticket_id, round, all_agents, created_at, data) \
             SELECT json_extract(value, '$.id'), json_extract(value, '$.incident_id'), \
               json_extract(value, '$.ticket_id'), json_extract(value, '$.round'), \
               json_extract(value, '$.all_agents'), \
               CAST(unixepoch(json_extract(value, '$.created_at'), 'subsec') * 1000 AS INTEGER), value \
             FROM json_each(?1) WHERE true \
             ON CONFLICT (id) DO UPDATE SET incident_id = excluded.incident_id, ticket_id = excluded.ticket_id, \
               round = excluded.round, all_agents = excluded.all_agents, created_at = excluded.created_at, \
               data = excluded.data",
        )
        .bind(serde_json::to_string(&pages)?)
        .execute(&mut *conn)
        .await?;
        let settled: HashSet<Uuid> = sqlx::query_scalar::<_, String>(
            "SELECT id FROM incidents WHERE id IN (SELECT value FROM json_each(?1)) \
             AND (status != 'open' OR json_extract(data, '$.acknowledged_at') IS NOT NULL)",
        )
        .bind(ids_json(pages.iter().map(|p| p.incident_id))?)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
        let mine = filed_by(conn, &ids_json(pages.iter().map(|p| p.ticket_id))?, me).await?;
        for p in pages {
            out.pages.push(PageChange {
                page: p.clone(),
                first_seen: !known.contains(&p.id),
                settled: settled.contains(&p.incident_id),
                reported_by_me: mine.contains(&p.ticket_id),
            });
        }
    }

    let duty = last_per(&pending.duty, |d| d.agent.id);
    if !duty.is_empty() {
        sqlx::query(
            "INSERT INTO duty (agent_id, on_duty, since, data) \
             SELECT json_extract(value, '$.agent.id'), json_extract(value, '$.on_duty'), \
               CAST(unixepoch(json_extract(value, '$.since'), 'subsec') * 1000 AS INTEGER), value \
             FROM json_each(?1) WHERE true \
             ON CONFLICT (agent_id) DO UPDATE SET on_duty = excluded.on_duty, since = excluded.since, \
               data = excluded.data",
        )
        .bind(serde_json::to_string(&duty)?)
        .execute(&mut *conn)
        .await?;
        out.duty_changed = true;
    }

    let requests = last_per(&pending.telegram_requests, |r| r.id);
    out.telegram_requests = super::telegram::apply(conn, &requests).await?;

    if !linked.is_empty() {
        let statuses: HashMap<Uuid, IncidentStatus> = sqlx::query_as::<_, (String, String)>(
            "SELECT id, status FROM incidents WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(ids_json(linked.iter().map(|(_, i)| *i))?)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .filter_map(|(id, s)| Some((Uuid::parse_str(&id).ok()?, IncidentStatus::parse(&s)?)))
        .collect();
        for (ticket, incident) in linked {
            if let Some(s) = statuses.get(&incident) {
                out.ticket_incident.insert(ticket, *s);
            }
        }
    }
    Ok(out)
}

// --- reads

fn decode<T: serde::de::DeserializeOwned>(rows: &[String]) -> anyhow::Result<Vec<T>> {
    rows.iter().map(|r| Ok(serde_json::from_str(r)?)).collect()
}

impl Cache {
    /// Incidents by status: `open`, `resolved`, `merged`, or `all` (default), open ones first,
    /// newest first.
    pub async fn incidents(&self, status: Option<&str>) -> anyhow::Result<Vec<Incident>> {
        let status = status.and_then(IncidentStatus::parse);
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM incidents WHERE ?1 IS NULL OR status = ?1 \
             ORDER BY status = 'open' DESC, started_at DESC",
        )
        .bind(status.map(IncidentStatus::as_str))
        .fetch_all(self.pool())
        .await?;
        decode(&rows)
    }

    /// Open incidents affecting `org` (every open one when `None`), newest first: the banner.
    pub async fn open_incidents(&self, org: Option<Uuid>) -> anyhow::Result<Vec<Incident>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM incidents WHERE status = 'open' AND (?1 IS NULL OR all_organizations = 1 \
               OR EXISTS (SELECT 1 FROM json_each(incidents.data, '$.organizations') o \
                          WHERE json_extract(o.value, '$.id') = ?1)) \
             ORDER BY started_at DESC",
        )
        .bind(org.map(|o| o.to_string()))
        .fetch_all(self.pool())
        .await?;
        decode(&rows)
    }

    pub async fn incident(&self, id: Uuid) -> anyhow::Result<Option<Incident>> {
        let row: Option<String> = sqlx::query_scalar("SELECT data FROM incidents WHERE id = ?1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(serde_json::from_str(&r)?)).transpose()
    }

    /// The duty roster: on duty first, then by name.
    pub async fn duty(&self) -> anyhow::Result<Vec<DutyAgent>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM duty ORDER BY on_duty DESC, json_extract(data, '$.agent.name')",
        )
        .fetch_all(self.pool())
        .await?;
        decode(&rows)
    }

    pub async fn duty_of(&self, agent: Uuid) -> anyhow::Result<Option<DutyAgent>> {
        let row: Option<String> = sqlx::query_scalar("SELECT data FROM duty WHERE agent_id = ?1")
            .bind(agent.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(serde_json::from_str(&r)?)).transpose()
    }

    /// Pages addressed to `agent` (to every agent, or naming them), newest first.
    pub async fn pages_for(&self, agent: Uuid, limit: u32) -> anyhow::Result<Vec<Page>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM pages WHERE all_agents = 1 \
               OR EXISTS (SELECT 1 FROM json_each(pages.data, '$.recipients') r WHERE r.value = ?1) \
             ORDER BY created_at DESC LIMIT ?2",
        )
        .bind(agent.to_string())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        decode(&rows)
    }
}
