//! Outages in SQLite, the write jobs (run by the group-commit writer): reports that open, join
//! or reopen incidents; pages and re-pages; acknowledgement, updates, resolution, scope and
//! merges; the duty roster. Each job moves what it changed to the head of the change log for
//! exactly the people it concerns (see [`super::incidents`] for the rows' shape).

use std::collections::HashSet;

use desk_domain::{
    DutyAgent, Incident, IncidentEventKind, OutageKind, OutageReport, UpdateIncident,
};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::incidents::{
    KIND_DUTY, KIND_INCIDENT, KIND_PAGE, default_title, duty_by_ids, event_kind_str, incident,
    incident_not_found, next_page_due,
};
use super::tickets::{self, KIND_MESSAGE, KIND_TICKET, record_change};
use super::writer::WriteCtx;
use crate::error::ApiError;
use crate::rules::{self, Viewer};
use crate::store::{Created, NewIncident, NewOutage, NewTicket, RepageOutcome, StoreResult};

/// A resolved incident that gets a new report of its kind within this long opens again.
const REOPEN_WITHIN_MS: i64 = 60 * 60 * 1000;
/// Characters of the report a page carries for the notification's text.
const SUMMARY_CHARS: usize = 140;
/// The report ticket's subject, in the reporter's language.
fn report_subject(kind: OutageKind, locale: &str) -> &'static str {
    if locale.starts_with("en") {
        match kind {
            OutageKind::Program => "The dispatch program is down",
            OutageKind::Telephony => "Telephony is down",
            OutageKind::DriverApp => "Drivers do not get orders",
            OutageKind::Other => "Critical failure",
        }
    } else {
        default_title(kind)
    }
}

/// 32-byte change-log id of an incident's row for one organisation.
fn org_entity(id: Uuid, org: Uuid) -> Vec<u8> {
    let mut b = id.as_bytes().to_vec();
    b.extend_from_slice(org.as_bytes());
    b
}

fn not_open(status: &str) -> ApiError {
    let (uk, en) = match status {
        "merged" => (
            "Цей інцидент об'єднано з іншим. Працюйте з тим, куди його об'єднано.",
            "This incident was merged into another. Work on that one.",
        ),
        _ => (
            "Цей інцидент уже вирішено.",
            "This incident is already resolved.",
        ),
    };
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        desk_domain::ErrorCode::InvalidTransition,
        uk,
        en,
    )
}

// ---------------------------------------------------------------- write helpers

/// Marks the incident changed at `now` and moves it to the head of the change log for everyone
/// it concerns.
async fn touch(ctx: &mut WriteCtx, id: Uuid, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE incidents SET updated_at = ? WHERE id = ?")
        .bind(now)
        .bind(id)
        .execute(&mut ctx.conn)
        .await?;
    let (all, ever_all): (bool, bool) =
        sqlx::query_as("SELECT all_organizations, ever_all FROM incidents WHERE id = ?")
            .bind(id)
            .fetch_one(&mut ctx.conn)
            .await?;
    if ever_all {
        record_change(ctx, KIND_INCIDENT, id.as_bytes(), None, false).await?;
    }
    if !all {
        let orgs: Vec<Uuid> = sqlx::query_scalar(
            "SELECT organization_id FROM incident_organizations WHERE incident_id = ?",
        )
        .bind(id)
        .fetch_all(&mut ctx.conn)
        .await?;
        for org in orgs {
            record_change(ctx, KIND_INCIDENT, &org_entity(id, org), Some(org), false).await?;
        }
    }
    Ok(())
}

