//! Provisional rows: a queued write shown before the server has it, replaced by the server's
//! copy when it comes, or dropped when the write is discarded.

use desk_domain::{Message, Ticket};
use uuid::Uuid;

use super::index::{add_search_terms, search_pending};
use super::{Cache, ms};

impl Cache {
    /// A ticket shown before the server has it (or with a change not yet sent).
    pub async fn put_provisional_ticket(&self, t: &Ticket) -> anyhow::Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let existed: Option<i64> = sqlx::query_scalar("SELECT rowid FROM tickets WHERE id = ?1")
            .bind(t.id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO tickets (id, number, subject, topic_id, status, urgent, organization_id, assignee_id, \
               created_at, last_message_at, data, provisional, read_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?10) \
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, assignee_id = excluded.assignee_id, \
               data = excluded.data, provisional = 1",
        )
        .bind(t.id.to_string())
        .bind(t.number)
        .bind(&t.subject)
        .bind(&t.topic_id)
        .bind(t.status.as_str())
        .bind(t.urgent)
        .bind(t.organization_id.to_string())
        .bind(t.assignee.as_ref().map(|a| a.id.to_string()))
        .bind(ms(&t.created_at))
        .bind(ms(&t.last_message_at))
        .bind(serde_json::to_string(t)?)
        .execute(&mut *tx)
        .await?;
        if existed.is_none() && !search_pending(&mut tx).await? {
            sqlx::query("INSERT INTO tickets_fts (rowid, subject) SELECT rowid, subject FROM tickets WHERE id = ?1")
                .bind(t.id.to_string())
                .execute(&mut *tx)
                .await?;
            add_search_terms(&mut tx, &t.subject).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A message shown before the server has it; a no-op once the server's copy is here.
    pub async fn put_provisional_message(&self, m: &Message) -> anyhow::Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let existed: Option<i64> = sqlx::query_scalar("SELECT rowid FROM messages WHERE id = ?1")
            .bind(m.id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if existed.is_none() {
            sqlx::query(
                "INSERT INTO messages (id, ticket_id, created_at, data, provisional) VALUES (?1, ?2, ?3, ?4, 1)",
            )
            .bind(m.id.to_string())
            .bind(m.ticket_id.to_string())
            .bind(ms(&m.created_at))
            .bind(serde_json::to_string(m)?)
            .execute(&mut *tx)
            .await?;
            if !search_pending(&mut tx).await? {
                sqlx::query("INSERT INTO messages_fts (rowid, body) SELECT rowid, ?2 FROM messages WHERE id = ?1")
                    .bind(m.id.to_string())
                    .bind(&m.body)
                    .execute(&mut *tx)
                    .await?;
                add_search_terms(&mut tx, &m.body).await?;
            }
            sqlx::query("UPDATE tickets SET read_at = MAX(COALESCE(read_at, 0), ?2) WHERE id = ?1")
                .bind(m.ticket_id.to_string())
                .bind(ms(&m.created_at))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops provisional rows (a discarded write, or one whose server copy replaces it).
    pub async fn remove_provisional(
        &self,
        ticket: Option<Uuid>,
        message: Option<Uuid>,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(m) = message {
            sqlx::query("DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE id = ?1 AND provisional = 1)")
                .bind(m.to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM messages WHERE id = ?1 AND provisional = 1")
                .bind(m.to_string())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(t) = ticket {
            // A ticket the server never had goes with its provisional messages.
            let only_local: Option<i64> = sqlx::query_scalar(
                "SELECT rowid FROM tickets WHERE id = ?1 AND provisional = 1 AND number = 0",
            )
            .bind(t.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(rowid) = only_local {
                sqlx::query("DELETE FROM tickets_fts WHERE rowid = ?1")
                    .bind(rowid)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM tickets WHERE rowid = ?1")
                    .bind(rowid)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE ticket_id = ?1 AND provisional = 1)")
                    .bind(t.to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM messages WHERE ticket_id = ?1 AND provisional = 1")
                    .bind(t.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
