//! The device's own store (`local.sqlite3`): the outbox of unsent writes, drafts, their copied
//! files, and the notifications already shown. Nothing here can be fetched again from the
//! server, so it is written with `synchronous=FULL` and kept apart from the rebuildable cache.

use std::path::{Path, PathBuf};

use desk_domain::{OutageKind, UpdateTicket};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use crate::db;

/// A write waiting to reach the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Op {
    CreateTicket {
        topic_id: String,
        subject: String,
        body: String,
    },
    AddMessage {
        body: String,
        internal: bool,
    },
    UpdateTicket {
        update: UpdateTicket,
    },
    /// `POST /outages`: an urgent report ticket (the item's `entity_id`) linked to an incident.
    ReportOutage {
        kind: OutageKind,
        description: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting or being sent; retried until the server acknowledges it.
    Pending,
    /// The server refused it for good; kept for the user to fix or discard.
    Failed,
}

/// A file copied into the app's data dir, owned by a draft or an outbox item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LocalFile {
    pub id: Uuid,
    pub path: PathBuf,
    pub filename: String,
    pub size: u64,
    pub sha256: String,
    pub media_type: String,
    /// The server's attachment id once uploaded.
    pub server_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct OutboxItem {
    pub seq: i64,
    /// The ticket or message this write creates or changes.
    pub entity_id: Uuid,
    pub ticket_id: Uuid,
    pub op: Op,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: i64,
    pub files: Vec<LocalFile>,
}

/// The create-ticket form or a reply box, as last typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Draft {
    pub key: String,
    pub topic_id: Option<String>,
    pub subject: String,
    pub body: String,
    pub internal: bool,
    pub files: Vec<LocalFile>,
    pub updated_at: i64,
}

pub struct Local {
    pool: SqlitePool,
}

fn owner_outbox(seq: i64) -> String {
    format!("outbox:{seq}")
}