/// Moves every ticket linked to the incident to the head of the change log, so clients pull
/// them with their current link and status.
async fn touch_tickets(ctx: &mut WriteCtx, incident_id: Uuid) -> StoreResult<()> {
    let links: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT id, organization_id FROM tickets WHERE incident_id = ?")
            .bind(incident_id)
            .fetch_all(&mut ctx.conn)
            .await?;
    for (id, org) in links {
        record_change(ctx, KIND_TICKET, id.as_bytes(), Some(org), false).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn add_event(
    ctx: &mut WriteCtx,
    id: Uuid,
    incident_id: Uuid,
    kind: IncidentEventKind,
    body: &str,
    author: Uuid,
    organization_id: Option<Uuid>,
    ticket_id: Option<Uuid>,
    joined: bool,
    at: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO incident_events (id, incident_id, kind, body, author_id, organization_id, \
         ticket_id, joined, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(incident_id)
    .bind(event_kind_str(kind))
    .bind(body)
    .bind(author)
    .bind(organization_id)
    .bind(ticket_id)
    .bind(joined)
    .bind(at)
    .execute(&mut ctx.conn)
    .await?;
    Ok(())
}

/// Keeps `org` in the incident's scope.
async fn add_to_scope(ctx: &mut WriteCtx, incident_id: Uuid, org: Uuid) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO incident_organizations (incident_id, organization_id, in_scope) VALUES (?, ?, 1) \
         ON CONFLICT (incident_id, organization_id) DO UPDATE SET in_scope = 1",
    )
    .bind(incident_id)
    .bind(org)
    .execute(&mut ctx.conn)
    .await?;
    Ok(())
}

/// Pages for `ticket_id`'s incident: round 1 to the agents on duty (everyone when nobody is),
/// later rounds to every agent.
async fn page(
    ctx: &mut WriteCtx,
    incident_id: Uuid,
    ticket_id: Uuid,
    round: i64,
    at: i64,
) -> StoreResult<()> {
    let recipients: Vec<Uuid> = if round <= 1 {
        sqlx::query_scalar(
            "SELECT d.agent_id FROM duty d JOIN users u ON u.id = d.agent_id \
             WHERE d.on_duty = 1 AND u.role IN ('agent', 'admin') ORDER BY u.name",
        )
        .fetch_all(&mut ctx.conn)
        .await?
    } else {
        Vec::new()
    };
    let all_agents = recipients.is_empty();
    let first: Option<String> = sqlx::query_scalar(
        "SELECT body FROM messages WHERE ticket_id = ? AND internal = 0 ORDER BY created_at, id LIMIT 1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut ctx.conn)
    .await?;
    let first = first.unwrap_or_default();
    let mut summary: String = first.chars().take(SUMMARY_CHARS).collect();
    if first.chars().count() > SUMMARY_CHARS {
        summary.push('…');
    }
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO pages (id, incident_id, ticket_id, round, all_agents, recipients, summary, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(incident_id)
    .bind(ticket_id)
    .bind(round)
    .bind(all_agents)
    .bind(serde_json::to_string(&recipients).map_err(ApiError::internal)?)
    .bind(&summary)
    .bind(at)
    .execute(&mut ctx.conn)
    .await?;
    sqlx::query("UPDATE incidents SET last_paged_at = ?, page_round = ? WHERE id = ?")
        .bind(at)
        .bind(round)
        .bind(incident_id)
        .execute(&mut ctx.conn)
        .await?;
    record_change(ctx, KIND_PAGE, id.as_bytes(), None, true).await
}

#[derive(sqlx::FromRow)]
struct State {
    status: String,
    all_organizations: bool,
    ever_all: bool,
    started_at: i64,
    acknowledged_at: Option<i64>,
    acknowledged_by: Option<Uuid>,
    merged_into: Option<Uuid>,
}

async fn state(ctx: &mut WriteCtx, id: Uuid) -> StoreResult<State> {
    sqlx::query_as(
        "SELECT status, all_organizations, ever_all, started_at, acknowledged_at, acknowledged_by, \
         merged_into FROM incidents WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut ctx.conn)
    .await?
    .ok_or_else(incident_not_found)
}

async fn current(ctx: &mut WriteCtx, v: &Viewer, id: Uuid) -> StoreResult<Incident> {
    incident(&mut ctx.conn, v, id)
        .await?
        .ok_or_else(incident_not_found)
}

fn require_staff(v: &Viewer) -> StoreResult<()> {
    if v.is_staff() {
        Ok(())
    } else {
        Err(ApiError::staff_only())
    }
}

fn title(raw: &str, kind: OutageKind) -> StoreResult<String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(default_title(kind).to_owned());
    }
    if t.chars().count() > desk_domain::limits::SUBJECT_MAX_CHARS {
        return Err(ApiError::validation(
            format!(
                "Назва інциденту задовга: щонайбільше {} символів.",
                desk_domain::limits::SUBJECT_MAX_CHARS
            ),
            format!(
                "The incident title is too long: at most {} characters.",
                desk_domain::limits::SUBJECT_MAX_CHARS
            ),
        ));
    }
    Ok(t.to_owned())
}

async fn check_orgs(ctx: &mut WriteCtx, orgs: &[Uuid]) -> StoreResult<()> {
    for org in orgs {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM organizations WHERE id = ?")
            .bind(*org)
            .fetch_optional(&mut ctx.conn)
            .await?;
        if found.is_none() {
            return Err(ApiError::not_found("Організацію", "Organization"));
        }
    }
    Ok(())
}

fn empty_scope() -> ApiError {
    ApiError::validation(
        "Вкажіть, кого стосується інцидент: усі організації або хоча б одну.",
        "Say whom the incident affects: every organization or at least one.",
    )
}

// ---------------------------------------------------------------- write jobs

pub async fn report_outage(
    ctx: &mut WriteCtx,
    v: Viewer,
    r: NewOutage,
) -> StoreResult<(OutageReport, Created)> {
    let existing: Option<(Uuid, Option<Uuid>)> =
        sqlx::query_as("SELECT requester_id, incident_id FROM tickets WHERE id = ?")
            .bind(r.id)
            .fetch_optional(&mut ctx.conn)
            .await?;
    if let Some((requester, incident_id)) = existing {
        let Some(incident_id) = incident_id.filter(|_| requester == v.user_id) else {
            return Err(ApiError::id_conflict());
        };
        let joined: Option<bool> = sqlx::query_scalar(
            "SELECT joined FROM incident_events WHERE ticket_id = ? AND kind = 'reported' LIMIT 1",
        )
        .bind(r.id)
        .fetch_optional(&mut ctx.conn)
        .await?;
        let ticket = tickets::ticket(&mut ctx.conn, &v, r.id)
            .await?
            .ok_or_else(ApiError::id_conflict)?;
        let incident = current(ctx, &v, incident_id).await?;
        let report = OutageReport {
            ticket,
            incident,
            already_known: joined.unwrap_or(false),
        };
        return Ok((report, Created::Existing));
    }
    let now = r.created_at_ms.unwrap_or_else(|| ctx.now_ms());
    let org = r.organization_id;
    let kind = r.kind.as_str();
    let affecting = "(i.all_organizations = 1 OR EXISTS (SELECT 1 FROM incident_organizations io \
        WHERE io.incident_id = i.id AND io.organization_id = ?2 AND io.in_scope = 1))";
    let open: Option<Uuid> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT i.id FROM incidents i WHERE i.kind = ?1 AND i.status = 'open' AND {affecting} \
         ORDER BY i.started_at LIMIT 1"
    )))
    .bind(kind)
    .bind(org)
    .fetch_optional(&mut ctx.conn)
    .await?;
    let recent: Option<Uuid> = if open.is_some() {
        None
    } else {
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT i.id FROM incidents i WHERE i.kind = ?1 AND i.status = 'resolved' \
             AND i.resolved_at >= ?3 AND {affecting} ORDER BY i.resolved_at DESC LIMIT 1"
        )))
        .bind(kind)
        .bind(org)
        .bind(now - REOPEN_WITHIN_MS)
        .fetch_optional(&mut ctx.conn)
        .await?
    };

    let locale: String = sqlx::query_scalar("SELECT locale FROM users WHERE id = ?")
        .bind(v.user_id)
        .fetch_optional(&mut ctx.conn)
        .await?
        .unwrap_or_default();
    let new_ticket = NewTicket {
        id: r.id,
        topic_id: r.kind.topic_id().to_owned(),
        subject: report_subject(r.kind, &locale).to_owned(),
        body: r.description,
        attachment_ids: r.attachment_ids,
        organization_id: org,
        channel: r.channel,
        created_at_ms: Some(now),
    };
    tickets::create_ticket(ctx, v, new_ticket).await?;

    let (incident_id, joined, page_round) = match (open, recent) {
        (Some(id), _) => (id, true, None),
        (None, Some(id)) => {
            sqlx::query(
                "UPDATE incidents SET status = 'open', resolved_at = NULL, acknowledged_at = NULL, \
                 acknowledged_by = NULL, updated_at = ? WHERE id = ?",
            )
            .bind(now)
            .bind(id)
            .execute(&mut ctx.conn)
            .await?;
            // The reporter's organisation only: other taxi services never see who reported.
            add_event(
                ctx,
                Uuid::now_v7(),
                id,
                IncidentEventKind::Reopened,
                "",
                v.user_id,
                Some(org),
                None,
                false,
                now,
            )
            .await?;
            (id, false, Some(1))
        }
        (None, None) => {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO incidents (id, kind, title, status, all_organizations, ever_all, \
                 started_at, updated_at, created_by) VALUES (?1, ?2, ?3, 'open', 0, 0, ?4, ?4, ?5)",
            )
            .bind(id)
            .bind(kind)
            .bind(default_title(r.kind))
            .bind(now)
            .bind(v.user_id)
            .execute(&mut ctx.conn)
            .await?;
            (id, false, Some(1))
        }
    };
    add_to_scope(ctx, incident_id, org).await?;
    // An outage is urgent whatever its topic (`other` included).
    sqlx::query("UPDATE tickets SET urgent = 1, incident_id = ? WHERE id = ?")
        .bind(incident_id)
        .bind(r.id)
        .execute(&mut ctx.conn)
        .await?;
    add_event(
        ctx,
        Uuid::now_v7(),
        incident_id,
        IncidentEventKind::Reported,
        "",
        v.user_id,
        Some(org),
        Some(r.id),
        joined,
        now,
    )
    .await?;
    if let (Some(round), true) = (page_round, r.page) {
        page(ctx, incident_id, r.id, round, now).await?;
    }
    if joined {
        record_change(ctx, KIND_TICKET, r.id.as_bytes(), Some(org), false).await?;
    } else {
        // A new or reopened incident: its earlier reports show the link's state again too.
        touch_tickets(ctx, incident_id).await?;
    }
    touch(ctx, incident_id, now).await?;
    let ticket = tickets::ticket(&mut ctx.conn, &v, r.id)
        .await?
        .ok_or_else(|| ApiError::internal("report vanished inside its own transaction"))?;
    let incident = current(ctx, &v, incident_id).await?;
    Ok((
        OutageReport {
            ticket,
            incident,
            already_known: joined,
        },
        Created::New,
    ))
}

