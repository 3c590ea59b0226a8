//! Tickets, messages, attachments, the status history and the waiting clock in SQLite: the
//! queries and the rows of [`TicketRows`].

use std::collections::HashMap;

use async_trait::async_trait;
use desk_core::Result;
use desk_core::storage::{
    AttachmentAccess, AttachmentInsert, CreateFacts, MessageInsert, TicketInsert, TicketQuery,
    TicketRows, TicketState, TicketWrite,
};
use desk_domain::{Attachment, Message, Role, Ticket, TicketStatus};
use sqlx::{AssertSqlSafe, SqliteConnection};
use uuid::Uuid;

use super::Db;
use super::rows::{
    ATTACHMENT_COLUMNS, AttachmentRow, MESSAGE_SELECT, MessageRow, TICKET_SELECT, TicketRow,
    placeholders, role, status,
};
use super::writer::{StatusRow, WriteCtx};

pub async fn ticket(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Ticket>> {
    let sql = format!("{TICKET_SELECT} WHERE t.id = ?");
    let row: Option<TicketRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()?;
    row.map(TicketRow::into_ticket).transpose()
}

pub async fn tickets_by_ids(conn: &mut SqliteConnection, ids: &[Uuid]) -> Result<Vec<Ticket>> {
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
        .await
        .db()?
        .into_iter()
        .map(TicketRow::into_ticket)
        .collect()
}

pub async fn organization_of(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT organization_id FROM tickets WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()
}

/// Attachments of the given messages, grouped by message.
async fn attachments_of(
    conn: &mut SqliteConnection,
    message_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Attachment>>> {
    let mut out: HashMap<Uuid, Vec<Attachment>> = HashMap::new();
    if message_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE message_id IN ({}) \
         ORDER BY created_at, id",
        placeholders(message_ids.len())
    );
    let mut q = sqlx::query_as::<_, AttachmentRow>(AssertSqlSafe(sql));
    for id in message_ids {
        q = q.bind(*id);
    }
    for row in q.fetch_all(conn).await.db()? {
        if let Some(mid) = row.message_id {
            out.entry(mid).or_default().push(row.into());
        }
    }
    Ok(out)
}

async fn with_attachments(
    conn: &mut SqliteConnection,
    rows: Vec<MessageRow>,
) -> Result<Vec<Message>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut files = attachments_of(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let a = files.remove(&r.id).unwrap_or_default();
            r.into_message(a)
        })
        .collect()
}

pub async fn messages_by_ids(conn: &mut SqliteConnection, ids: &[Uuid]) -> Result<Vec<Message>> {
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
    let rows = q.fetch_all(&mut *conn).await.db()?;
    with_attachments(conn, rows).await
}

pub async fn messages(
    conn: &mut SqliteConnection,
    ticket_id: Uuid,
    include_internal: bool,
) -> Result<Vec<Message>> {
    let sql = if include_internal {
        format!("{MESSAGE_SELECT} WHERE m.ticket_id = ? ORDER BY m.created_at, m.id")
    } else {
        format!(
            "{MESSAGE_SELECT} WHERE m.ticket_id = ? AND m.internal = 0 ORDER BY m.created_at, m.id"
        )
    };
    let rows: Vec<MessageRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(ticket_id)
        .fetch_all(&mut *conn)
        .await
        .db()?;
    with_attachments(conn, rows).await
}

pub async fn attachment(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<AttachmentAccess>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        a: AttachmentRow,
        uploader_id: Uuid,
        organization_id: Option<Uuid>,
        internal: Option<bool>,
    }
    let columns = ATTACHMENT_COLUMNS
        .split(", ")
        .map(|c| format!("a.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns}, a.uploader_id, t.organization_id, m.internal FROM attachments a \
         LEFT JOIN messages m ON m.id = a.message_id LEFT JOIN tickets t ON t.id = m.ticket_id \
         WHERE a.id = ?"
    );
    let row: Option<Row> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()?;
    Ok(row.map(|r| AttachmentAccess {
        attachment: r.a.into(),
        uploader_id: r.uploader_id,
        organization_id: r.organization_id,
        internal: r.internal.unwrap_or(false),
    }))
}

