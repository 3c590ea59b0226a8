//! Tickets, messages and attachments in SQLite: the write jobs (run by the group-commit writer)
//! and the scoped reads.

use std::collections::HashMap;

use desk_domain::{
    Attachment, Message, Ticket, TicketFilter, TicketPage, TicketStatus, UpdateTicket, limits,
};
use sqlx::{AssertSqlSafe, SqliteConnection};
use uuid::Uuid;

use super::rows::{
    ATTACHMENT_COLUMNS, AttachmentRow, MESSAGE_SELECT, MessageRow, TICKET_SELECT, TicketRow,
    for_viewer, placeholders,
};
use super::writer::WriteCtx;
use crate::error::ApiError;
use crate::rules::{self, Viewer};
use crate::store::{ChangeNote, Created, NewMessage, NewTicket, StoreResult};

pub const KIND_TICKET: &str = "ticket";
pub const KIND_MESSAGE: &str = "message";
pub const KIND_TOPIC: &str = "topic";

/// Moves an entity to the head of the change log and remembers whom to poke after commit.
pub async fn record_change(
    ctx: &mut WriteCtx,
    kind: &'static str,
    entity_id: &[u8],
    organization_id: Option<Uuid>,
    staff_only: bool,
) -> StoreResult<()> {
    let seq = sqlx::query(
        "INSERT OR REPLACE INTO changes (kind, entity_id, organization_id, staff_only) VALUES (?, ?, ?, ?)",
    )
    .bind(kind)
    .bind(entity_id)
    .bind(organization_id)
    .bind(staff_only)
    .execute(&mut ctx.conn)
    .await?
    .last_insert_rowid();
    ctx.notes.push(ChangeNote {
        seq,
        organization_id,
        staff_only,
    });
    Ok(())
}

/// The ticket as `v` may see it, or `None` (absent, or another organisation's).
pub async fn ticket(
    conn: &mut SqliteConnection,
    v: &Viewer,
    id: Uuid,
) -> StoreResult<Option<Ticket>> {
    let sql = format!("{TICKET_SELECT} WHERE t.id = ?");
    let row: Option<TicketRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) if v.sees_org(r.organization_id) => Ok(Some(for_viewer(r.into_ticket()?, v))),
        _ => Ok(None),
    }
}

pub async fn tickets_by_ids(conn: &mut SqliteConnection, ids: &[Uuid]) -> StoreResult<Vec<Ticket>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{TICKET_SELECT} WHERE t.id IN ({})",
        placeholders(ids.len())
    );
    let mut q = sqlx::query_as::<_, TicketRow>(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(conn)
        .await?
        .into_iter()
        .map(TicketRow::into_ticket)
        .collect()
}

/// Attachments of the given messages, grouped by message.
async fn attachments_of(
    conn: &mut SqliteConnection,
    message_ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<Attachment>>> {
    let mut out: HashMap<Uuid, Vec<Attachment>> = HashMap::new();
    if message_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE message_id IN ({}) ORDER BY created_at, id",
        placeholders(message_ids.len())
    );
    let mut q = sqlx::query_as::<_, AttachmentRow>(AssertSqlSafe(sql));
    for id in message_ids {
        q = q.bind(*id);
    }
    for row in q.fetch_all(conn).await? {
        if let Some(mid) = row.message_id {
            out.entry(mid).or_default().push(row.into());
        }
    }
    Ok(out)
}

async fn with_attachments(
    conn: &mut SqliteConnection,
    rows: Vec<MessageRow>,
) -> StoreResult<Vec<Message>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut files = attachments_of(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let a = files.remove(&r.id).unwrap_or_default();
            r.into_message(a)
        })
        .collect()
}

pub async fn messages_by_ids(
    conn: &mut SqliteConnection,
    ids: &[Uuid],
) -> StoreResult<Vec<Message>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{MESSAGE_SELECT} WHERE m.id IN ({})",
        placeholders(ids.len())
    );
    let mut q = sqlx::query_as::<_, MessageRow>(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    with_attachments(conn, rows).await
}

