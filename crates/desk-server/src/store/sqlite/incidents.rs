//! Outages in SQLite, the reads: incidents, pages and the duty roster, each incident built for
//! its viewer. A customer sees only their own organisation in its scope, tickets and reports,
//! never another taxi service's name. The write jobs are in [`super::incident_writes`].
//!
//! Change log: an incident once announced to every organisation has one row with no
//! organisation (entity id = its 16 id bytes); otherwise one row per concerned organisation
//! (entity id = incident id ++ organisation id, 32 bytes), so each customer pulls exactly the
//! incidents of their organisation. Staff see every row; a page de-duplicates by incident id.

use std::collections::HashMap;

use desk_domain::{
    DutyAgent, Incident, IncidentEvent, IncidentEventKind, IncidentStatus, OrganizationRef,
    OutageKind, Page, PersonRef, Role,
};
use sqlx::{AssertSqlSafe, SqliteConnection};
use uuid::Uuid;

use super::rows::{placeholders, ts};
use crate::error::ApiError;
use crate::rules::Viewer;
use crate::store::StoreResult;

pub const KIND_INCIDENT: &str = "incident";
pub const KIND_PAGE: &str = "page";
pub const KIND_DUTY: &str = "duty";

/// Most incidents one list answers.
const LIST_MAX: i64 = 200;

/// Ukrainian titles: an incident is shown to dispatchers of many organisations.
pub fn default_title(kind: OutageKind) -> &'static str {
    match kind {
        OutageKind::Program => "Не працює диспетчерська програма",
        OutageKind::Telephony => "Не працює телефонія",
        OutageKind::DriverApp => "Водії не отримують замовлень",
        OutageKind::Other => "Критична несправність",
    }
}

pub(super) fn role_of(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| ApiError::internal(format!("unknown role in database: {s}")))
}

pub fn incident_not_found() -> ApiError {
    ApiError::not_found("Інцидент", "Incident")
}

// ---------------------------------------------------------------- reads

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: Uuid,
    kind: String,
    title: String,
    status: String,
    all_organizations: bool,
    ever_all: bool,
    started_at: i64,
    acknowledged_at: Option<i64>,
    acknowledged_by: Option<Uuid>,
    ack_name: Option<String>,
    ack_role: Option<String>,
    resolved_at: Option<i64>,
    updated_at: i64,
    merged_into: Option<Uuid>,
}

const INCIDENT_SELECT: &str = "SELECT i.id, i.kind, i.title, i.status, i.all_organizations, \
    i.ever_all, i.started_at, i.acknowledged_at, i.acknowledged_by, a.name AS ack_name, \
    a.role AS ack_role, i.resolved_at, i.updated_at, i.merged_into \
    FROM incidents i LEFT JOIN users a ON a.id = i.acknowledged_by";

#[derive(sqlx::FromRow)]
struct ScopeRow {
    incident_id: Uuid,
    organization_id: Uuid,
    in_scope: bool,
    name: String,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: Uuid,
    incident_id: Uuid,
    organization_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    incident_id: Uuid,
    kind: String,
    body: String,
    author_id: Uuid,
    author_name: String,
    author_role: String,
    organization_id: Option<Uuid>,
    created_at: i64,
}

fn event_kind(s: &str) -> StoreResult<IncidentEventKind> {
    Ok(match s {
        "reported" => IncidentEventKind::Reported,
        "acknowledged" => IncidentEventKind::Acknowledged,
        "update" => IncidentEventKind::Update,
        "resolved" => IncidentEventKind::Resolved,
        "reopened" => IncidentEventKind::Reopened,
        other => {
            return Err(ApiError::internal(format!(
                "unknown incident event {other}"
            )));
        }
    })
}

pub(super) fn event_kind_str(k: IncidentEventKind) -> &'static str {
    match k {
        IncidentEventKind::Reported => "reported",
        IncidentEventKind::Acknowledged => "acknowledged",
        IncidentEventKind::Update => "update",
        IncidentEventKind::Resolved => "resolved",
        IncidentEventKind::Reopened => "reopened",
    }
}

async fn fetch_in<T>(conn: &mut SqliteConnection, sql: String, ids: &[Uuid]) -> StoreResult<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let mut q = sqlx::query_as::<_, T>(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(conn).await?)
}