/// A ticket list: one branch per status, each walking a (…, status, number) index newest first
/// and stopping at the page size; the branches are merged. The cost stays that of one page
/// however many tickets are stored and however the statuses are distributed.
pub async fn list(conn: &mut SqliteConnection, q: &TicketQuery) -> Result<Vec<Ticket>> {
    enum Arg {
        Id(Uuid),
        Int(i64),
        Text(String),
    }
    let mut filters = String::from("1 = 1");
    let mut args: Vec<Arg> = Vec::new();
    if let Some(org) = q.organization_id {
        filters.push_str(" AND t.organization_id = ?");
        args.push(Arg::Id(org));
    }
    if let Some(topic) = &q.topic_id {
        filters.push_str(" AND t.topic_id = ?");
        args.push(Arg::Text(topic.clone()));
    }
    if let Some(a) = q.assignee_id {
        filters.push_str(" AND t.assignee_id = ?");
        args.push(Arg::Id(a));
    }
    if let Some(like) = &q.subject_like {
        if let Some(n) = q.number {
            filters.push_str(" AND (t.number = ? OR t.subject_fold LIKE ? ESCAPE '\\')");
            args.push(Arg::Int(n));
        } else {
            filters.push_str(" AND t.subject_fold LIKE ? ESCAPE '\\'");
        }
        args.push(Arg::Text(like.clone()));
    }
    if let Some(before) = q.before {
        filters.push_str(" AND t.number < ?");
        args.push(Arg::Int(before));
    }
    let branch = |with_status: bool| {
        let status = if with_status { " AND t.status = ?" } else { "" };
        format!(
            "SELECT * FROM ({TICKET_SELECT} WHERE {filters}{status} ORDER BY t.number DESC LIMIT ?)"
        )
    };
    let sql = if q.statuses.is_empty() {
        branch(false)
    } else {
        let parts = vec![branch(true); q.statuses.len()];
        format!("{} ORDER BY number DESC LIMIT ?", parts.join(" UNION ALL "))
    };
    type Query<'q> =
        sqlx::query::QueryAs<'q, sqlx::Sqlite, TicketRow, sqlx::sqlite::SqliteArguments>;
    fn bind_all<'q>(mut query: Query<'q>, args: &[Arg]) -> Query<'q> {
        for a in args {
            query = match a {
                Arg::Id(id) => query.bind(*id),
                Arg::Int(n) => query.bind(*n),
                Arg::Text(s) => query.bind(s.clone()),
            };
        }
        query
    }
    let mut query = sqlx::query_as::<_, TicketRow>(AssertSqlSafe(sql));
    if q.statuses.is_empty() {
        query = bind_all(query, &args).bind(q.fetch);
    } else {
        for s in &q.statuses {
            query = bind_all(query, &args).bind(s.as_str()).bind(q.fetch);
        }
        query = query.bind(q.fetch);
    }
    query
        .fetch_all(conn)
        .await
        .db()?
        .into_iter()
        .map(TicketRow::into_ticket)
        .collect()
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    requester: Option<Uuid>,
    topic_urgent: Option<bool>,
    topic_active: Option<bool>,
    organization_name: Option<String>,
    next_number: i64,
    my_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct StateRow {
    organization_id: Uuid,
    status: String,
    assignee_id: Option<Uuid>,
    resolved_at: Option<i64>,
    urgent: bool,
    wait_ms: i64,
    wait_since: i64,
    wait_running: bool,
}

#[async_trait]
impl TicketRows for WriteCtx {
    async fn create_facts(
        &mut self,
        ticket_id: Uuid,
        topic_id: &str,
        organization_id: Uuid,
        me: Uuid,
    ) -> Result<CreateFacts> {
        let f: FactsRow = sqlx::query_as(
            "SELECT (SELECT requester_id FROM tickets WHERE id = ?1) AS requester, \
                    (SELECT urgent FROM topics WHERE id = ?2) AS topic_urgent, \
                    (SELECT active FROM topics WHERE id = ?2) AS topic_active, \
                    (SELECT name FROM organizations WHERE id = ?3) AS organization_name, \
                    (SELECT COALESCE(MAX(number), 0) + 1 FROM tickets) AS next_number, \
                    (SELECT name FROM users WHERE id = ?4) AS my_name",
        )
        .bind(ticket_id)
        .bind(topic_id)
        .bind(organization_id)
        .bind(me)
        .fetch_one(&mut self.conn)
        .await
        .db()?;
        Ok(CreateFacts {
            existing_requester: f.requester,
            topic: f.topic_urgent.zip(f.topic_active),
            organization_name: f.organization_name,
            next_number: f.next_number,
            my_name: f.my_name,
        })
    }