/// The conversation as `v` may see it; `None` if the ticket is not visible.
pub async fn messages(
    conn: &mut SqliteConnection,
    v: &Viewer,
    ticket_id: Uuid,
) -> StoreResult<Option<Vec<Message>>> {
    let org: Option<Uuid> = sqlx::query_scalar("SELECT organization_id FROM tickets WHERE id = ?")
        .bind(ticket_id)
        .fetch_optional(&mut *conn)
        .await?;
    match org {
        Some(org) if v.sees_org(org) => {}
        _ => return Ok(None),
    }
    let sql = if v.is_staff() {
        format!("{MESSAGE_SELECT} WHERE m.ticket_id = ? ORDER BY m.created_at, m.id")
    } else {
        format!(
            "{MESSAGE_SELECT} WHERE m.ticket_id = ? AND m.internal = 0 ORDER BY m.created_at, m.id"
        )
    };
    let rows: Vec<MessageRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ticket_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Some(with_attachments(conn, rows).await?))
}

pub async fn list(
    conn: &mut SqliteConnection,
    v: &Viewer,
    f: &TicketFilter,
) -> StoreResult<TicketPage> {
    enum Arg {
        Id(Uuid),
        Int(i64),
        Text(String),
    }
    let mut filters = String::from("1 = 1");
    let mut args: Vec<Arg> = Vec::new();
    if v.is_staff() {
        if let Some(org) = f.organization_id {
            filters.push_str(" AND t.organization_id = ?");
            args.push(Arg::Id(org));
        }
    } else {
        let Some(org) = v.organization_id else {
            return Ok(TicketPage {
                items: Vec::new(),
                next: None,
            });
        };
        filters.push_str(" AND t.organization_id = ?");
        args.push(Arg::Id(org));
    }
    let statuses: Vec<TicketStatus> = match f.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => Vec::new(),
        Some("open") => vec![
            TicketStatus::New,
            TicketStatus::InProgress,
            TicketStatus::WaitingForCustomer,
        ],
        Some("resolved") | Some("done") => vec![TicketStatus::Resolved, TicketStatus::Closed],
        Some(s) => vec![TicketStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown status filter `{s}` (use open, resolved, all or a status)"
            ))
        })?],
    };
    if let Some(topic) = f.topic_id.as_deref().filter(|t| !t.is_empty()) {
        filters.push_str(" AND t.topic_id = ?");
        args.push(Arg::Text(topic.to_owned()));
    }
    if let Some(a) = f.assignee_id {
        filters.push_str(" AND t.assignee_id = ?");
        args.push(Arg::Id(a));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if let Ok(n) = q.trim_start_matches('#').parse::<i64>() {
            filters.push_str(" AND (t.number = ? OR t.subject_fold LIKE ? ESCAPE '\\')");
            args.push(Arg::Int(n));
        } else {
            filters.push_str(" AND t.subject_fold LIKE ? ESCAPE '\\'");
        }
        let escaped = rules::fold(q)
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(Arg::Text(format!("%{escaped}%")));
    }
    if let Some(before) = f.before {
        filters.push_str(" AND t.number < ?");
        args.push(Arg::Int(before));
    }
    let limit = f.limit.unwrap_or(50).clamp(1, limits::TICKETS_PAGE_MAX);
    let fetch = i64::from(limit) + 1;

    // One branch per status, each walking a (…, status, number) index newest first and stopping
    // at the page size; the branches are merged. The cost stays that of one page however many
    // tickets are stored and however the statuses are distributed.
    let branch = |status: Option<&str>| match status {
        Some(_) => format!(
            "SELECT * FROM ({TICKET_SELECT} WHERE {filters} AND t.status = ? ORDER BY t.number DESC LIMIT ?)"
        ),
        None => format!(
            "SELECT * FROM ({TICKET_SELECT} WHERE {filters} ORDER BY t.number DESC LIMIT ?)"
        ),
    };
    let sql = if statuses.is_empty() {
        branch(None)
    } else {
        let parts: Vec<String> = statuses.iter().map(|s| branch(Some(s.as_str()))).collect();
        format!("{} ORDER BY number DESC LIMIT ?", parts.join(" UNION ALL "))
    };
    let mut query = sqlx::query_as::<_, TicketRow>(AssertSqlSafe(sql));
    fn bind_all<'q>(
        mut q: sqlx::query::QueryAs<'q, sqlx::Sqlite, TicketRow, sqlx::sqlite::SqliteArguments>,
        args: &[Arg],
    ) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, TicketRow, sqlx::sqlite::SqliteArguments> {
        for a in args {
            q = match a {
                Arg::Id(id) => q.bind(*id),
                Arg::Int(n) => q.bind(*n),
                Arg::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }
    if statuses.is_empty() {
        query = bind_all(query, &args).bind(fetch);
    } else {
        for s in &statuses {
            query = bind_all(query, &args).bind(s.as_str()).bind(fetch);
        }
        query = query.bind(fetch);
    }
    let mut rows = query.fetch_all(conn).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| r.number)
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| r.into_ticket().map(|t| for_viewer(t, v)))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(TicketPage { items, next })
}