fn owner_draft(key: &str) -> String {
    format!("draft:{key}")
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Local {
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            pool: db::open(path, &db::LOCAL_MIGRATIONS, true).await?,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A value kept as JSON under `key`; `None` when absent or no longer readable (an older
    /// shape is dropped, not an error: what is kept this way is a copy of the server's).
    pub async fn meta_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> anyhow::Result<Option<T>> {
        Ok(self
            .meta(key)
            .await?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    pub async fn set_meta_json<T: serde::Serialize>(
        &self,
        key: &str,
        value: &T,
    ) -> anyhow::Result<()> {
        self.set_meta(key, &serde_json::to_string(value)?).await
    }

    async fn files_of(&self, owner: &str) -> anyhow::Result<Vec<LocalFile>> {
        let rows = sqlx::query(
            "SELECT id, path, filename, size, sha256, media_type, server_id FROM local_files WHERE owner = ?1 ORDER BY position",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LocalFile {
                    id: Uuid::parse_str(r.try_get("id")?)?,
                    path: PathBuf::from(r.try_get::<String, _>("path")?),
                    filename: r.try_get("filename")?,
                    size: u64::try_from(r.try_get::<i64, _>("size")?).unwrap_or(0),
                    sha256: r.try_get("sha256")?,
                    media_type: r.try_get("media_type")?,
                    server_id: r
                        .try_get::<Option<String>, _>("server_id")?
                        .and_then(|s| Uuid::parse_str(&s).ok()),
                })
            })
            .collect()
    }

    /// Queues a write; with `draft`, the draft's files move to the item and the draft goes, in
    /// the same transaction, so a crash leaves either the draft or the queued write.
    pub async fn enqueue(
        &self,
        entity_id: Uuid,
        ticket_id: Uuid,
        op: &Op,
        draft: Option<&str>,
    ) -> anyhow::Result<OutboxItem> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let created_at = now_ms();
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (entity_id, ticket_id, op, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING seq",
        )
        .bind(entity_id.to_string())
        .bind(ticket_id.to_string())
        .bind(serde_json::to_string(op)?)
        .bind(created_at)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(key) = draft {
            sqlx::query("UPDATE local_files SET owner = ?1 WHERE owner = ?2")
                .bind(owner_outbox(seq))
                .bind(owner_draft(key))
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM drafts WHERE key = ?1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.item(seq)
            .await?
            .ok_or_else(|| anyhow::anyhow!("queued item {seq} vanished"))
    }

    fn row_to_item(r: &sqlx::sqlite::SqliteRow) -> anyhow::Result<OutboxItem> {
        let state: String = r.try_get("state")?;
        Ok(OutboxItem {
            seq: r.try_get("seq")?,
            entity_id: Uuid::parse_str(r.try_get("entity_id")?)?,
            ticket_id: Uuid::parse_str(r.try_get("ticket_id")?)?,
            op: serde_json::from_str(r.try_get("op")?)?,
            state: if state == "failed" {
                OutboxState::Failed
            } else {
                OutboxState::Pending
            },
            attempts: r.try_get("attempts")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            error_code: r.try_get("error_code")?,
            error_message: r.try_get("error_message")?,
            created_at: r.try_get("created_at")?,
            files: Vec::new(),
        })
    }

    const ITEM_COLUMNS: &'static str = "seq, entity_id, ticket_id, op, state, attempts, next_attempt_at, error_code, error_message, created_at";

    pub async fn item(&self, seq: i64) -> anyhow::Result<Option<OutboxItem>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM outbox WHERE seq = ?1",
            Self::ITEM_COLUMNS
        )))
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => {
                let mut item = Self::row_to_item(&r)?;
                item.files = self.files_of(&owner_outbox(seq)).await?;
                Ok(Some(item))
            }
            None => Ok(None),
        }
    }

    /// Every queued write, oldest first.
    pub async fn items(&self) -> anyhow::Result<Vec<OutboxItem>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM outbox ORDER BY seq",
            Self::ITEM_COLUMNS
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut item = Self::row_to_item(r)?;
            item.files = self.files_of(&owner_outbox(item.seq)).await?;
            out.push(item);
        }
        Ok(out)
    }

    pub async fn counts(&self) -> anyhow::Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(state = 'pending'), 0) AS p, COALESCE(SUM(state = 'failed'), 0) AS f FROM outbox",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("p")?, row.try_get("f")?))
    }

    pub async fn set_file_uploaded(&self, file: Uuid, server_id: Uuid) -> anyhow::Result<()> {
        sqlx::query("UPDATE local_files SET server_id = ?2 WHERE id = ?1")
            .bind(file.to_string())
            .bind(server_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The server acknowledged the write: it leaves the outbox (its files' rows too; the
    /// caller decides what becomes of the copies on disk).
    pub async fn complete(&self, seq: i64) -> anyhow::Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM local_files WHERE owner = ?1")
            .bind(owner_outbox(seq))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM outbox WHERE seq = ?1")
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn retry_later(&self, seq: i64, at_ms: i64, message: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, error_message = ?3, error_code = NULL WHERE seq = ?1",
        )
        .bind(seq)
        .bind(at_ms)
        .bind(message)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn fail(&self, seq: i64, code: &str, message: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error_code = ?2, error_message = ?3 WHERE seq = ?1",
        )
        .bind(seq)
        .bind(code)
        .bind(message)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends every pending item's backoff: the server is reachable again.
    pub async fn due_now(&self) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending' AND next_attempt_at > 0",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Puts a failed item back in line, to be sent at once.
    pub async fn retry(&self, seq: i64) -> anyhow::Result<bool> {
        let n = sqlx::query(
            "UPDATE outbox SET state = 'pending', next_attempt_at = 0, error_code = NULL, error_message = NULL WHERE seq = ?1",
        )
        .bind(seq)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Removes an item the user gave up on; answers it (with its files, to delete).
    pub async fn discard(&self, seq: i64) -> anyhow::Result<Option<OutboxItem>> {
        let item = self.item(seq).await?;
        if item.is_some() {
            self.complete(seq).await?;
        }
        Ok(item)
    }

    // --- drafts

    pub async fn draft(&self, key: &str) -> anyhow::Result<Option<Draft>> {
        let row = sqlx::query(
            "SELECT key, topic_id, subject, body, internal, updated_at FROM drafts WHERE key = ?1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        let files = self.files_of(&owner_draft(key)).await?;
        match row {
            Some(r) => Ok(Some(Draft {
                key: r.try_get("key")?,
                topic_id: r.try_get("topic_id")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                internal: r.try_get("internal")?,
                updated_at: r.try_get("updated_at")?,
                files,
            })),
            None if !files.is_empty() => Ok(Some(Draft {
                key: key.to_owned(),
                files,
                ..Draft::default()
            })),
            None => Ok(None),
        }
    }

    pub async fn save_draft(
        &self,
        key: &str,
        topic_id: Option<&str>,
        subject: &str,
        body: &str,
        internal: bool,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO drafts (key, topic_id, subject, body, internal, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (key) DO UPDATE SET topic_id = excluded.topic_id, subject = excluded.subject, \
             body = excluded.body, internal = excluded.internal, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(topic_id)
        .bind(subject)
        .bind(body)
        .bind(internal)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn add_draft_file(&self, key: &str, f: &LocalFile) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO local_files (id, owner, position, path, filename, size, sha256, media_type) \
             VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM local_files WHERE owner = ?2), ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(f.id.to_string())
        .bind(owner_draft(key))
        .bind(f.path.to_string_lossy().into_owned())
        .bind(&f.filename)
        .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
        .bind(&f.sha256)
        .bind(&f.media_type)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes a file from a draft; answers its copy's path to delete.
    pub async fn remove_draft_file(
        &self,
        key: &str,
        file: Uuid,
    ) -> anyhow::Result<Option<PathBuf>> {
        let path: Option<String> = sqlx::query_scalar(
            "DELETE FROM local_files WHERE id = ?1 AND owner = ?2 RETURNING path",
        )
        .bind(file.to_string())
        .bind(owner_draft(key))
        .fetch_optional(&self.pool)
        .await?;
        Ok(path.map(PathBuf::from))
    }

    /// Drops a draft; answers its files' copies to delete.
    pub async fn discard_draft(&self, key: &str) -> anyhow::Result<Vec<PathBuf>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let paths: Vec<String> =
            sqlx::query_scalar("DELETE FROM local_files WHERE owner = ?1 RETURNING path")
                .bind(owner_draft(key))
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query("DELETE FROM drafts WHERE key = ?1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(paths.into_iter().map(PathBuf::from).collect())
    }

    // --- notifications already shown

    /// Records `keys` as shown; answers those not shown before (in order).
    pub async fn first_time(&self, keys: &[String]) -> anyhow::Result<Vec<String>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut fresh = Vec::new();
        for k in keys {
            let n = sqlx::query("INSERT OR IGNORE INTO notified (key, at) VALUES (?1, ?2)")
                .bind(k)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                fresh.push(k.clone());
            }
        }
        tx.commit().await?;
        Ok(fresh)
    }
}
