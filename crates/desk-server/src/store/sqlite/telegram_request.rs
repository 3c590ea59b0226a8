//! Requests from chats not linked, in SQLite: the queries of [`TelegramRequestRows`] and the
//! rows the lists and the change log read.

use async_trait::async_trait;
use desk_core::clock::ts;
use desk_core::storage::{
    RequestDecision, RequestInsert, RequestQuery, RequestState, TelegramRequestRows,
};
use desk_core::{Error, Result};
use desk_domain::{
    Bot, ChatKind, ChatRef, OutageKind, PersonRef, TelegramRequest, TelegramRequestStatus,
};
use sqlx::{AssertSqlSafe, SqliteConnection};
use uuid::Uuid;

use super::Db;
use super::rows::{placeholders, role};
use super::writer::WriteCtx;

#[derive(sqlx::FromRow)]
struct StateRow {
    id: Uuid,
    bot: String,
    chat_id: i64,
    chat_kind: String,
    chat_title: String,
    author: String,
    english: bool,
    body: String,
    kind: Option<String>,
    report: bool,
    suggested_org: Option<Uuid>,
    status: String,
    created_at: i64,
}

const STATE_SELECT: &str = "SELECT id, bot, chat_id, chat_kind, chat_title, author, english, \
    body, kind, report, suggested_org, status, created_at FROM telegram_requests";

fn bot(s: &str) -> Result<Bot> {
    Bot::parse(s).ok_or_else(|| Error::internal(format!("unknown bot {s}")))
}

fn chat(id: i64, kind: &str, title: String) -> Result<ChatRef> {
    Ok(ChatRef {
        id,
        kind: ChatKind::parse(kind)
            .ok_or_else(|| Error::internal(format!("unknown chat kind {kind}")))?,
        title,
    })
}

fn kind(s: Option<&str>) -> Result<Option<OutageKind>> {
    s.map(|k| OutageKind::parse(k).ok_or_else(|| Error::internal(format!("unknown kind {k}"))))
        .transpose()
}

fn status(s: &str) -> Result<TelegramRequestStatus> {
    TelegramRequestStatus::parse(s)
        .ok_or_else(|| Error::internal(format!("unknown request status {s}")))
}

impl StateRow {
    fn into_state(self) -> Result<RequestState> {
        Ok(RequestState {
            id: self.id,
            bot: bot(&self.bot)?,
            chat: chat(self.chat_id, &self.chat_kind, self.chat_title)?,
            author: self.author,
            english: self.english,
            body: self.body,
            kind: kind(self.kind.as_deref())?,
            report: self.report,
            suggested: self.suggested_org,
            status: status(&self.status)?,
            created_at_ms: self.created_at,
        })
    }
}