/// Gives `ids` (uploaded by `v`, not yet used) to `message_id`.
async fn claim_attachments(
    ctx: &mut WriteCtx,
    v: &Viewer,
    message_id: Uuid,
    ids: &[Uuid],
) -> StoreResult<()> {
    for id in ids {
        let done = sqlx::query(
            "UPDATE attachments SET message_id = ? WHERE id = ? AND uploader_id = ? AND message_id IS NULL",
        )
        .bind(message_id)
        .bind(*id)
        .bind(v.user_id)
        .execute(&mut ctx.conn)
        .await?
        .rows_affected();
        if done != 1 {
            return Err(ApiError::attachment_unavailable());
        }
    }
    Ok(())
}

/// What creating a ticket needs to know, read in one round trip (the writer is the bottleneck
/// under load: every statement saved shortens each batch before its fsync).
#[derive(sqlx::FromRow)]
struct CreateFacts {
    requester: Option<Uuid>,
    topic_urgent: Option<bool>,
    topic_active: Option<bool>,
    organization_name: Option<String>,
    next_number: i64,
    my_name: Option<String>,
}

pub async fn create_ticket(
    ctx: &mut WriteCtx,
    v: Viewer,
    t: NewTicket,
) -> StoreResult<(Ticket, Created)> {
    let facts: CreateFacts = sqlx::query_as(
        "SELECT (SELECT requester_id FROM tickets WHERE id = ?1) AS requester, \
                (SELECT urgent FROM topics WHERE id = ?2) AS topic_urgent, \
                (SELECT active FROM topics WHERE id = ?2) AS topic_active, \
                (SELECT name FROM organizations WHERE id = ?3) AS organization_name, \
                (SELECT COALESCE(MAX(number), 0) + 1 FROM tickets) AS next_number, \
                (SELECT name FROM users WHERE id = ?4) AS my_name",
    )
    .bind(t.id)
    .bind(&t.topic_id)
    .bind(t.organization_id)
    .bind(v.user_id)
    .fetch_one(&mut ctx.conn)
    .await?;
    if let Some(requester) = facts.requester {
        if requester != v.user_id {
            return Err(ApiError::id_conflict());
        }
        let found = ticket(&mut ctx.conn, &v, t.id)
            .await?
            .ok_or_else(ApiError::id_conflict)?;
        return Ok((found, Created::Existing));
    }
    let urgent = match (facts.topic_urgent, facts.topic_active) {
        (Some(urgent), Some(true)) => urgent,
        _ => return Err(ApiError::unknown_topic(&t.topic_id)),
    };
    let Some(organization_name) = facts.organization_name else {
        return Err(ApiError::not_found("Організацію", "Organization"));
    };
    let now = t.created_at_ms.unwrap_or_else(|| ctx.now_ms());
    let number = facts.next_number;
    sqlx::query(
        "INSERT INTO tickets (id, number, subject, subject_fold, topic_id, urgent, status, \
         organization_id, requester_id, assignee_id, created_at, updated_at, resolved_at, \
         last_message_at, message_count) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'new', ?7, ?8, NULL, ?9, ?9, NULL, ?9, 1)",
    )
    .bind(t.id)
    .bind(number)
    .bind(&t.subject)
    .bind(rules::fold(&t.subject))
    .bind(&t.topic_id)
    .bind(urgent)
    .bind(t.organization_id)
    .bind(v.user_id)
    .bind(now)
    .execute(&mut ctx.conn)
    .await?;
    let message_id = Uuid::now_v7();
    insert_message(
        ctx, message_id, t.id, v.user_id, &t.body, false, t.channel, now,
    )
    .await?;
    claim_attachments(ctx, &v, message_id, &t.attachment_ids).await?;
    record_changes(
        ctx,
        &[(KIND_TICKET, t.id), (KIND_MESSAGE, message_id)],
        Some(t.organization_id),
        false,
    )
    .await?;
    let at = super::rows::ts(now);
    let created = Ticket {
        id: t.id,
        number,
        subject: t.subject,
        topic_id: t.topic_id,
        urgent,
        status: TicketStatus::New,
        organization_id: t.organization_id,
        organization_name,
        requester: desk_domain::PersonRef {
            id: v.user_id,
            name: facts.my_name.unwrap_or_default(),
            role: v.role,
        },
        assignee: None,
        created_at: at,
        updated_at: at,
        resolved_at: None,
        last_message_at: at,
        message_count: 1,
        incident_id: None,
        waiting: v.is_staff().then_some(desk_domain::WaitClock {
            accumulated_ms: 0,
            running: true,
            since: at,
        }),
    };
    Ok((created, Created::New))
}