pub async fn create_incident(
    ctx: &mut WriteCtx,
    v: Viewer,
    c: NewIncident,
) -> StoreResult<(Incident, Created)> {
    require_staff(&v)?;
    let existing: Option<Uuid> =
        sqlx::query_scalar("SELECT created_by FROM incidents WHERE id = ?")
            .bind(c.id)
            .fetch_optional(&mut ctx.conn)
            .await?;
    if let Some(creator) = existing {
        if creator != v.user_id {
            return Err(ApiError::id_conflict());
        }
        return Ok((current(ctx, &v, c.id).await?, Created::Existing));
    }
    let title = title(&c.title, c.kind)?;
    let body = rules::body(&c.body)?;
    let mut orgs = c.organization_ids.clone();
    orgs.sort();
    orgs.dedup();
    if !c.all_organizations && orgs.is_empty() {
        return Err(empty_scope());
    }
    check_orgs(ctx, &orgs).await?;
    let now = c.created_at_ms.unwrap_or_else(|| ctx.now_ms());
    // Announced by an agent: known and being handled, so nobody is paged for it.
    sqlx::query(
        "INSERT INTO incidents (id, kind, title, status, all_organizations, ever_all, started_at, \
         acknowledged_at, acknowledged_by, updated_at, created_by) \
         VALUES (?1, ?2, ?3, 'open', ?4, ?4, ?5, ?5, ?6, ?5, ?6)",
    )
    .bind(c.id)
    .bind(c.kind.as_str())
    .bind(&title)
    .bind(c.all_organizations)
    .bind(now)
    .bind(v.user_id)
    .execute(&mut ctx.conn)
    .await?;
    for org in &orgs {
        add_to_scope(ctx, c.id, *org).await?;
    }
    add_event(
        ctx,
        Uuid::now_v7(),
        c.id,
        IncidentEventKind::Update,
        &body,
        v.user_id,
        None,
        None,
        false,
        now,
    )
    .await?;
    touch(ctx, c.id, now).await?;
    Ok((current(ctx, &v, c.id).await?, Created::New))
}

