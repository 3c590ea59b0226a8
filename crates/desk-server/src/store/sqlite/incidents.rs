//! Incidents, their scope, timeline and pages, and the duty roster in SQLite: the queries and
//! the rows of [`IncidentRows`]. An incident is answered whole ([`IncidentRecord`]); what each
//! viewer may see of it is decided in desk-core.

use async_trait::async_trait;
use desk_core::storage::{
    EventInsert, IncidentLookup, IncidentRecord, IncidentRow, IncidentRows, LinkedTicket,
    PageInsert, ScopeEntry, TimelineEntry,
};
use desk_core::{Error, Result};
use desk_domain::{DutyAgent, IncidentEventKind, IncidentStatus, OutageKind, Page, PersonRef};
use sqlx::{AssertSqlSafe, SqliteConnection};
use uuid::Uuid;

use super::Db;
use super::rows::{placeholders, role, status};
use super::writer::WriteCtx;
use desk_core::clock::ts;

fn event_kind(s: &str) -> Result<IncidentEventKind> {
    Ok(match s {
        "reported" => IncidentEventKind::Reported,
        "acknowledged" => IncidentEventKind::Acknowledged,
        "update" => IncidentEventKind::Update,
        "resolved" => IncidentEventKind::Resolved,
        "reopened" => IncidentEventKind::Reopened,
        other => return Err(Error::internal(format!("unknown incident event {other}"))),
    })
}

fn event_kind_str(k: IncidentEventKind) -> &'static str {
    match k {
        IncidentEventKind::Reported => "reported",
        IncidentEventKind::Acknowledged => "acknowledged",
        IncidentEventKind::Update => "update",
        IncidentEventKind::Resolved => "resolved",
        IncidentEventKind::Reopened => "reopened",
    }
}

fn outage_kind(s: &str) -> Result<OutageKind> {
    OutageKind::parse(s).ok_or_else(|| Error::internal(format!("unknown outage kind {s}")))
}

async fn fetch_in<T>(conn: &mut SqliteConnection, sql: String, ids: &[Uuid]) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let mut q = sqlx::query_as::<_, T>(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(conn).await.db()
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    title: String,
    status: String,
    all_organizations: bool,
    ever_all: bool,
    started_at: i64,
    acknowledged_at: Option<i64>,
    acknowledged_by: Option<Uuid>,
    resolved_at: Option<i64>,
    updated_at: i64,
    merged_into: Option<Uuid>,
    created_by: Uuid,
    last_paged_at: Option<i64>,
    page_round: i64,
    ack_name: Option<String>,
    ack_role: Option<String>,
}

const INCIDENT_SELECT: &str = "SELECT i.id, i.kind, i.title, i.status, i.all_organizations, \
    i.ever_all, i.started_at, i.acknowledged_at, i.acknowledged_by, i.resolved_at, i.updated_at, \
    i.merged_into, i.created_by, i.last_paged_at, i.page_round, a.name AS ack_name, \
    a.role AS ack_role FROM incidents i LEFT JOIN users a ON a.id = i.acknowledged_by";

impl Row {
    fn row(&self) -> Result<IncidentRow> {
        Ok(IncidentRow {
            id: self.id,
            kind: outage_kind(&self.kind)?,
            title: self.title.clone(),
            status: IncidentStatus::parse(&self.status)
                .ok_or_else(|| Error::internal(format!("unknown status {}", self.status)))?,
            all_organizations: self.all_organizations,
            ever_all: self.ever_all,
            started_at_ms: self.started_at,
            acknowledged_at_ms: self.acknowledged_at,
            acknowledged_by: self.acknowledged_by,
            resolved_at_ms: self.resolved_at,
            updated_at_ms: self.updated_at,
            merged_into: self.merged_into,
            created_by: self.created_by,
            last_paged_at_ms: self.last_paged_at,
            page_round: self.page_round,
        })
    }
}

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
    status: String,
    assignee_id: Option<Uuid>,
}