/// After a ticket is filed (in the same write): a non-urgent ticket filed outside working hours
/// gets a system message saying honestly when it will be taken up, in the requester's
/// language. Signed by the support service, channel `system`: not a reply from support, so the
/// status stays. (Outage reports do not pass here: they are handled at once.)
pub async fn after_hours_notice(ctx: &mut WriteCtx, t: &mut Ticket) -> StoreResult<()> {
    let calendar = ctx.calendar.get();
    if t.urgent || calendar.hours.is_working(t.created_at) {
        return Ok(());
    }
    let locale: Option<String> = sqlx::query_scalar("SELECT locale FROM users WHERE id = ?")
        .bind(t.requester.id)
        .fetch_optional(&mut ctx.conn)
        .await?;
    let expectation = calendar.hours.expectation(&t.topic_id, false, t.created_at);
    let body =
        desk_domain::calendar::after_hours_notice(&expectation, locale.as_deref().unwrap_or("uk"));
    let id = Uuid::now_v7();
    let now = t.created_at.timestamp_millis();
    insert_message(
        ctx,
        id,
        t.id,
        desk_domain::calendar::SUPPORT_SERVICE_USER_ID,
        &body,
        false,
        desk_domain::Channel::System,
        now,
    )
    .await?;
    sqlx::query("UPDATE tickets SET message_count = message_count + 1 WHERE id = ?")
        .bind(t.id)
        .execute(&mut ctx.conn)
        .await?;
    record_changes(
        ctx,
        &[(KIND_TICKET, t.id), (KIND_MESSAGE, id)],
        Some(t.organization_id),
        false,
    )
    .await?;
    t.message_count += 1;
    Ok(())
}