pub async fn acknowledge(
    ctx: &mut WriteCtx,
    v: Viewer,
    id: Uuid,
    at_ms: Option<i64>,
) -> StoreResult<Incident> {
    require_staff(&v)?;
    let st = state(ctx, id).await?;
    if st.acknowledged_at.is_some() && st.status != "merged" {
        // Someone already has it: answer as it is (a repeat, or a second agent's tap).
        return current(ctx, &v, id).await;
    }
    if st.status != "open" {
        return Err(not_open(&st.status));
    }
    let now = at_ms.unwrap_or_else(|| ctx.now_ms());
    sqlx::query(
        "UPDATE incidents SET acknowledged_at = ?1, acknowledged_by = ?2, updated_at = ?1 WHERE id = ?3",
    )
    .bind(now)
    .bind(v.user_id)
    .bind(id)
    .execute(&mut ctx.conn)
    .await?;
    add_event(
        ctx,
        Uuid::now_v7(),
        id,
        IncidentEventKind::Acknowledged,
        "",
        v.user_id,
        None,
        None,
        false,
        now,
    )
    .await?;
    // The acknowledging agent takes the reports nobody has taken yet.
    let taken: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE tickets SET assignee_id = ?1, status = 'in_progress', updated_at = ?2 \
         WHERE incident_id = ?3 AND status = 'new' AND assignee_id IS NULL \
         RETURNING id, organization_id",
    )
    .bind(v.user_id)
    .bind(now)
    .bind(id)
    .fetch_all(&mut ctx.conn)
    .await?;
    for (ticket, org) in taken {
        record_change(ctx, KIND_TICKET, ticket.as_bytes(), Some(org), false).await?;
    }
    touch(ctx, id, now).await?;
    current(ctx, &v, id).await
}