impl LinkRow {
    fn linked(&self) -> Result<LinkedTicket> {
        Ok(LinkedTicket {
            id: self.id,
            organization_id: self.organization_id,
            status: status(&self.status)?,
            assignee_id: self.assignee_id,
        })
    }
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

/// The incidents among `ids`, whole, in no particular order.
pub async fn records(conn: &mut SqliteConnection, ids: &[Uuid]) -> Result<Vec<IncidentRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ph = placeholders(ids.len());
    let rows: Vec<Row> =
        fetch_in(conn, format!("{INCIDENT_SELECT} WHERE i.id IN ({ph})"), ids).await?;
    let scopes: Vec<ScopeRow> = fetch_in(
        conn,
        format!(
            "SELECT io.incident_id, io.organization_id, io.in_scope, o.name \
             FROM incident_organizations io JOIN organizations o ON o.id = io.organization_id \
             WHERE io.incident_id IN ({ph}) ORDER BY o.name"
        ),
        ids,
    )
    .await?;
    let links: Vec<LinkRow> = fetch_in(
        conn,
        format!(
            "SELECT id, incident_id, organization_id, status, assignee_id FROM tickets \
             WHERE incident_id IN ({ph}) ORDER BY number"
        ),
        ids,
    )
    .await?;
    let events: Vec<EventRow> = fetch_in(
        conn,
        format!(
            "SELECT e.id, e.incident_id, e.kind, e.body, e.author_id, u.name AS author_name, \
             u.role AS author_role, e.organization_id, e.created_at FROM incident_events e \
             JOIN users u ON u.id = e.author_id WHERE e.incident_id IN ({ph}) \
             ORDER BY e.created_at, e.id"
        ),
        ids,
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let acknowledged_by = match (r.acknowledged_by, &r.ack_name, &r.ack_role) {
            (Some(id), Some(name), Some(ro)) => Some(PersonRef {
                id,
                name: name.clone(),
                role: role(ro)?,
            }),
            _ => None,
        };
        let scope = scopes
            .iter()
            .filter(|s| s.incident_id == r.id)
            .map(|s| ScopeEntry {
                organization_id: s.organization_id,
                name: s.name.clone(),
                in_scope: s.in_scope,
            })
            .collect();
        let tickets = links
            .iter()
            .filter(|l| l.incident_id == r.id)
            .map(LinkRow::linked)
            .collect::<Result<_>>()?;
        let timeline = events
            .iter()
            .filter(|e| e.incident_id == r.id)
            .map(|e| {
                Ok(TimelineEntry {
                    id: e.id,
                    kind: event_kind(&e.kind)?,
                    body: e.body.clone(),
                    author: PersonRef {
                        id: e.author_id,
                        name: e.author_name.clone(),
                        role: role(&e.author_role)?,
                    },
                    organization_id: e.organization_id,
                    at_ms: e.created_at,
                })
            })
            .collect::<Result<_>>()?;
        out.push(IncidentRecord {
            row: r.row()?,
            acknowledged_by,
            scope,
            tickets,
            timeline,
        });
    }
    Ok(out)
}