/// The incidents among `ids` that `v` may see, each as `v` may see it (in no particular order).
pub async fn incidents_by_ids(
    conn: &mut SqliteConnection,
    v: &Viewer,
    ids: &[Uuid],
) -> StoreResult<Vec<Incident>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ph = placeholders(ids.len());
    let rows: Vec<IncidentRow> =
        fetch_in(conn, format!("{INCIDENT_SELECT} WHERE i.id IN ({ph})"), ids).await?;
    let scopes: Vec<ScopeRow> = fetch_in(
        conn,
        format!(
            "SELECT io.incident_id, io.organization_id, io.in_scope, o.name FROM incident_organizations io \
             JOIN organizations o ON o.id = io.organization_id WHERE io.incident_id IN ({ph}) ORDER BY o.name"
        ),
        ids,
    )
    .await?;
    let links: Vec<LinkRow> = fetch_in(
        conn,
        format!(
            "SELECT id, incident_id, organization_id FROM tickets WHERE incident_id IN ({ph}) ORDER BY number"
        ),
        ids,
    )
    .await?;
    let events: Vec<EventRow> = fetch_in(
        conn,
        format!(
            "SELECT e.id, e.incident_id, e.kind, e.body, e.author_id, u.name AS author_name, \
             u.role AS author_role, e.organization_id, e.created_at FROM incident_events e \
             JOIN users u ON u.id = e.author_id WHERE e.incident_id IN ({ph}) ORDER BY e.created_at, e.id"
        ),
        ids,
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let own = |org: Uuid| v.is_staff() || v.organization_id == Some(org);
        let concerns_me = v.is_staff()
            || r.ever_all
            || scopes
                .iter()
                .any(|s| s.incident_id == r.id && Some(s.organization_id) == v.organization_id);
        if !concerns_me {
            continue;
        }
        let organizations = if r.all_organizations {
            Vec::new()
        } else {
            scopes
                .iter()
                .filter(|s| s.incident_id == r.id && s.in_scope && own(s.organization_id))
                .map(|s| OrganizationRef {
                    id: s.organization_id,
                    name: s.name.clone(),
                })
                .collect()
        };
        let ticket_ids = links
            .iter()
            .filter(|l| l.incident_id == r.id && own(l.organization_id))
            .map(|l| l.id)
            .collect();
        let mut timeline = Vec::new();
        for e in events.iter().filter(|e| e.incident_id == r.id) {
            if let Some(org) = e.organization_id
                && !own(org)
            {
                continue;
            }
            timeline.push(IncidentEvent {
                id: e.id,
                kind: event_kind(&e.kind)?,
                body: e.body.clone(),
                author: PersonRef {
                    id: e.author_id,
                    name: e.author_name.clone(),
                    role: role_of(&e.author_role)?,
                },
                at: ts(e.created_at),
            });
        }
        let acknowledged_by = match (r.acknowledged_by, r.ack_name, r.ack_role) {
            (Some(id), Some(name), Some(role)) => Some(PersonRef {
                id,
                name,
                role: role_of(&role)?,
            }),
            _ => None,
        };
        out.push(Incident {
            id: r.id,
            kind: OutageKind::parse(&r.kind)
                .ok_or_else(|| ApiError::internal(format!("unknown outage kind {}", r.kind)))?,
            title: r.title,
            status: IncidentStatus::parse(&r.status)
                .ok_or_else(|| ApiError::internal(format!("unknown status {}", r.status)))?,
            all_organizations: r.all_organizations,
            organizations,
            started_at: ts(r.started_at),
            acknowledged_at: r.acknowledged_at.map(ts),
            acknowledged_by,
            resolved_at: r.resolved_at.map(ts),
            updated_at: ts(r.updated_at),
            merged_into: r.merged_into,
            ticket_ids,
            timeline,
        });
    }
    Ok(out)
}

pub async fn incident(
    conn: &mut SqliteConnection,
    v: &Viewer,
    id: Uuid,
) -> StoreResult<Option<Incident>> {
    Ok(incidents_by_ids(conn, v, &[id]).await?.pop())
}

pub async fn list(
    conn: &mut SqliteConnection,
    v: &Viewer,
    status: Option<IncidentStatus>,
) -> StoreResult<Vec<Incident>> {
    let status_filter = if status.is_some() {
        "i.status = ?2"
    } else {
        "?2 IS NULL"
    };
    let scope = if v.is_staff() {
        "1 = 1"
    } else {
        "(i.ever_all = 1 OR EXISTS (SELECT 1 FROM incident_organizations io \
          WHERE io.incident_id = i.id AND io.organization_id = ?1))"
    };
    let sql = format!(
        "SELECT i.id FROM incidents i WHERE {scope} AND {status_filter} \
         ORDER BY i.started_at DESC LIMIT ?3"
    );
    let ids: Vec<Uuid> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(v.organization_id)
        .bind(status.map(|s| s.as_str()))
        .bind(LIST_MAX)
        .fetch_all(&mut *conn)
        .await?;
    let mut found = incidents_by_ids(conn, v, &ids).await?;
    found.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
    Ok(found)
}