pub async fn post_update(
    ctx: &mut WriteCtx,
    v: Viewer,
    id: Uuid,
    event_id: Uuid,
    body: String,
    resolve: bool,
    at_ms: Option<i64>,
) -> StoreResult<Incident> {
    require_staff(&v)?;
    let kind = if resolve {
        IncidentEventKind::Resolved
    } else {
        IncidentEventKind::Update
    };
    let existing: Option<(Uuid, String)> =
        sqlx::query_as("SELECT incident_id, kind FROM incident_events WHERE id = ?")
            .bind(event_id)
            .fetch_optional(&mut ctx.conn)
            .await?;
    if let Some((incident_id, k)) = existing {
        if incident_id != id || k != event_kind_str(kind) {
            return Err(ApiError::id_conflict());
        }
        return current(ctx, &v, id).await;
    }
    let st = state(ctx, id).await?;
    if st.status == "merged" || (resolve && st.status != "open") {
        return Err(not_open(&st.status));
    }
    let now = at_ms.unwrap_or_else(|| ctx.now_ms());
    add_event(
        ctx, event_id, id, kind, &body, v.user_id, None, None, false, now,
    )
    .await?;
    if resolve {
        sqlx::query(
            "UPDATE incidents SET status = 'resolved', resolved_at = ?1, updated_at = ?1 WHERE id = ?2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut ctx.conn)
        .await?;
        // The change log gets the incident first, then its reports, then the resolution
        // messages: a client whose pull splits them across pages has the incident resolved
        // before it sees a report resolved or the message, and raises the one notification
        // for the incident instead of one per report (desk-client notify.rs).
        touch(ctx, id, now).await?;
        let open: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT id, organization_id FROM tickets WHERE incident_id = ? \
             AND status IN ('new', 'in_progress', 'waiting_for_customer') ORDER BY number",
        )
        .bind(id)
        .fetch_all(&mut ctx.conn)
        .await?;
        let mut messages = Vec::with_capacity(open.len());
        for (ticket, org) in open {
            let message = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO messages (id, ticket_id, author_id, body, internal, channel, created_at) \
                 VALUES (?, ?, ?, ?, 0, 'app', ?)",
            )
            .bind(message)
            .bind(ticket)
            .bind(v.user_id)
            .bind(&body)
            .bind(now)
            .execute(&mut ctx.conn)
            .await?;
            sqlx::query(
                "UPDATE tickets SET status = 'resolved', resolved_at = ?1, updated_at = ?1, \
                 last_message_at = ?1, message_count = message_count + 1 WHERE id = ?2",
            )
            .bind(now)
            .bind(ticket)
            .execute(&mut ctx.conn)
            .await?;
            super::waiting::status_written(ctx, ticket, now).await?;
            messages.push((message, org));
        }
        touch_tickets(ctx, id).await?;
        for (message, org) in messages {
            record_change(ctx, KIND_MESSAGE, message.as_bytes(), Some(org), false).await?;
        }
    } else {
        touch(ctx, id, now).await?;
    }
    current(ctx, &v, id).await
}

