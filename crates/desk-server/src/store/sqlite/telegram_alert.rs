//! The alert bot's rows in SQLite: drafts waiting to become outage reports, and incident news
//! already announced. The queries of [`TelegramAlertRows`].

use async_trait::async_trait;
use desk_core::storage::{AlertDraft, TelegramAlertRows};
use desk_core::{Error, Result};
use desk_domain::OutageKind;
use uuid::Uuid;

use super::Db;
use super::writer::WriteCtx;

#[derive(sqlx::FromRow)]
struct DraftRow {
    id: i64,
    chat_id: i64,
    kind: Option<String>,
    body: String,
    author: String,
    attachment_ids: String,
    created_at: i64,
    updated_at: i64,
    ticket_id: Option<Uuid>,
}

const DRAFT_SELECT: &str = "SELECT id, chat_id, kind, body, author, attachment_ids, created_at, \
    updated_at, ticket_id FROM telegram_alert_drafts";

fn ids_json(ids: &[Uuid]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

impl DraftRow {
    fn into_draft(self) -> Result<AlertDraft> {
        let kind = match self.kind {
            Some(k) => Some(
                OutageKind::parse(&k)
                    .ok_or_else(|| Error::internal(format!("unknown outage kind {k}")))?,
            ),
            None => None,
        };
        Ok(AlertDraft {
            id: self.id,
            chat_id: self.chat_id,
            kind,
            body: self.body,
            author: self.author,
            attachment_ids: serde_json::from_str(&self.attachment_ids)
                .map_err(|e| Error::internal(format!("stored alert draft attachment ids: {e}")))?,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
            ticket_id: self.ticket_id,
        })
    }
}

/// Whether a draft has waited since before `before_ms` (the stale index answers it): the
/// filer looks with this read and takes the writer only when there is something to file.
pub async fn waiting_since(conn: &mut sqlx::SqliteConnection, before_ms: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM telegram_alert_drafts WHERE ticket_id IS NULL AND updated_at < ? LIMIT 1",
    )
    .bind(before_ms)
    .fetch_optional(conn)
    .await
    .db()?;
    Ok(found.is_some())
}

#[async_trait]
impl TelegramAlertRows for WriteCtx {
    async fn waiting_alert_draft(&mut self, chat_id: i64) -> Result<Option<AlertDraft>> {
        let sql = format!(
            "{DRAFT_SELECT} WHERE chat_id = ? AND ticket_id IS NULL ORDER BY id DESC LIMIT 1"
        );
        let row: Option<DraftRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(chat_id)
            .fetch_optional(&mut self.conn)
            .await
            .db()?;
        row.map(DraftRow::into_draft).transpose()
    }

    async fn alert_draft(&mut self, id: i64) -> Result<Option<AlertDraft>> {
        let sql = format!("{DRAFT_SELECT} WHERE id = ?");
        let row: Option<DraftRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut self.conn)
            .await
            .db()?;
        row.map(DraftRow::into_draft).transpose()
    }

    async fn insert_alert_draft(
        &mut self,
        chat_id: i64,
        kind: Option<OutageKind>,
        body: &str,
        attachment_ids: &[Uuid],
        author: &str,
        now_ms: i64,
    ) -> Result<i64> {
        let id = sqlx::query(
            "INSERT INTO telegram_alert_drafts (chat_id, kind, body, attachment_ids, author, \
             created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )
        .bind(chat_id)
        .bind(kind.map(OutageKind::as_str))
        .bind(body)
        .bind(ids_json(attachment_ids))
        .bind(author)
        .bind(now_ms)
        .execute(&mut self.conn)
        .await
        .db()?
        .last_insert_rowid();
        Ok(id)
    }

    async fn update_alert_draft(
        &mut self,
        id: i64,
        kind: Option<OutageKind>,
        body: &str,
        attachment_ids: &[Uuid],
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE telegram_alert_drafts SET kind = ?, body = ?, attachment_ids = ?, \
             updated_at = ? WHERE id = ? AND ticket_id IS NULL",
        )
        .bind(kind.map(OutageKind::as_str))
        .bind(body)
        .bind(ids_json(attachment_ids))
        .bind(now_ms)
        .bind(id)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn file_alert_draft(&mut self, id: i64, ticket_id: Uuid) -> Result<()> {
        sqlx::query("UPDATE telegram_alert_drafts SET ticket_id = ? WHERE id = ?")
            .bind(ticket_id)
            .bind(id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn stale_alert_drafts(&mut self, before_ms: i64, limit: i64) -> Result<Vec<AlertDraft>> {
        let sql = format!(
            "{DRAFT_SELECT} WHERE ticket_id IS NULL AND updated_at < ? ORDER BY updated_at, id LIMIT ?"
        );
        let rows: Vec<DraftRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(before_ms)
            .bind(limit)
            .fetch_all(&mut self.conn)
            .await
            .db()?;
        rows.into_iter().map(DraftRow::into_draft).collect()
    }

    async fn mark_announced(&mut self, event_id: Uuid, now_ms: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO telegram_announced (event_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(event_id)
        .bind(now_ms)
        .execute(&mut self.conn)
        .await
        .db()?
        .rows_affected();
        Ok(done == 1)
    }
}