async fn state(
    conn: &mut SqliteConnection,
    filter: &str,
    bind: impl FnOnce(StateQuery<'_>) -> StateQuery<'_>,
) -> Result<Option<RequestState>> {
    let sql = format!("{STATE_SELECT} WHERE {filter}");
    let row: Option<StateRow> = bind(sqlx::query_as(AssertSqlSafe(sql)))
        .fetch_optional(conn)
        .await
        .db()?;
    row.map(StateRow::into_state).transpose()
}

type StateQuery<'q> =
    sqlx::query::QueryAs<'q, sqlx::Sqlite, StateRow, sqlx::sqlite::SqliteArguments>;

#[async_trait]
impl TelegramRequestRows for WriteCtx {
    async fn waiting_request(&mut self, b: Bot, chat_id: i64) -> Result<Option<RequestState>> {
        state(
            &mut self.conn,
            "bot = ? AND chat_id = ? AND status = 'pending'",
            |q| q.bind(b.as_str()).bind(chat_id),
        )
        .await
    }

    async fn request_state(&mut self, id: Uuid) -> Result<Option<RequestState>> {
        state(&mut self.conn, "id = ?", |q| q.bind(id)).await
    }

    async fn insert_request(&mut self, r: &RequestInsert) -> Result<()> {
        let recipients = serde_json::to_string(&r.recipients)
            .map_err(|e| Error::internal(format!("request recipients: {e}")))?;
        sqlx::query(
            "INSERT INTO telegram_requests (id, bot, chat_id, chat_kind, chat_title, author, \
             english, body, kind, report, suggested_org, status, all_agents, recipients, \
             last_paged_at, page_round, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending', ?12, ?13, \
             CASE WHEN ?10 THEN ?14 END, CASE WHEN ?10 THEN 1 ELSE 0 END, ?14, ?14)",
        )
        .bind(r.id)
        .bind(r.bot.as_str())
        .bind(r.chat.id)
        .bind(r.chat.kind.as_str())
        .bind(&r.chat.title)
        .bind(&r.author)
        .bind(r.english)
        .bind(&r.body)
        .bind(r.kind.map(OutageKind::as_str))
        .bind(r.report)
        .bind(r.suggested)
        .bind(r.all_agents)
        .bind(recipients)
        .bind(r.at_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn update_request(
        &mut self,
        id: Uuid,
        body: &str,
        k: Option<OutageKind>,
        suggested: Option<Uuid>,
        at_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE telegram_requests SET body = ?2, kind = ?3, suggested_org = ?4, \
             updated_at = ?5 WHERE id = ?1",
        )
        .bind(id)
        .bind(body)
        .bind(k.map(OutageKind::as_str))
        .bind(suggested)
        .bind(at_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn decide_request(&mut self, d: &RequestDecision) -> Result<()> {
        sqlx::query(
            "UPDATE telegram_requests SET status = ?2, decided_by = ?3, decided_at = ?4, \
             attached_to = ?5, ticket_id = ?6, updated_at = ?4 WHERE id = ?1",
        )
        .bind(d.id)
        .bind(d.status.as_str())
        .bind(d.decided_by)
        .bind(d.at_ms)
        .bind(d.attached_to)
        .bind(d.ticket_id)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn due_request_pages(&mut self, before_ms: i64) -> Result<Vec<(Uuid, i64)>> {
        sqlx::query_as(
            "SELECT id, page_round FROM telegram_requests WHERE status = 'pending' AND report = 1 \
             AND last_paged_at IS NOT NULL AND last_paged_at <= ? ORDER BY last_paged_at",
        )
        .bind(before_ms)
        .fetch_all(&mut self.conn)
        .await
        .db()
    }

    async fn repage_request(&mut self, id: Uuid, round: i64, at_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE telegram_requests SET page_round = ?2, last_paged_at = ?3, updated_at = ?3 \
             WHERE id = ?1",
        )
        .bind(id)
        .bind(round)
        .bind(at_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn oldest_request_page_in_tx(&mut self) -> Result<Option<i64>> {
        oldest_page(&mut self.conn).await
    }

    async fn first_customer(&mut self, organization_id: Uuid) -> Result<Option<Uuid>> {
        sqlx::query_scalar(
            "SELECT id FROM users WHERE organization_id = ? AND role = 'customer' \
             ORDER BY created_at, id LIMIT 1",
        )
        .bind(organization_id)
        .fetch_optional(&mut self.conn)
        .await
        .db()
    }
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: Uuid,
    bot: String,
    chat_id: i64,
    chat_kind: String,
    chat_title: String,
    author: String,
    body: String,
    kind: Option<String>,
    report: bool,
    suggested_org: Option<Uuid>,
    suggested_name: Option<String>,
    status: String,
    all_agents: bool,
    recipients: String,
    page_round: i64,
    last_paged_at: Option<i64>,
    decided_by: Option<Uuid>,
    decider_name: Option<String>,
    decider_role: Option<String>,
    decided_at: Option<i64>,
    attached_to: Option<Uuid>,
    attached_name: Option<String>,
    ticket_id: Option<Uuid>,
    ticket_number: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const REQUEST_SELECT: &str = "SELECT r.id, r.bot, r.chat_id, r.chat_kind, r.chat_title, \
    r.author, r.body, r.kind, r.report, r.suggested_org, so.name AS suggested_name, r.status, \
    r.all_agents, r.recipients, r.page_round, r.last_paged_at, r.decided_by, u.name AS decider_name, u.role AS decider_role, \
    r.decided_at, r.attached_to, ao.name AS attached_name, r.ticket_id, t.number AS ticket_number, \
    r.created_at, r.updated_at FROM telegram_requests r \
    LEFT JOIN organizations so ON so.id = r.suggested_org \
    LEFT JOIN organizations ao ON ao.id = r.attached_to \
    LEFT JOIN users u ON u.id = r.decided_by \
    LEFT JOIN tickets t ON t.id = r.ticket_id";

impl RequestRow {
    fn into_request(self) -> Result<TelegramRequest> {
        let decided_by = match (self.decided_by, self.decider_name, self.decider_role) {
            (Some(id), Some(name), Some(r)) => Some(PersonRef {
                id,
                name,
                role: role(&r)?,
            }),
            _ => None,
        };
        Ok(TelegramRequest {
            id: self.id,
            bot: bot(&self.bot)?,
            chat: chat(self.chat_id, &self.chat_kind, self.chat_title)?,
            author: self.author,
            text: self.body,
            suggested_organization_id: self.suggested_org,
            suggested_organization_name: self.suggested_name,
            report: self.report,
            kind: kind(self.kind.as_deref())?,
            status: status(&self.status)?,
            all_agents: self.all_agents,
            recipients: serde_json::from_str(&self.recipients)
                .map_err(|e| Error::internal(format!("request recipients: {e}")))?,
            round: u32::try_from(self.page_round).unwrap_or(u32::MAX),
            paged_at: self.last_paged_at.map(ts),
            decided_by,
            decided_at: self.decided_at.map(ts),
            attached_to: self.attached_to,
            attached_to_name: self.attached_name,
            ticket_id: self.ticket_id,
            ticket_number: self.ticket_number,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

pub async fn list(conn: &mut SqliteConnection, q: RequestQuery) -> Result<Vec<TelegramRequest>> {
    let sql = format!(
        "{REQUEST_SELECT} WHERE (?1 IS NULL OR r.suggested_org = ?1) \
         AND (?2 = 0 OR r.status = 'pending') ORDER BY r.created_at DESC, r.id DESC LIMIT ?3"
    );
    let rows: Vec<RequestRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(q.suggested)
        .bind(q.pending_only)
        .bind(q.limit)
        .fetch_all(conn)
        .await
        .db()?;
    rows.into_iter().map(RequestRow::into_request).collect()
}

pub async fn by_ids(conn: &mut SqliteConnection, ids: &[Uuid]) -> Result<Vec<TelegramRequest>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{REQUEST_SELECT} WHERE r.id IN ({})",
        placeholders(ids.len())
    );
    let mut q = sqlx::query_as::<_, RequestRow>(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(conn).await.db()?;
    rows.into_iter().map(RequestRow::into_request).collect()
}

/// The oldest last page of a waiting report (the partial index answers it).
pub async fn oldest_page(conn: &mut SqliteConnection) -> Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MIN(last_paged_at) FROM telegram_requests WHERE status = 'pending' AND report = 1",
    )
    .fetch_one(conn)
    .await
    .db()
}