pub async fn update(
    ctx: &mut WriteCtx,
    v: Viewer,
    id: Uuid,
    u: UpdateIncident,
) -> StoreResult<Incident> {
    require_staff(&v)?;
    let st = state(ctx, id).await?;
    if st.status == "merged" {
        return Err(not_open(&st.status));
    }
    let kind: String = sqlx::query_scalar("SELECT kind FROM incidents WHERE id = ?")
        .bind(id)
        .fetch_one(&mut ctx.conn)
        .await?;
    let kind = OutageKind::parse(&kind).unwrap_or(OutageKind::Other);
    let new_title = match &u.title {
        Some(t) if t.trim().is_empty() => {
            return Err(ApiError::validation(
                "Назва інциденту порожня. Напишіть, що не працює.",
                "The incident title is empty. Say what is down.",
            ));
        }
        Some(t) => Some(title(t, kind)?),
        None => None,
    };
    let all = u.all_organizations.unwrap_or(st.all_organizations);
    if let Some(orgs) = &u.organization_ids {
        check_orgs(ctx, orgs).await?;
        // The organisations of linked reports always stay in scope.
        let reporting: Vec<Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT organization_id FROM tickets WHERE incident_id = ?",
        )
        .bind(id)
        .fetch_all(&mut ctx.conn)
        .await?;
        let keep: HashSet<Uuid> = orgs.iter().chain(reporting.iter()).copied().collect();
        sqlx::query("UPDATE incident_organizations SET in_scope = 0 WHERE incident_id = ?")
            .bind(id)
            .execute(&mut ctx.conn)
            .await?;
        for org in keep {
            add_to_scope(ctx, id, org).await?;
        }
    }
    let in_scope: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM incident_organizations WHERE incident_id = ? AND in_scope = 1",
    )
    .bind(id)
    .fetch_one(&mut ctx.conn)
    .await?;
    if !all && in_scope == 0 {
        return Err(empty_scope());
    }
    let now = ctx.now_ms();
    sqlx::query(
        "UPDATE incidents SET title = COALESCE(?1, title), all_organizations = ?2, \
         ever_all = ?3, updated_at = ?4 WHERE id = ?5",
    )
    .bind(new_title)
    .bind(all)
    .bind(st.ever_all || all)
    .bind(now)
    .bind(id)
    .execute(&mut ctx.conn)
    .await?;
    touch(ctx, id, now).await?;
    current(ctx, &v, id).await
}

