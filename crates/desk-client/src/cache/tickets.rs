//! Reads of topics, tickets, messages and attachments, and the read marks.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use desk_domain::{Attachment, Ticket, TicketStatus, Topic};
use sqlx::Row;
use uuid::Uuid;

use super::{Cache, CachedMessage, CachedTicket, TicketQuery, ms};

impl Cache {
    pub async fn topics(&self) -> anyhow::Result<Vec<Topic>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT data FROM topics WHERE active = 1 ORDER BY position")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok(serde_json::from_str(r)?)).collect()
    }

    pub(super) fn cached_ticket(row: &sqlx::sqlite::SqliteRow) -> anyhow::Result<CachedTicket> {
        let ticket: Ticket = serde_json::from_str(row.try_get::<&str, _>("data")?)?;
        let provisional: bool = row.try_get("provisional")?;
        let unread: bool = row.try_get("unread")?;
        Ok(CachedTicket {
            ticket,
            provisional,
            unread,
        })
    }

    pub async fn tickets(&self, q: &TicketQuery) -> anyhow::Result<Vec<CachedTicket>> {
        let mut sql = String::from(
            "SELECT data, provisional, (read_at IS NULL OR read_at < last_message_at) AS unread FROM tickets WHERE 1 = 1",
        );
        let mut args: Vec<String> = Vec::new();
        match q.status.as_deref() {
            Some("open") => {
                sql.push_str(" AND status IN ('new', 'in_progress', 'waiting_for_customer')")
            }
            Some("resolved") => sql.push_str(" AND status IN ('resolved', 'closed')"),
            Some(s) if TicketStatus::parse(s).is_some() => {
                sql.push_str(" AND status = ?");
                args.push(s.to_owned());
            }
            _ => {}
        }
        if let Some(t) = &q.topic_id {
            sql.push_str(" AND topic_id = ?");
            args.push(t.clone());
        }
        if let Some(o) = q.organization_id {
            sql.push_str(" AND organization_id = ?");
            args.push(o.to_string());
        }
        if let Some(a) = q.assignee_id {
            sql.push_str(" AND assignee_id = ?");
            args.push(a.to_string());
        }
        if q.unassigned {
            sql.push_str(" AND assignee_id IS NULL");
        }
        sql.push_str(if q.urgent_first {
            " ORDER BY urgent DESC, created_at DESC LIMIT ? OFFSET ?"
        } else {
            " ORDER BY created_at DESC LIMIT ? OFFSET ?"
        });
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in args {
            query = query.bind(a);
        }
        let rows = query
            .bind(i64::from(q.limit.unwrap_or(200)))
            .bind(i64::from(q.offset))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::cached_ticket).collect()
    }

    pub async fn ticket(&self, id: Uuid) -> anyhow::Result<Option<CachedTicket>> {
        let row = sqlx::query(
            "SELECT data, provisional, (read_at IS NULL OR read_at < last_message_at) AS unread FROM tickets WHERE id = ?1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::cached_ticket).transpose()
    }

    pub async fn messages(&self, ticket: Uuid) -> anyhow::Result<Vec<CachedMessage>> {
        let rows = sqlx::query(
            "SELECT data, provisional FROM messages WHERE ticket_id = ?1 ORDER BY created_at, id",
        )
        .bind(ticket.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CachedMessage {
                    message: serde_json::from_str(r.try_get::<&str, _>("data")?)?,
                    provisional: r.try_get("provisional")?,
                })
            })
            .collect()
    }

    /// Organisations of cached tickets, by name.
    pub async fn organizations(&self) -> anyhow::Result<Vec<(Uuid, String)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT organization_id, MAX(json_extract(data, '$.organization_name')) AS name FROM tickets \
             WHERE number > 0 GROUP BY organization_id ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, name)| Uuid::parse_str(&id).ok().map(|id| (id, name)))
            .collect())
    }

    pub async fn mark_read(&self, ticket: Uuid, at: DateTime<Utc>) -> anyhow::Result<()> {
        sqlx::query("UPDATE tickets SET read_at = MAX(COALESCE(read_at, 0), ?2) WHERE id = ?1")
            .bind(ticket.to_string())
            .bind(ms(&at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn unread_count(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM tickets WHERE read_at IS NULL OR read_at < last_message_at",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Where a verified download of `attachment` is, if any.
    /// Attachment `id` of a message of ticket `ticket`, as the cache holds it.
    pub async fn attachment(&self, ticket: Uuid, id: Uuid) -> anyhow::Result<Option<Attachment>> {
        let row: Option<String> = sqlx::query_scalar(
            "SELECT a.value FROM messages m, json_each(m.data, '$.attachments') a \
             WHERE m.ticket_id = ?1 AND json_extract(a.value, '$.id') = ?2 LIMIT 1",
        )
        .bind(ticket.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| serde_json::from_str(&r)).transpose()?)
    }

    pub async fn file(&self, attachment: Uuid) -> anyhow::Result<Option<(PathBuf, String)>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT path, sha256 FROM files WHERE attachment_id = ?1")
                .bind(attachment.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(p, s)| (PathBuf::from(p), s)))
    }

    pub async fn put_file(
        &self,
        attachment: Uuid,
        path: &Path,
        sha256: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO files (attachment_id, path, sha256) VALUES (?1, ?2, ?3) \
             ON CONFLICT (attachment_id) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256",
        )
        .bind(attachment.to_string())
        .bind(path.to_string_lossy().into_owned())
        .bind(sha256)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn counts(&self) -> anyhow::Result<(i64, i64)> {
        let t: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
            .fetch_one(&self.pool)
            .await?;
        let m: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
            .fetch_one(&self.pool)
            .await?;
        Ok((t, m))
    }
}