#[derive(sqlx::FromRow)]
struct PageRow {
    id: Uuid,
    incident_id: Uuid,
    ticket_id: Uuid,
    ticket_number: i64,
    kind: String,
    organization_name: String,
    summary: String,
    round: i64,
    all_agents: bool,
    recipients: String,
    created_at: i64,
}

pub async fn pages_by_ids(conn: &mut SqliteConnection, ids: &[Uuid]) -> StoreResult<Vec<Page>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<PageRow> = fetch_in(
        conn,
        format!(
            "SELECT p.id, p.incident_id, p.ticket_id, t.number AS ticket_number, i.kind, \
             o.name AS organization_name, p.summary, p.round, p.all_agents, p.recipients, p.created_at \
             FROM pages p JOIN tickets t ON t.id = p.ticket_id JOIN incidents i ON i.id = p.incident_id \
             JOIN organizations o ON o.id = t.organization_id WHERE p.id IN ({})",
            placeholders(ids.len())
        ),
        ids,
    )
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Page {
                id: r.id,
                incident_id: r.incident_id,
                ticket_id: r.ticket_id,
                ticket_number: r.ticket_number,
                kind: OutageKind::parse(&r.kind)
                    .ok_or_else(|| ApiError::internal(format!("unknown outage kind {}", r.kind)))?,
                organization_name: r.organization_name,
                summary: r.summary,
                round: u32::try_from(r.round).unwrap_or(u32::MAX),
                all_agents: r.all_agents,
                recipients: serde_json::from_str(&r.recipients)
                    .map_err(|e| ApiError::internal(format!("page recipients: {e}")))?,
                created_at: ts(r.created_at),
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct DutyRow {
    id: Uuid,
    name: String,
    role: String,
    on_duty: bool,
    since: i64,
}

/// Staff with their roster state, except the support service's own account (migration 0003,
/// which signs automatic messages): it is never on duty.
const DUTY_SELECT: &str = "SELECT u.id, u.name, u.role, COALESCE(d.on_duty, 0) AS on_duty, \
    COALESCE(d.since, u.created_at) AS since FROM users u LEFT JOIN duty d ON d.agent_id = u.id \
    WHERE u.role IN ('agent', 'admin') AND u.id <> X'00000000000000000000000000000001'";

fn duty_agent(r: DutyRow) -> StoreResult<DutyAgent> {
    Ok(DutyAgent {
        agent: PersonRef {
            id: r.id,
            name: r.name,
            role: role_of(&r.role)?,
        },
        on_duty: r.on_duty,
        since: ts(r.since),
    })
}

/// Every agent with their roster state, on duty first.
pub async fn duty_roster(conn: &mut SqliteConnection) -> StoreResult<Vec<DutyAgent>> {
    let rows: Vec<DutyRow> = sqlx::query_as(AssertSqlSafe(format!(
        "{DUTY_SELECT} ORDER BY on_duty DESC, u.name"
    )))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(duty_agent).collect()
}

pub async fn duty_by_ids(conn: &mut SqliteConnection, ids: &[Uuid]) -> StoreResult<Vec<DutyAgent>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<DutyRow> = fetch_in(
        conn,
        format!("{DUTY_SELECT} AND u.id IN ({})", placeholders(ids.len())),
        ids,
    )
    .await?;
    rows.into_iter().map(duty_agent).collect()
}

/// When the next page falls due: the oldest last page of an open, unacknowledged incident.
pub async fn next_page_due(
    conn: &mut SqliteConnection,
    repage_ms: i64,
) -> StoreResult<Option<i64>> {
    let oldest: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(last_paged_at) FROM incidents WHERE status = 'open' \
         AND acknowledged_at IS NULL AND last_paged_at IS NOT NULL",
    )
    .fetch_one(conn)
    .await?;
    Ok(oldest.map(|t| t + repage_ms))
}

/// The incidents of a change-log page, by id (each row's first 16 bytes).
pub async fn incidents_map(
    conn: &mut SqliteConnection,
    v: &Viewer,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, Incident>> {
    Ok(incidents_by_ids(conn, v, ids)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect())
}