pub async fn merge(ctx: &mut WriteCtx, v: Viewer, into: Uuid, from: Uuid) -> StoreResult<Incident> {
    require_staff(&v)?;
    if into == from {
        return Err(ApiError::validation(
            "Інцидент не можна об'єднати із самим собою.",
            "An incident cannot be merged into itself.",
        ));
    }
    let target = state(ctx, into).await?;
    let source = state(ctx, from).await?;
    if source.merged_into == Some(into) {
        return current(ctx, &v, into).await;
    }
    if target.status != "open" {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            desk_domain::ErrorCode::InvalidTransition,
            "Об'єднувати можна лише у відкритий інцидент.",
            "Incidents can only be merged into an open one.",
        ));
    }
    if source.status == "merged" {
        return Err(not_open(&source.status));
    }
    let now = ctx.now_ms();
    sqlx::query("UPDATE tickets SET incident_id = ? WHERE incident_id = ?")
        .bind(into)
        .bind(from)
        .execute(&mut ctx.conn)
        .await?;
    sqlx::query(
        "UPDATE incident_events SET incident_id = ? WHERE incident_id = ? AND kind = 'reported'",
    )
    .bind(into)
    .bind(from)
    .execute(&mut ctx.conn)
    .await?;
    let source_orgs: Vec<Uuid> = sqlx::query_scalar(
        "SELECT organization_id FROM incident_organizations WHERE incident_id = ? AND in_scope = 1",
    )
    .bind(from)
    .fetch_all(&mut ctx.conn)
    .await?;
    for org in source_orgs {
        add_to_scope(ctx, into, org).await?;
    }
    let all = target.all_organizations || source.all_organizations;
    let (ack_at, ack_by) = match (target.acknowledged_at, source.acknowledged_at) {
        (None, Some(at)) => (Some(at), source.acknowledged_by),
        _ => (target.acknowledged_at, target.acknowledged_by),
    };
    sqlx::query(
        "UPDATE incidents SET all_organizations = ?1, ever_all = ?2, started_at = ?3, \
         acknowledged_at = ?4, acknowledged_by = ?5, updated_at = ?6 WHERE id = ?7",
    )
    .bind(all)
    .bind(all || target.ever_all || source.ever_all)
    .bind(target.started_at.min(source.started_at))
    .bind(ack_at)
    .bind(ack_by)
    .bind(now)
    .bind(into)
    .execute(&mut ctx.conn)
    .await?;
    sqlx::query(
        "UPDATE incidents SET status = 'merged', merged_into = ?1, updated_at = ?2 WHERE id = ?3",
    )
    .bind(into)
    .bind(now)
    .bind(from)
    .execute(&mut ctx.conn)
    .await?;
    touch_tickets(ctx, into).await?;
    touch(ctx, from, now).await?;
    touch(ctx, into, now).await?;
    current(ctx, &v, into).await
}

/// Re-pages every due incident (checked again here, inside the write, so an acknowledgement
/// that just landed stops it).
pub async fn repage_due(ctx: &mut WriteCtx, repage_ms: i64) -> StoreResult<RepageOutcome> {
    let now = ctx.now_ms();
    let due: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT id, page_round FROM incidents WHERE status = 'open' AND acknowledged_at IS NULL \
         AND last_paged_at IS NOT NULL AND last_paged_at <= ? ORDER BY last_paged_at",
    )
    .bind(now - repage_ms)
    .fetch_all(&mut ctx.conn)
    .await?;
    let mut paged = 0;
    for (id, round) in due {
        let ticket: Option<Uuid> = sqlx::query_scalar(
            "SELECT ticket_id FROM pages WHERE incident_id = ? ORDER BY round DESC, created_at DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&mut ctx.conn)
        .await?;
        // After a merge the report may live in another incident now; page with the oldest
        // report still linked here.
        let ticket = match ticket {
            Some(t) => Some(t),
            None => {
                sqlx::query_scalar(
                    "SELECT id FROM tickets WHERE incident_id = ? ORDER BY number LIMIT 1",
                )
                .bind(id)
                .fetch_optional(&mut ctx.conn)
                .await?
            }
        };
        let Some(ticket) = ticket else { continue };
        page(ctx, id, ticket, round + 1, now).await?;
        paged += 1;
    }
    let next_due_ms = next_page_due(&mut ctx.conn, repage_ms).await?;
    Ok(RepageOutcome { paged, next_due_ms })
}

pub async fn set_duty(ctx: &mut WriteCtx, v: Viewer, on_duty: bool) -> StoreResult<DutyAgent> {
    require_staff(&v)?;
    let now = ctx.now_ms();
    // `since` moves only when the state changes.
    sqlx::query(
        "INSERT INTO duty (agent_id, on_duty, since) VALUES (?1, ?2, ?3) \
         ON CONFLICT (agent_id) DO UPDATE SET since = CASE WHEN on_duty = excluded.on_duty \
         THEN since ELSE excluded.since END, on_duty = excluded.on_duty",
    )
    .bind(v.user_id)
    .bind(on_duty)
    .bind(now)
    .execute(&mut ctx.conn)
    .await?;
    record_change(ctx, KIND_DUTY, v.user_id.as_bytes(), None, true).await?;
    duty_by_ids(&mut ctx.conn, &[v.user_id])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("duty row vanished inside its own transaction"))
}