/// Moves several entities of one scope to the head of the change log in one statement; one
/// poke (the newest seq) covers them all.
async fn record_changes(
    ctx: &mut WriteCtx,
    entities: &[(&'static str, Uuid)],
    organization_id: Option<Uuid>,
    staff_only: bool,
) -> StoreResult<()> {
    let values = vec!["(?, ?, ?, ?)"; entities.len()].join(", ");
    let sql = format!(
        "INSERT OR REPLACE INTO changes (kind, entity_id, organization_id, staff_only) VALUES {values}"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (kind, id) in entities {
        q = q
            .bind(*kind)
            .bind(id.as_bytes().to_vec())
            .bind(organization_id)
            .bind(staff_only);
    }
    let seq = q.execute(&mut ctx.conn).await?.last_insert_rowid();
    ctx.notes.push(ChangeNote {
        seq,
        organization_id,
        staff_only,
    });
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_message(
    ctx: &mut WriteCtx,
    id: Uuid,
    ticket_id: Uuid,
    author: Uuid,
    body: &str,
    internal: bool,
    channel: desk_domain::Channel,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO messages (id, ticket_id, author_id, body, internal, channel, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(ticket_id)
    .bind(author)
    .bind(body)
    .bind(internal)
    .bind(channel.as_str())
    .bind(now)
    .execute(&mut ctx.conn)
    .await?;
    Ok(())
}

/// The few ticket fields the write rules look at.
#[derive(sqlx::FromRow)]
struct TicketState {
    organization_id: Uuid,
    status: String,
    assignee_id: Option<Uuid>,
    resolved_at: Option<i64>,
}

async fn ticket_state(
    ctx: &mut WriteCtx,
    v: &Viewer,
    id: Uuid,
) -> StoreResult<(TicketState, TicketStatus)> {
    let st: Option<TicketState> = sqlx::query_as(
        "SELECT organization_id, status, assignee_id, resolved_at FROM tickets WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut ctx.conn)
    .await?;
    match st {
        Some(st) if v.sees_org(st.organization_id) => {
            let status = TicketStatus::parse(&st.status)
                .ok_or_else(|| ApiError::internal(format!("unknown status {}", st.status)))?;
            Ok((st, status))
        }
        _ => Err(ApiError::ticket_not_found()),
    }
}

pub async fn add_message(
    ctx: &mut WriteCtx,
    v: Viewer,
    m: NewMessage,
) -> StoreResult<(Message, Created)> {
    let existing: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT ticket_id, author_id FROM messages WHERE id = ?")
            .bind(m.id)
            .fetch_optional(&mut ctx.conn)
            .await?;
    if let Some((ticket_id, author)) = existing {
        if ticket_id != m.ticket_id || author != v.user_id {
            return Err(ApiError::id_conflict());
        }
        let found = messages_by_ids(&mut ctx.conn, &[m.id])
            .await?
            .pop()
            .ok_or_else(ApiError::id_conflict)?;
        return Ok((found, Created::Existing));
    }
    let (st, status) = ticket_state(ctx, &v, m.ticket_id).await?;
    if m.internal && !v.is_staff() {
        return Err(ApiError::staff_only());
    }
    let new_status =
        rules::status_after_message(v.role, status, st.assignee_id.is_some(), m.internal)?;
    let now = m.created_at_ms.unwrap_or_else(|| ctx.now_ms());
    insert_message(
        ctx,
        m.id,
        m.ticket_id,
        v.user_id,
        &m.body,
        m.internal,
        m.channel,
        now,
    )
    .await?;
    claim_attachments(ctx, &v, m.id, &m.attachment_ids).await?;
    if !m.internal {
        // Internal notes leave the ticket as customers see it untouched: no activity leaks.
        let resolved_at = rules::resolved_at_after(new_status, st.resolved_at, now);
        sqlx::query(
            "UPDATE tickets SET status = ?, resolved_at = ?, updated_at = ?, last_message_at = ?, \
             message_count = message_count + 1 WHERE id = ?",
        )
        .bind(new_status.as_str())
        .bind(resolved_at)
        .bind(now)
        .bind(now)
        .bind(m.ticket_id)
        .execute(&mut ctx.conn)
        .await?;
        if new_status != status {
            super::waiting::status_written(ctx, m.ticket_id, now).await?;
        }
        record_change(
            ctx,
            KIND_TICKET,
            m.ticket_id.as_bytes(),
            Some(st.organization_id),
            false,
        )
        .await?;
    }
    record_change(
        ctx,
        KIND_MESSAGE,
        m.id.as_bytes(),
        Some(st.organization_id),
        m.internal,
    )
    .await?;
    let msg = messages_by_ids(&mut ctx.conn, &[m.id])
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("message vanished inside its own transaction"))?;
    Ok((msg, Created::New))
}

pub async fn update_ticket(
    ctx: &mut WriteCtx,
    v: Viewer,
    id: Uuid,
    u: UpdateTicket,
    at_ms: Option<i64>,
) -> StoreResult<Ticket> {
    let (st, status) = ticket_state(ctx, &v, id).await?;
    let mut assignee = st.assignee_id;
    if let Some(requested) = u.assignee_id {
        if !v.is_staff() {
            return Err(ApiError::staff_only());
        }
        if let Some(a) = requested {
            let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = ?")
                .bind(a)
                .fetch_optional(&mut ctx.conn)
                .await?;
            match role.as_deref() {
                // The support service's own account signs automatic messages; it takes no work.
                Some("agent") | Some("admin")
                    if a != desk_domain::calendar::SUPPORT_SERVICE_USER_ID => {}
                Some(_) => {
                    return Err(ApiError::validation(
                        "Звернення можна призначити лише спеціалістові підтримки.",
                        "A ticket can only be assigned to a support specialist.",
                    ));
                }
                None => return Err(ApiError::not_found("Спеціаліста", "Agent")),
            }
        }
        assignee = requested;
    }
    let new_status = match u.status {
        Some(req) => rules::status_change(v.role, status, req, assignee.is_some())?,
        None => status,
    };
    if new_status != status || assignee != st.assignee_id {
        let now = at_ms.unwrap_or_else(|| ctx.now_ms());
        let resolved_at = rules::resolved_at_after(new_status, st.resolved_at, now);
        sqlx::query(
            "UPDATE tickets SET status = ?, assignee_id = ?, resolved_at = ?, updated_at = ? WHERE id = ?",
        )
        .bind(new_status.as_str())
        .bind(assignee)
        .bind(resolved_at)
        .bind(now)
        .bind(id)
        .execute(&mut ctx.conn)
        .await?;
        if new_status != status {
            super::waiting::status_written(ctx, id, now).await?;
        }
        record_change(
            ctx,
            KIND_TICKET,
            id.as_bytes(),
            Some(st.organization_id),
            false,
        )
        .await?;
    }
    ticket(&mut ctx.conn, &v, id)
        .await?
        .ok_or_else(ApiError::ticket_not_found)
}
