//! The cache: the device's mirror of topics, tickets and messages (with attachment metadata),
//! incidents, pages and the duty roster, and full-text search over them. Every read the UI
//! makes is answered from here. A pulled page is applied in one transaction with a handful of
//! statements (`json_each` over the page), so applying costs little per row (`apply`); reads
//! and provisional rows of tickets and messages are in `tickets`, search in `search` and its
//! index in `index`, the outage tables in `incidents`, the requests of Telegram chats not
//! linked in `telegram`.

mod apply;
mod incidents;
mod index;
mod provisional;
mod search;
mod telegram;
#[cfg(test)]
mod tests;
mod tickets;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use desk_domain::{Message, Ticket};
use serde::{Deserialize, Serialize};
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqlitePool};
use uuid::Uuid;

use crate::db;

/// Kept at their old paths: a page's JSON now comes with the transport's pulled page, and what
/// applying it did is the notification policy's input.
pub use crate::api::PageJson;
pub use crate::notify::Applied;
pub(crate) use incidents::PendingOutages;
pub use search::{query_words, snippet};

/// Which tickets a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TicketQuery {
    /// `open`, `resolved` (resolved or closed), or `all` (default).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub topic_id: Option<String>,
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    /// Only tickets nobody is assigned to.
    #[serde(default)]
    pub unassigned: bool,
    /// Urgent tickets first (the agents' queue).
    #[serde(default)]
    pub urgent_first: bool,
    #[serde(default)]
    pub offset: u32,
    /// Default 200.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A ticket as the cache holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CachedTicket {
    pub ticket: Ticket,
    /// Shows a write still in the outbox (no number yet, or a status change not yet sent).
    pub provisional: bool,
    pub unread: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CachedMessage {
    pub message: Message,
    pub provisional: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SearchHit {
    pub ticket: CachedTicket,
    /// The matching text with the hits between `[` and `]`.
    pub snippet: String,
}

pub struct Cache {
    pool: SqlitePool,
    path: PathBuf,
    /// The connection that applies pulled pages and builds the search index, kept out of the
    /// pool. SQLite drops a connection's page cache whenever another connection has written
    /// since it last read, so pages applied through whichever pooled connection came next
    /// each started cold (re-reading the B-tree pages from the OS); one writer keeps its
    /// cache warm across pages. Taken lazily; given back to the pool by `close`.
    writer: tokio::sync::Mutex<Option<PoolConnection<Sqlite>>>,
    /// The full integrity check running in the background after a cheap open.
    check: tokio::sync::Mutex<Option<tokio::task::JoinHandle<bool>>>,
}

const BACKGROUND_CHECK_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

fn ms(t: &DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

impl Cache {
    /// Opens the cache; a damaged file is set aside and a fresh one created (answers `true`).
    /// Only a cache the last session did not close is checked in full before it opens; any
    /// other gets its full check in the background a moment later (`db::open_cache`).
    pub async fn open(path: &Path) -> anyhow::Result<(Self, bool)> {
        let (cache, rebuilt) = match db::open_cache(path).await {
            Ok((pool, checked)) => (Self::new(pool, path, checked), false),
            Err(e) => {
                tracing::warn!(error = %e, path = %path.display(), "cache damaged; rebuilding from the server");
                db::set_aside(path)?;
                let (pool, _) = db::open_cache(path).await?;
                (Self::new(pool, path, db::Checked::InFull), true)
            }
        };
        Ok((cache, rebuilt))
    }

    /// Whether the background integrity check passed, once it has run (`None`: none was due,
    /// or it was stopped by `close`). A failure marks the file to be rebuilt at the next open.
    pub async fn background_check(&self) -> Option<bool> {
        let handle = self.check.lock().await.take()?;
        handle.await.ok()
    }

    fn new(pool: SqlitePool, path: &Path, checked: db::Checked) -> Self {
        let check = (checked == db::Checked::Cheaply)
            .then(|| db::check_later(pool.clone(), path, BACKGROUND_CHECK_DELAY));
        Self {
            pool,
            path: path.to_owned(),
            writer: tokio::sync::Mutex::new(None),
            check: tokio::sync::Mutex::new(check),
        }
    }

    /// The writer connection (see `Cache::writer`), held until the guard drops.
    async fn writer(
        &self,
    ) -> anyhow::Result<tokio::sync::MappedMutexGuard<'_, PoolConnection<Sqlite>>> {
        let mut slot = self.writer.lock().await;
        if slot.is_none() {
            let mut conn = self.pool.acquire().await?;
            // A 16 MiB page cache: a 1000-change page's dirty pages fit, so SQLite does not
            // spill them into the WAL mid-transaction. Statement journals (each multi-row
            // upsert keeps one) stay in memory instead of temporary files.
            sqlx::raw_sql("PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;")
                .execute(&mut *conn)
                .await?;
            *slot = Some(conn);
        }
        tokio::sync::MutexGuard::try_map(slot, Option::as_mut)
            .map_err(|_| anyhow::anyhow!("the cache's writer connection is gone"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For the readers kept beside their features (incidents.rs).
    /// Gives back the writer's page cache (up to 16 MiB after a first sync) once a large pull
    /// is applied: the next small write reads its few pages from the OS file cache.
    pub(crate) async fn release_writer_cache(&self) {
        let mut slot = self.writer.lock().await;
        if let Some(conn) = slot.as_mut()
            && let Err(e) = sqlx::raw_sql("PRAGMA shrink_memory")
                .execute(&mut **conn)
                .await
        {
            tracing::debug!(error = %e, "cannot shrink the writer's page cache");
        }
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        if let Some(check) = self.check.lock().await.take() {
            check.abort();
        }
        // The pool waits for every connection to come back, the writer's too.
        drop(self.writer.lock().await.take());
        self.pool.close().await;
        db::closed(&self.path);
    }

    pub async fn cursor(&self) -> anyhow::Result<i64> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'cursor'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }
}