pub async fn ids(
    conn: &mut SqliteConnection,
    organization: Option<Uuid>,
    status: Option<IncidentStatus>,
    limit: i64,
) -> Result<Vec<Uuid>> {
    let status_filter = if status.is_some() {
        "i.status = ?2"
    } else {
        "?2 IS NULL"
    };
    let scope = if organization.is_none() {
        "?1 IS NULL"
    } else {
        "(i.ever_all = 1 OR EXISTS (SELECT 1 FROM incident_organizations io \
          WHERE io.incident_id = i.id AND io.organization_id = ?1))"
    };
    let sql = format!(
        "SELECT i.id FROM incidents i WHERE {scope} AND {status_filter} \
         ORDER BY i.started_at DESC, i.id DESC LIMIT ?3"
    );
    sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(organization)
        .bind(status.map(|s| s.as_str()))
        .bind(limit)
        .fetch_all(conn)
        .await
        .db()
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

pub async fn pages_by_ids(conn: &mut SqliteConnection, ids: &[Uuid]) -> Result<Vec<Page>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<PageRow> = fetch_in(
        conn,
        format!(
            "SELECT p.id, p.incident_id, p.ticket_id, t.number AS ticket_number, i.kind, \
             o.name AS organization_name, p.summary, p.round, p.all_agents, p.recipients, \
             p.created_at FROM pages p JOIN tickets t ON t.id = p.ticket_id \
             JOIN incidents i ON i.id = p.incident_id \
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
                kind: outage_kind(&r.kind)?,
                organization_name: r.organization_name,
                summary: r.summary,
                round: u32::try_from(r.round).unwrap_or(u32::MAX),
                all_agents: r.all_agents,
                recipients: serde_json::from_str(&r.recipients)
                    .map_err(|e| Error::internal(format!("page recipients: {e}")))?,
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
/// which signs automatic messages and is no person).
const DUTY_SELECT: &str = "SELECT u.id, u.name, u.role, COALESCE(d.on_duty, 0) AS on_duty, \
    COALESCE(d.since, u.created_at) AS since FROM users u LEFT JOIN duty d ON d.agent_id = u.id \
    WHERE u.role IN ('agent', 'admin') AND u.id <> X'00000000000000000000000000000001'";

fn duty_agent(r: DutyRow) -> Result<DutyAgent> {
    Ok(DutyAgent {
        agent: PersonRef {
            id: r.id,
            name: r.name,
            role: role(&r.role)?,
        },
        on_duty: r.on_duty,
        since: ts(r.since),
    })
}

/// Every agent with their roster state, on duty first, then by name.
pub async fn duty_roster(conn: &mut SqliteConnection) -> Result<Vec<DutyAgent>> {
    let rows: Vec<DutyRow> = sqlx::query_as(AssertSqlSafe(format!(
        "{DUTY_SELECT} ORDER BY on_duty DESC, u.name"
    )))
    .fetch_all(conn)
    .await
    .db()?;
    rows.into_iter().map(duty_agent).collect()
}

pub async fn duty_by_ids(conn: &mut SqliteConnection, ids: &[Uuid]) -> Result<Vec<DutyAgent>> {
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

pub async fn oldest_unanswered_page(conn: &mut SqliteConnection) -> Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MIN(last_paged_at) FROM incidents WHERE status = 'open' \
         AND acknowledged_at IS NULL AND last_paged_at IS NOT NULL",
    )
    .fetch_one(conn)
    .await
    .db()
}

type Statement<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds every column of an incident's row as `?1`…`?15`, in the order of the table.
fn bind_incident<'q>(q: Statement<'q>, r: &'q IncidentRow) -> Statement<'q> {
    q.bind(r.id)
        .bind(r.kind.as_str())
        .bind(&r.title)
        .bind(r.status.as_str())
        .bind(r.all_organizations)
        .bind(r.ever_all)
        .bind(r.started_at_ms)
        .bind(r.acknowledged_at_ms)
        .bind(r.acknowledged_by)
        .bind(r.resolved_at_ms)
        .bind(r.updated_at_ms)
        .bind(r.merged_into)
        .bind(r.created_by)
        .bind(r.last_paged_at_ms)
        .bind(r.page_round)
}

#[async_trait]
impl IncidentRows for WriteCtx {
    async fn incident_row(&mut self, id: Uuid) -> Result<Option<IncidentRow>> {
        let row: Option<Row> =
            sqlx::query_as(AssertSqlSafe(format!("{INCIDENT_SELECT} WHERE i.id = ?")))
                .bind(id)
                .fetch_optional(&mut self.conn)
                .await
                .db()?;
        row.map(|r| r.row()).transpose()
    }

    async fn incident_in_tx(&mut self, id: Uuid) -> Result<Option<IncidentRecord>> {
        Ok(records(&mut self.conn, &[id]).await?.pop())
    }

    async fn insert_incident(&mut self, r: &IncidentRow) -> Result<()> {
        let sql = "INSERT INTO incidents (id, kind, title, status, all_organizations, ever_all, \
             started_at, acknowledged_at, acknowledged_by, resolved_at, updated_at, merged_into, \
             created_by, last_paged_at, page_round) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
        bind_incident(sqlx::query(sql), r)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn write_incident(&mut self, r: &IncidentRow) -> Result<()> {
        let sql = "UPDATE incidents SET kind = ?2, title = ?3, status = ?4, \
             all_organizations = ?5, ever_all = ?6, started_at = ?7, acknowledged_at = ?8, \
             acknowledged_by = ?9, resolved_at = ?10, updated_at = ?11, merged_into = ?12, \
             created_by = ?13, last_paged_at = ?14, page_round = ?15 WHERE id = ?1";
        bind_incident(sqlx::query(sql), r)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn find_incident(
        &mut self,
        kind: OutageKind,
        organization_id: Uuid,
        which: IncidentLookup,
    ) -> Result<Option<Uuid>> {
        let affecting = "(i.all_organizations = 1 OR EXISTS (SELECT 1 FROM incident_organizations io \
            WHERE io.incident_id = i.id AND io.organization_id = ?2 AND io.in_scope = 1))";
        let (sql, since) = match which {
            IncidentLookup::Open => (
                format!(
                    "SELECT i.id FROM incidents i WHERE i.kind = ?1 AND i.status = 'open' \
                     AND {affecting} AND ?3 IS NULL ORDER BY i.started_at LIMIT 1"
                ),
                None,
            ),
            IncidentLookup::ResolvedSince(at) => (
                format!(
                    "SELECT i.id FROM incidents i WHERE i.kind = ?1 AND i.status = 'resolved' \
                     AND i.resolved_at >= ?3 AND {affecting} ORDER BY i.resolved_at DESC LIMIT 1"
                ),
                Some(at),
            ),
        };
        sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(kind.as_str())
            .bind(organization_id)
            .bind(since)
            .fetch_optional(&mut self.conn)
            .await
            .db()
    }

    async fn scope(&mut self, incident_id: Uuid) -> Result<Vec<(Uuid, bool)>> {
        sqlx::query_as(
            "SELECT organization_id, in_scope FROM incident_organizations WHERE incident_id = ?",
        )
        .bind(incident_id)
        .fetch_all(&mut self.conn)
        .await
        .db()
    }

    async fn add_to_scope(&mut self, incident_id: Uuid, organization_id: Uuid) -> Result<()> {
        sqlx::query(
            "INSERT INTO incident_organizations (incident_id, organization_id, in_scope) \
             VALUES (?, ?, 1) ON CONFLICT (incident_id, organization_id) DO UPDATE SET in_scope = 1",
        )
        .bind(incident_id)
        .bind(organization_id)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn clear_scope(&mut self, incident_id: Uuid) -> Result<()> {
        sqlx::query("UPDATE incident_organizations SET in_scope = 0 WHERE incident_id = ?")
            .bind(incident_id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn organization_exists(&mut self, id: Uuid) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM organizations WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut self.conn)
            .await
            .db()?;
        Ok(found.is_some())
    }

    async fn insert_event(&mut self, e: &EventInsert) -> Result<()> {
        sqlx::query(
            "INSERT INTO incident_events (id, incident_id, kind, body, author_id, organization_id, \
             ticket_id, joined, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(e.id)
        .bind(e.incident_id)
        .bind(event_kind_str(e.kind))
        .bind(&e.body)
        .bind(e.author_id)
        .bind(e.organization_id)
        .bind(e.ticket_id)
        .bind(e.joined)
        .bind(e.at_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn event_origin(&mut self, id: Uuid) -> Result<Option<(Uuid, IncidentEventKind)>> {
        let row: Option<(Uuid, String)> =
            sqlx::query_as("SELECT incident_id, kind FROM incident_events WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut self.conn)
                .await
                .db()?;
        row.map(|(i, k)| Ok((i, event_kind(&k)?))).transpose()
    }

    async fn report_origin(&mut self, id: Uuid) -> Result<Option<(Uuid, Option<Uuid>, bool)>> {
        let row: Option<(Uuid, Option<Uuid>, Option<bool>)> = sqlx::query_as(
            "SELECT t.requester_id, t.incident_id, (SELECT e.joined FROM incident_events e \
             WHERE e.ticket_id = t.id AND e.kind = 'reported' LIMIT 1) FROM tickets t WHERE t.id = ?",
        )
        .bind(id)
        .fetch_optional(&mut self.conn)
        .await
        .db()?;
        Ok(row.map(|(r, i, j)| (r, i, j.unwrap_or(false))))
    }

    async fn linked_tickets(&mut self, incident_id: Uuid) -> Result<Vec<LinkedTicket>> {
        let rows: Vec<LinkRow> = sqlx::query_as(
            "SELECT id, incident_id, organization_id, status, assignee_id FROM tickets \
             WHERE incident_id = ? ORDER BY number",
        )
        .bind(incident_id)
        .fetch_all(&mut self.conn)
        .await
        .db()?;
        rows.iter().map(LinkRow::linked).collect()
    }

    async fn move_reports(&mut self, from: Uuid, into: Uuid) -> Result<()> {
        sqlx::query("UPDATE tickets SET incident_id = ? WHERE incident_id = ?")
            .bind(into)
            .bind(from)
            .execute(&mut self.conn)
            .await
            .db()?;
        sqlx::query(
            "UPDATE incident_events SET incident_id = ? WHERE incident_id = ? AND kind = 'reported'",
        )
        .bind(into)
        .bind(from)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn on_duty_agents(&mut self) -> Result<Vec<Uuid>> {
        sqlx::query_scalar(
            "SELECT d.agent_id FROM duty d JOIN users u ON u.id = d.agent_id \
             WHERE d.on_duty = 1 AND u.role IN ('agent', 'admin') ORDER BY u.name",
        )
        .fetch_all(&mut self.conn)
        .await
        .db()
    }

    async fn insert_page(&mut self, p: &PageInsert) -> Result<()> {
        sqlx::query(
            "INSERT INTO pages (id, incident_id, ticket_id, round, all_agents, recipients, summary, \
             created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.id)
        .bind(p.incident_id)
        .bind(p.ticket_id)
        .bind(p.round)
        .bind(p.all_agents)
        .bind(serde_json::to_string(&p.recipients).map_err(Error::internal)?)
        .bind(&p.summary)
        .bind(p.at_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn last_paged_ticket(&mut self, incident_id: Uuid) -> Result<Option<Uuid>> {
        sqlx::query_scalar(
            "SELECT ticket_id FROM pages WHERE incident_id = ? \
             ORDER BY round DESC, created_at DESC LIMIT 1",
        )
        .bind(incident_id)
        .fetch_optional(&mut self.conn)
        .await
        .db()
    }

    async fn due_for_page(&mut self, before_ms: i64) -> Result<Vec<(Uuid, i64)>> {
        sqlx::query_as(
            "SELECT id, page_round FROM incidents WHERE status = 'open' \
             AND acknowledged_at IS NULL AND last_paged_at IS NOT NULL AND last_paged_at <= ? \
             ORDER BY last_paged_at",
        )
        .bind(before_ms)
        .fetch_all(&mut self.conn)
        .await
        .db()
    }

    async fn oldest_unanswered_page_in_tx(&mut self) -> Result<Option<i64>> {
        oldest_unanswered_page(&mut self.conn).await
    }

    async fn set_duty(&mut self, agent_id: Uuid, on_duty: bool, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO duty (agent_id, on_duty, since) VALUES (?1, ?2, ?3) \
             ON CONFLICT (agent_id) DO UPDATE SET since = CASE WHEN on_duty = excluded.on_duty \
             THEN since ELSE excluded.since END, on_duty = excluded.on_duty",
        )
        .bind(agent_id)
        .bind(on_duty)
        .bind(now_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn duty_of(&mut self, agent_id: Uuid) -> Result<Option<DutyAgent>> {
        Ok(duty_by_ids(&mut self.conn, &[agent_id]).await?.pop())
    }
}