    async fn insert_ticket(&mut self, t: &TicketInsert) -> Result<()> {
        sqlx::query(
            "INSERT INTO tickets (id, number, subject, subject_fold, topic_id, urgent, status, \
             organization_id, requester_id, assignee_id, created_at, updated_at, resolved_at, \
             last_message_at, message_count) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, ?10, NULL, ?10, ?11)",
        )
        .bind(t.id)
        .bind(t.number)
        .bind(&t.subject)
        .bind(&t.subject_fold)
        .bind(&t.topic_id)
        .bind(t.urgent)
        .bind(t.status.as_str())
        .bind(t.organization_id)
        .bind(t.requester_id)
        .bind(t.created_at_ms)
        .bind(t.message_count)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn insert_message(&mut self, m: &MessageInsert) -> Result<()> {
        sqlx::query(
            "INSERT INTO messages (id, ticket_id, author_id, body, internal, channel, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(m.id)
        .bind(m.ticket_id)
        .bind(m.author_id)
        .bind(&m.body)
        .bind(m.internal)
        .bind(m.channel.as_str())
        .bind(m.created_at_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn claim_attachment(
        &mut self,
        id: Uuid,
        message_id: Uuid,
        uploader: Uuid,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE attachments SET message_id = ? WHERE id = ? AND uploader_id = ? \
             AND message_id IS NULL",
        )
        .bind(message_id)
        .bind(id)
        .bind(uploader)
        .execute(&mut self.conn)
        .await
        .db()?
        .rows_affected();
        Ok(done == 1)
    }

    async fn insert_attachment(&mut self, a: &AttachmentInsert) -> Result<()> {
        let f = &a.attachment;
        sqlx::query(
            "INSERT INTO attachments (id, filename, size, media_type, sha256, uploader_id, \
             message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
        )
        .bind(f.id)
        .bind(&f.filename)
        .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
        .bind(&f.media_type)
        .bind(&f.sha256)
        .bind(a.uploader_id)
        .bind(a.created_at_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn ticket_in_tx(&mut self, id: Uuid) -> Result<Option<Ticket>> {
        ticket(&mut self.conn, id).await
    }

    async fn ticket_state(&mut self, id: Uuid) -> Result<Option<TicketState>> {
        let row: Option<StateRow> = sqlx::query_as(
            "SELECT organization_id, status, assignee_id, resolved_at, urgent, wait_ms, \
             COALESCE(wait_since, created_at) AS wait_since, wait_running FROM tickets WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut self.conn)
        .await
        .db()?;
        row.map(|r| {
            Ok(TicketState {
                organization_id: r.organization_id,
                status: status(&r.status)?,
                assignee_id: r.assignee_id,
                resolved_at_ms: r.resolved_at,
                urgent: r.urgent,
                wait_ms: r.wait_ms,
                wait_since_ms: r.wait_since,
                wait_running: r.wait_running,
            })
        })
        .transpose()
    }

    async fn write_ticket(&mut self, w: &TicketWrite) -> Result<()> {
        let sql = if w.message_added {
            "UPDATE tickets SET status = ?1, assignee_id = ?2, resolved_at = ?3, updated_at = ?4, \
             last_message_at = ?4, message_count = message_count + 1 WHERE id = ?5"
        } else {
            "UPDATE tickets SET status = ?1, assignee_id = ?2, resolved_at = ?3, updated_at = ?4 \
             WHERE id = ?5"
        };
        sqlx::query(sql)
            .bind(w.status.as_str())
            .bind(w.assignee_id)
            .bind(w.resolved_at_ms)
            .bind(w.updated_at_ms)
            .bind(w.id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn link_to_incident(&mut self, ticket_id: Uuid, incident_id: Uuid) -> Result<()> {
        sqlx::query("UPDATE tickets SET urgent = 1, incident_id = ? WHERE id = ?")
            .bind(incident_id)
            .bind(ticket_id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn set_wait_clock(
        &mut self,
        id: Uuid,
        wait_ms: i64,
        since_ms: i64,
        running: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE tickets SET wait_ms = ?, wait_since = ?, wait_running = ? WHERE id = ?",
        )
        .bind(wait_ms)
        .bind(since_ms)
        .bind(running)
        .bind(id)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn record_status(
        &mut self,
        ticket_id: Uuid,
        status: TicketStatus,
        at_ms: i64,
    ) -> Result<()> {
        // Written with the batch, just before it commits (see [`WriteCtx`]).
        self.history.push(StatusRow {
            ticket_id,
            status: status.as_str(),
            at_ms,
        });
        Ok(())
    }

    async fn message_origin(&mut self, id: Uuid) -> Result<Option<(Uuid, Uuid)>> {
        sqlx::query_as("SELECT ticket_id, author_id FROM messages WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut self.conn)
            .await
            .db()
    }

    async fn message_in_tx(&mut self, id: Uuid) -> Result<Option<Message>> {
        Ok(messages_by_ids(&mut self.conn, &[id]).await?.pop())
    }

    async fn first_public_body(&mut self, ticket_id: Uuid) -> Result<Option<String>> {
        sqlx::query_scalar(
            "SELECT body FROM messages WHERE ticket_id = ? AND internal = 0 \
             ORDER BY created_at, id LIMIT 1",
        )
        .bind(ticket_id)
        .fetch_optional(&mut self.conn)
        .await
        .db()
    }

    async fn user_role(&mut self, id: Uuid) -> Result<Option<Role>> {
        let r: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut self.conn)
            .await
            .db()?;
        r.as_deref().map(role).transpose()
    }

    async fn user_locale(&mut self, id: Uuid) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT locale FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut self.conn)
            .await
            .db()
    }
}
