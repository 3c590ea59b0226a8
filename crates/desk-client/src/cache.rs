//! The cache: the device's mirror of topics, tickets and messages (with attachment metadata),
//! and full-text search over them. Every read the UI makes is answered from here. A pulled page
//! is applied in one transaction with a handful of statements (`json_each` over the page), so
//! applying costs little per row.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use desk_domain::{Attachment, ChangeData, ChangesPage, Message, Ticket, TicketStatus, Topic};
use serde::{Deserialize, Serialize};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::db;

/// A page's topics, tickets and messages, each kind a JSON array of the items as the server
/// sent them (empty when the page has none of that kind), in the page's order.
#[derive(Debug, Default, Clone)]
pub struct PageJson {
    pub topics: String,
    pub tickets: String,
    pub messages: String,
}

/// What applying a page did, for the notification policy and the UI's "models changed".
#[derive(Debug, Default, Clone)]
pub struct Applied {
    /// Tickets as they were before this page (absent: first seen now) and as they are now.
    pub tickets: Vec<(Option<Ticket>, Ticket)>,
    /// Messages first seen in this page (not provisional copies of our own sends).
    pub new_messages: Vec<Message>,
    /// The cached tickets of new messages whose ticket this page did not carry (a pull split
    /// across pages), so the notification policy knows what each message belongs to. Not
    /// filled on a first sync, which raises no notifications.
    pub message_tickets: Vec<Ticket>,
    pub topics_changed: bool,
    pub cursor: i64,
    /// Incidents, pages and the duty roster (see `incidents::apply`).
    pub outages: crate::incidents::OutageChanges,
}

impl Applied {
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
            && self.new_messages.is_empty()
            && !self.topics_changed
            && self.outages.is_empty()
    }
}

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

/// How long after opening the full integrity check starts: after the app's first paint.
const BACKGROUND_CHECK_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

/// The cached tickets of `applied`'s new messages that its page did not carry.
async fn message_tickets(
    conn: &mut SqliteConnection,
    applied: &Applied,
) -> anyhow::Result<Vec<Ticket>> {
    let carried: HashSet<Uuid> = applied.tickets.iter().map(|(_, t)| t.id).collect();
    let missing: HashSet<Uuid> = applied
        .new_messages
        .iter()
        .map(|m| m.ticket_id)
        .filter(|id| !carried.contains(id))
        .collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT data FROM tickets WHERE id IN (SELECT value FROM json_each(?1))",
    )
    .bind(serde_json::to_string(&missing)?)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(serde_json::from_str(r)?)).collect()
}

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

    /// Applies one pulled page and moves the cursor, all in one transaction.
    pub async fn apply(&self, page: &ChangesPage, me: Uuid) -> anyhow::Result<Applied> {
        self.apply_json(page, None, me).await
    }

    /// [`Cache::apply`] for a page as the engine pulls it: the topics, tickets and messages are
    /// stored as the server sent them, not serialized again.
    pub async fn apply_pulled(
        &self,
        pulled: &crate::api::PulledPage,
        me: Uuid,
    ) -> anyhow::Result<Applied> {
        self.apply_json(&pulled.page, Some(&pulled.json), me).await
    }

    async fn apply_json(
        &self,
        page: &ChangesPage,
        json: Option<&PageJson>,
        me: Uuid,
    ) -> anyhow::Result<Applied> {
        let mut topics: Vec<&Topic> = Vec::new();
        let mut tickets: Vec<&Ticket> = Vec::new();
        let mut messages: Vec<&Message> = Vec::new();
        let mut outages = crate::incidents::PendingOutages::default();
        for c in &page.items {
            match &c.entity {
                ChangeData::Topic(t) => topics.push(t),
                ChangeData::Ticket(t) => tickets.push(t),
                ChangeData::Message(m) => messages.push(m),
                ChangeData::Incident(_) | ChangeData::Page(_) | ChangeData::Duty(_) => {
                    outages.push(&c.entity)
                }
            }
        }
        let mut writer = self.writer().await?;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        let initial = {
            let v: Option<String> =
                sqlx::query_scalar("SELECT value FROM meta WHERE key = 'cursor'")
                    .fetch_optional(&mut *tx)
                    .await?;
            v.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0) == 0
        };
        let mut applied = Applied {
            cursor: page.next,
            ..Applied::default()
        };
        // While the search index waits to be built in bulk (a first sync), rows are not
        // indexed one page at a time: `build_search_index` takes them all afterwards.
        let index_now = !search_pending(&mut tx).await?;
        let mut indexed_text = String::new();

        if !topics.is_empty() {
            let serialized;
            let json: &str = match json {
                Some(j) => &j.topics,
                None => {
                    serialized = serde_json::to_string(&topics)?;
                    &serialized
                }
            };
            sqlx::query(
                "INSERT INTO topics (id, position, active, data) \
                 SELECT json_extract(value, '$.id'), json_extract(value, '$.position'), \
                        json_extract(value, '$.active'), value FROM json_each(?1) WHERE true \
                 ON CONFLICT (id) DO UPDATE SET position = excluded.position, active = excluded.active, data = excluded.data",
            )
            .bind(json)
            .execute(&mut *tx)
            .await?;
            applied.topics_changed = true;
        }

        if !tickets.is_empty() {
            let serialized;
            let json: &str = match json {
                Some(j) => &j.tickets,
                None => {
                    serialized = serde_json::to_string(&tickets)?;
                    &serialized
                }
            };
            let ids = serde_json::to_string(&tickets.iter().map(|t| t.id).collect::<Vec<_>>())?;
            let before_rows = sqlx::query(
                "SELECT data FROM tickets WHERE id IN (SELECT value FROM json_each(?1))",
            )
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
            let mut before: HashMap<Uuid, Ticket> = HashMap::with_capacity(before_rows.len());
            for r in before_rows {
                let t: Ticket = serde_json::from_str(r.get::<&str, _>(0))?;
                before.insert(t.id, t);
            }
            // A ticket seen for the first time during the first sync counts as read.
            sqlx::query(
                "INSERT INTO tickets (id, number, subject, topic_id, status, urgent, organization_id, assignee_id, \
                   created_at, last_message_at, data, provisional, read_at) \
                 SELECT json_extract(value, '$.id'), json_extract(value, '$.number'), json_extract(value, '$.subject'), \
                   json_extract(value, '$.topic_id'), json_extract(value, '$.status'), json_extract(value, '$.urgent'), \
                   json_extract(value, '$.organization_id'), json_extract(value, '$.assignee.id'), \
                   CAST(unixepoch(json_extract(value, '$.created_at'), 'subsec') * 1000 AS INTEGER), \
                   CAST(unixepoch(json_extract(value, '$.last_message_at'), 'subsec') * 1000 AS INTEGER), \
                   value, 0, \
                   CASE WHEN ?2 THEN CAST(unixepoch(json_extract(value, '$.last_message_at'), 'subsec') * 1000 AS INTEGER) END \
                 FROM json_each(?1) WHERE true \
                 ON CONFLICT (id) DO UPDATE SET number = excluded.number, subject = excluded.subject, \
                   topic_id = excluded.topic_id, status = excluded.status, urgent = excluded.urgent, \
                   organization_id = excluded.organization_id, assignee_id = excluded.assignee_id, \
                   created_at = excluded.created_at, last_message_at = excluded.last_message_at, \
                   data = excluded.data, provisional = 0",
            )
            .bind(json)
            .bind(initial)
            .execute(&mut *tx)
            .await?;
            let fresh: Vec<Uuid> = tickets
                .iter()
                .map(|t| t.id)
                .filter(|id| !before.contains_key(id))
                .collect();
            if index_now && !fresh.is_empty() {
                sqlx::query(
                    "INSERT INTO tickets_fts (rowid, subject) SELECT rowid, subject FROM tickets \
                     WHERE id IN (SELECT value FROM json_each(?1))",
                )
                .bind(serde_json::to_string(&fresh)?)
                .execute(&mut *tx)
                .await?;
                for t in tickets.iter().filter(|t| !before.contains_key(&t.id)) {
                    indexed_text.push_str(&t.subject);
                    indexed_text.push('\n');
                }
            }
            for t in &tickets {
                let b = before.get(&t.id).cloned();
                applied.tickets.push((b, (*t).clone()));
            }
        }

        if !messages.is_empty() {
            let serialized;
            let json: &str = match json {
                Some(j) => &j.messages,
                None => {
                    serialized = serde_json::to_string(&messages)?;
                    &serialized
                }
            };
            let ids = serde_json::to_string(&messages.iter().map(|m| m.id).collect::<Vec<_>>())?;
            let known: HashSet<Uuid> = sqlx::query_scalar::<_, String>(
                "SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(?1))",
            )
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .filter_map(|s| Uuid::parse_str(s).ok())
            .collect();
            // A ticket written here stood with its first message under the ticket's own id;
            // the server gives that message an id of its own. Its copy replaces the stand-in
            // in this transaction, so the conversation is never shown empty or twice, whether
            // the copy came with the answer to the write or with a later pull.
            // The stand-ins are few (an index of their own holds just them), so the page's
            // tickets are matched against them here (reading the tickets out of the page's
            // JSON in SQL cost a 1000-change page 3.5 ms).
            let stand_ins: Vec<i64> = sqlx::query_as::<_, (i64, String)>(
                "SELECT rowid, ticket_id FROM messages WHERE provisional = 1 AND id = ticket_id",
            )
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .filter(|(_, ticket)| {
                Uuid::parse_str(ticket).is_ok_and(|t| messages.iter().any(|m| m.ticket_id == t))
            })
            .map(|(rowid, _)| rowid)
            .collect();
            if !stand_ins.is_empty() {
                let rowids = serde_json::to_string(&stand_ins)?;
                sqlx::query(
                    "DELETE FROM messages_fts WHERE rowid IN (SELECT value FROM json_each(?1))",
                )
                .bind(&rowids)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM messages WHERE rowid IN (SELECT value FROM json_each(?1))",
                )
                .bind(&rowids)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO messages (id, ticket_id, created_at, data, provisional) \
                 SELECT json_extract(value, '$.id'), json_extract(value, '$.ticket_id'), \
                   CAST(unixepoch(json_extract(value, '$.created_at'), 'subsec') * 1000 AS INTEGER), value, 0 \
                 FROM json_each(?1) WHERE true \
                 ON CONFLICT (id) DO UPDATE SET ticket_id = excluded.ticket_id, created_at = excluded.created_at, \
                   data = excluded.data, provisional = 0",
            )
            .bind(json)
            .execute(&mut *tx)
            .await?;
            let fresh: Vec<&&Message> =
                messages.iter().filter(|m| !known.contains(&m.id)).collect();
            if index_now && !fresh.is_empty() {
                for m in &fresh {
                    indexed_text.push_str(&m.body);
                    indexed_text.push('\n');
                }
                let fresh_ids =
                    serde_json::to_string(&fresh.iter().map(|m| m.id).collect::<Vec<_>>())?;
                sqlx::query(
                    "INSERT INTO messages_fts (rowid, body) SELECT rowid, json_extract(data, '$.body') FROM messages \
                     WHERE id IN (SELECT value FROM json_each(?1))",
                )
                .bind(fresh_ids)
                .execute(&mut *tx)
                .await?;
            }
            // What I wrote myself is read: one statement for the whole page.
            let mut mine: HashMap<Uuid, i64> = HashMap::new();
            for m in messages.iter().filter(|m| m.author.id == me) {
                let at = mine.entry(m.ticket_id).or_insert(0);
                *at = (*at).max(ms(&m.created_at));
            }
            if !mine.is_empty() {
                let pairs: Vec<(Uuid, i64)> = mine.into_iter().collect();
                sqlx::query(
                    "UPDATE tickets SET read_at = MAX(COALESCE(tickets.read_at, 0), m.at) \
                     FROM (SELECT json_extract(value, '$[0]') AS tid, json_extract(value, '$[1]') AS at \
                           FROM json_each(?1)) AS m \
                     WHERE tickets.id = m.tid",
                )
                .bind(serde_json::to_string(&pairs)?)
                .execute(&mut *tx)
                .await?;
            }
            applied.new_messages = fresh.into_iter().map(|m| (**m).clone()).collect();
        }
        if !initial {
            applied.message_tickets = message_tickets(&mut tx, &applied).await?;
        }

        applied.outages = crate::incidents::apply(
            &mut tx,
            &outages,
            applied
                .tickets
                .iter()
                .map(|(_, t)| t)
                .chain(&applied.message_tickets),
            me,
        )
        .await?;
        add_search_terms(&mut tx, &indexed_text).await?;
        sqlx::query("INSERT INTO meta (key, value) VALUES ('cursor', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(page.next.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Stores what the server answered directly (acknowledging a write), leaving the cursor.
    pub async fn put(&self, entity: ChangeData, me: Uuid) -> anyhow::Result<Applied> {
        self.put_all(vec![entity], me).await
    }

    /// Stores entities the server answered directly (acknowledging a write) in one
    /// transaction, leaving the cursor where it is.
    pub async fn put_all(&self, entities: Vec<ChangeData>, me: Uuid) -> anyhow::Result<Applied> {
        let page = ChangesPage {
            items: entities
                .into_iter()
                .map(|entity| desk_domain::Change { seq: 0, entity })
                .collect(),
            next: self.cursor().await?,
            has_more: false,
        };
        self.apply(&page, me).await
    }

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

    pub async fn topics(&self) -> anyhow::Result<Vec<Topic>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT data FROM topics WHERE active = 1 ORDER BY position")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok(serde_json::from_str(r)?)).collect()
    }

    fn cached_ticket(row: &sqlx::sqlite::SqliteRow) -> anyhow::Result<CachedTicket> {
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

    /// Tickets whose subject or messages match `text`, best first. Every word matches as a
    /// prefix (`дисп` finds `диспетчер`), case and diacritics ignored. A typed word is first
    /// expanded into the indexed words it begins (`search_vocab`), so the index is walked
    /// newest first and stops after the newest 120 matches of each kind, however common the
    /// words; those are ranked (BM25 over their text, subjects weighing double) and snippets
    /// cut only for the hits returned.
    pub async fn search(&self, text: &str, limit: u32) -> anyhow::Result<Vec<SearchHit>> {
        // A ticket number (`1042` or `#1042`) finds that ticket first.
        let mut hits = Vec::new();
        if let Ok(n) = text.trim().trim_start_matches('#').parse::<i64>() {
            let row = sqlx::query(
                "SELECT data, provisional, (read_at IS NULL OR read_at < last_message_at) AS unread \
                 FROM tickets WHERE number = ?1 AND number > 0",
            )
            .bind(n)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(r) = row {
                let ticket = Self::cached_ticket(&r)?;
                let snippet = format!("#{n} {}", ticket.ticket.subject);
                hits.push(SearchHit { ticket, snippet });
            }
        }
        let words = query_words(text);
        if words.is_empty() {
            return Ok(hits);
        }
        // After a first sync the index is built in bulk; a search that comes first builds it.
        self.build_search_index().await?;
        let mut conn = self.pool.acquire().await?;
        let mut parts = Vec::with_capacity(words.len());
        for w in &words {
            match word_query(&mut conn, w).await? {
                Some(q) => parts.push(q),
                // No indexed word begins so: nothing can match.
                None => return Ok(hits),
            }
        }
        let query = parts.join(" AND ");
        let messages: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.ticket_id, json_extract(m.data, '$.body') FROM \
               (SELECT rowid AS r FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f \
             JOIN messages m ON m.rowid = f.r",
        )
        .bind(&query)
        .bind(CANDIDATES)
        .fetch_all(&mut *conn)
        .await?;
        let subjects: Vec<(String, String)> = sqlx::query_as(
            "SELECT t.id, t.subject FROM \
               (SELECT rowid AS r FROM tickets_fts WHERE tickets_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f \
             JOIN tickets t ON t.rowid = f.r",
        )
        .bind(&query)
        .bind(CANDIDATES)
        .fetch_all(&mut *conn)
        .await?;

        // Best source per ticket, best first.
        let folded: Vec<Vec<char>> = words.iter().map(|w| w.chars().collect()).collect();
        let mut best: std::collections::HashMap<String, (f64, String)> =
            std::collections::HashMap::new();
        for (rows, weight) in [(messages, 1.0), (subjects, 2.0)] {
            for (tid, score, source) in rank(rows, &folded, weight) {
                let e = best.entry(tid).or_insert((f64::MIN, String::new()));
                if score > e.0 {
                    *e = (score, source);
                }
            }
        }
        let mut order: Vec<(String, (f64, String))> = best.into_iter().collect();
        order.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
        order.truncate(limit as usize);
        let ids = serde_json::to_string(&order.iter().map(|(id, _)| id).collect::<Vec<_>>())?;
        let rows = sqlx::query(
            "SELECT id, data, provisional, (read_at IS NULL OR read_at < last_message_at) AS unread \
             FROM tickets WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
        let mut by_id: std::collections::HashMap<String, CachedTicket> =
            std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            by_id.insert(r.try_get("id")?, Self::cached_ticket(r)?);
        }
        for (id, (_, source)) in order {
            let Some(ticket) = by_id.remove(&id) else {
                continue;
            };
            if hits
                .iter()
                .any(|h: &SearchHit| h.ticket.ticket.id == ticket.ticket.id)
            {
                continue;
            }
            hits.push(SearchHit {
                ticket,
                snippet: snippet(&source, &folded),
            });
        }
        Ok(hits)
    }

    /// Builds the search index in bulk where a first sync (or a new index format) left it to
    /// be built: a chunk of rows per transaction, so writes in between are not held up for
    /// long. Returns at once when there is nothing to build.
    pub async fn build_search_index(&self) -> anyhow::Result<()> {
        loop {
            let mut writer = self.writer().await?;
            let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
            if !search_pending(&mut tx).await? {
                return Ok(());
            }
            let tickets = index_chunk(
                &mut tx,
                "search_upto_tickets",
                "SELECT MAX(rowid) FROM (SELECT rowid FROM tickets WHERE rowid > ?1 ORDER BY rowid LIMIT ?2)",
                "INSERT INTO tickets_fts (rowid, subject) SELECT rowid, subject FROM tickets WHERE rowid > ?1 AND rowid <= ?2",
                "INSERT INTO search_terms (words) SELECT group_concat(subject, char(10)) FROM tickets \
                 WHERE rowid > ?1 AND rowid <= ?2 HAVING count(*) > 0",
            )
            .await?;
            let messages = index_chunk(
                &mut tx,
                "search_upto_messages",
                "SELECT MAX(rowid) FROM (SELECT rowid FROM messages WHERE rowid > ?1 ORDER BY rowid LIMIT ?2)",
                "INSERT INTO messages_fts (rowid, body) SELECT rowid, json_extract(data, '$.body') FROM messages \
                 WHERE rowid > ?1 AND rowid <= ?2",
                "INSERT INTO search_terms (words) SELECT group_concat(json_extract(data, '$.body'), char(10)) \
                 FROM messages WHERE rowid > ?1 AND rowid <= ?2 HAVING count(*) > 0",
            )
            .await?;
            if !tickets && !messages {
                // All caught up. A row written meanwhile under a rowid already passed (one
                // freed by a discarded write) is found by counting, and indexed too.
                let missing: bool = sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM tickets) != (SELECT COUNT(*) FROM tickets_fts_docsize) \
                         OR (SELECT COUNT(*) FROM messages) != (SELECT COUNT(*) FROM messages_fts_docsize)",
                )
                .fetch_one(&mut *tx)
                .await?;
                if missing {
                    sqlx::raw_sql(
                        "CREATE TEMP TABLE IF NOT EXISTS unindexed (kind INTEGER, r INTEGER, PRIMARY KEY (kind, r)); \
                         DELETE FROM temp.unindexed; \
                         INSERT INTO temp.unindexed SELECT 0, rowid FROM tickets t \
                           WHERE NOT EXISTS (SELECT 1 FROM tickets_fts_docsize d WHERE d.id = t.rowid); \
                         INSERT INTO temp.unindexed SELECT 1, rowid FROM messages m \
                           WHERE NOT EXISTS (SELECT 1 FROM messages_fts_docsize d WHERE d.id = m.rowid); \
                         INSERT INTO tickets_fts (rowid, subject) SELECT rowid, subject FROM tickets \
                           WHERE rowid IN (SELECT r FROM temp.unindexed WHERE kind = 0); \
                         INSERT INTO messages_fts (rowid, body) SELECT rowid, json_extract(data, '$.body') FROM messages \
                           WHERE rowid IN (SELECT r FROM temp.unindexed WHERE kind = 1); \
                         INSERT INTO search_terms (words) SELECT group_concat(subject, char(10)) FROM tickets \
                           WHERE rowid IN (SELECT r FROM temp.unindexed WHERE kind = 0) HAVING count(*) > 0; \
                         INSERT INTO search_terms (words) SELECT group_concat(json_extract(data, '$.body'), char(10)) FROM messages \
                           WHERE rowid IN (SELECT r FROM temp.unindexed WHERE kind = 1) HAVING count(*) > 0; \
                         DELETE FROM temp.unindexed;",
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE meta SET value = '0' WHERE key = 'search_pending'")
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
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

/// The part of `text` around the first word starting with one of `words` (lowercased), that
/// word between `[` and `]`; the text's start when none is found (a diacritics-only match).
pub fn snippet(text: &str, words: &[Vec<char>]) -> String {
    let chars: Vec<char> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let found = (0..lower.len()).find(|&i| {
        let at_word_start = i == 0 || !lower[i - 1].is_alphanumeric();
        at_word_start
            && words
                .iter()
                .any(|w| !w.is_empty() && lower[i..].starts_with(w))
    });
    let Some(i) = found else {
        let head: String = chars.iter().take(120).collect();
        return if chars.len() > 120 {
            format!("{head}…")
        } else {
            head
        };
    };
    let mut end_word = i;
    while end_word < chars.len() && chars[end_word].is_alphanumeric() {
        end_word += 1;
    }
    let start = i.saturating_sub(40);
    let end = (end_word + 80).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..i]);
    out.push('[');
    out.extend(&chars[i..end_word]);
    out.push(']');
    out.extend(&chars[end_word..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// Matches of each kind (subjects, messages) taken newest first and ranked.
const CANDIDATES: i64 = 120;
/// Rows indexed per transaction when the index is built in bulk.
const INDEX_CHUNK: i64 = 25_000;
/// A typed word standing for more indexed words than this is matched as a prefix by FTS5.
const MAX_EXPANSION: usize = 48;

async fn search_pending(conn: &mut sqlx::SqliteConnection) -> anyhow::Result<bool> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'search_pending'")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(v.as_deref() == Some("1"))
}

/// Adds the words of text just indexed to `search_terms`, whose vocabulary expands prefixes.
async fn add_search_terms(conn: &mut sqlx::SqliteConnection, text: &str) -> anyhow::Result<()> {
    if !text.is_empty() {
        sqlx::query("INSERT INTO search_terms (words) VALUES (?1)")
            .bind(text)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Indexes the next chunk of rows past the watermark `key`; answers whether there was one.
async fn index_chunk(
    conn: &mut sqlx::SqliteConnection,
    key: &str,
    upper: &'static str,
    index: &'static str,
    terms: &'static str,
) -> anyhow::Result<bool> {
    let from: i64 = sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = ?1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let to: Option<i64> = sqlx::query_scalar(upper)
        .bind(from)
        .bind(INDEX_CHUNK)
        .fetch_one(&mut *conn)
        .await?;
    let Some(to) = to else {
        return Ok(false);
    };
    for sql in [index, terms] {
        sqlx::query(sql)
            .bind(from)
            .bind(to)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(to.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The words of what a person typed, lowercased (at most 8).
pub fn query_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

/// Characters whose lowercase form is exactly what the index's tokenizer (`unicode61
/// remove_diacritics 2`) makes of them: ASCII letters and digits, and Cyrillic letters (no
/// diacritics are removed from those). A word of only these can be looked up in the index's
/// vocabulary as typed; any other is left to FTS5's own prefix matching.
fn folds_as_typed(c: char) -> bool {
    c.is_ascii_alphanumeric() || (('\u{0400}'..='\u{04FF}').contains(&c) && c.is_alphabetic())
}

/// The FTS5 query for one typed word (lowercased), matching every indexed word it begins:
/// the words themselves when there are few (found in `search_vocab`; each is then walked
/// newest first, stopping early), else the prefix. `None`: no indexed word begins so.
async fn word_query(
    conn: &mut sqlx::SqliteConnection,
    word: &str,
) -> anyhow::Result<Option<String>> {
    let prefix = format!("\"{}\"*", word.replace('"', ""));
    // Two and three letters have prefix indexes of their own.
    if word.chars().count() <= 3 || !word.chars().all(folds_as_typed) {
        return Ok(Some(prefix));
    }
    let terms: Vec<String> =
        sqlx::query_scalar("SELECT term FROM search_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3")
            .bind(word)
            .bind(format!("{word}\u{10FFFF}"))
            .bind(MAX_EXPANSION as i64 + 1)
            .fetch_all(&mut *conn)
            .await?;
    Ok(match terms.len() {
        0 => None,
        n if n > MAX_EXPANSION => Some(prefix),
        _ => Some(format!(
            "({})",
            terms
                .iter()
                .map(|t| format!("\"{}\"", t.replace('"', "")))
                .collect::<Vec<_>>()
                .join(" OR ")
        )),
    })
}

/// Lowercase, with the marks of Latin letters dropped (as the index's tokenizer does).
fn fold(c: char) -> char {
    let c = c.to_lowercase().next().unwrap_or(c);
    const FROM: &str =
        "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž";
    const TO: &str =
        "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz";
    match FROM.chars().position(|f| f == c) {
        Some(i) => TO.chars().nth(i).unwrap_or(c),
        None => c,
    }
}

/// BM25 (k1 = 1.2, b = 0.75) of each candidate `(ticket id, text)` for `words` (each matching
/// as a prefix of a word of the text), times `weight`; every candidate holds every word, so
/// each counts alike. Answers `(ticket id, score, text)`.
fn rank(
    rows: Vec<(String, String)>,
    words: &[Vec<char>],
    weight: f64,
) -> Vec<(String, f64, String)> {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let counted: Vec<(Vec<usize>, usize)> = rows
        .iter()
        .map(|(_, text)| {
            let mut tf = vec![0usize; words.len()];
            let mut len = 0;
            for token in text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
            {
                len += 1;
                let token: Vec<char> = token.chars().map(fold).collect();
                for (i, w) in words.iter().enumerate() {
                    if token.starts_with(w) {
                        tf[i] += 1;
                    }
                }
            }
            (tf, len)
        })
        .collect();
    let avg = counted.iter().map(|(_, l)| *l as f64).sum::<f64>() / counted.len().max(1) as f64;
    rows.into_iter()
        .zip(counted)
        .map(|((tid, text), (tf, len))| {
            let norm = K1 * (1.0 - B + B * len as f64 / avg.max(1.0));
            let score: f64 = tf
                .iter()
                .map(|&f| {
                    let f = f.max(1) as f64;
                    f * (K1 + 1.0) / (f + norm)
                })
                .sum();
            (tid, score * weight, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_the_word() {
        let w = |s: &str| vec![s.chars().collect::<Vec<char>>()];
        assert_eq!(
            snippet("Перезапустіть сервіс карт, будь ласка", &w("карт")),
            "Перезапустіть сервіс [карт], будь ласка"
        );
        assert_eq!(
            snippet("Диспетчерська не бачить", &w("дисп")),
            "[Диспетчерська] не бачить"
        );
        assert_eq!(snippet("Café", &w("cafe")), "Café");
        let long = format!("{} ключ {}", "а ".repeat(60), "б ".repeat(60));
        let s = snippet(&long, &w("ключ"));
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains("[ключ]"),
            "{s}"
        );
    }

    /// Overwrites the file's last page (a B-tree page, not the header) with garbage.
    fn damage_last_page(path: &Path) {
        use std::io::{Seek, SeekFrom, Write};
        let len = std::fs::metadata(path).unwrap().len();
        assert!(len > 64 * 4096, "the test needs a cache of many pages");
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.seek(SeekFrom::Start(len - 4096)).unwrap();
        f.write_all(&[0xA5; 4096]).unwrap();
        f.sync_all().unwrap();
    }

    async fn fill(cache: &Cache) {
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) \
             INSERT INTO meta (key, value) SELECT 'filler' || i, printf('%.1000c', 'x') FROM n",
        )
        .execute(&cache.pool)
        .await
        .unwrap();
    }

    fn set_aside_copies(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".damaged-"))
            .count()
    }

    /// A cache closed cleanly opens with a cheap check only; damage deep in the file is found
    /// by the full check in the background and the next open sets the file aside and starts
    /// afresh. After an unclean shutdown (the `-open` marker left behind) the full check runs
    /// before the cache opens.
    #[tokio::test]
    async fn damage_is_found_in_the_background_or_at_open_after_an_unclean_shutdown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite3");
        let (cache, rebuilt) = Cache::open(&path).await.unwrap();
        assert!(!rebuilt);
        fill(&cache).await;
        assert_eq!(cache.background_check().await, Some(true));
        cache.close().await;
        assert!(!db::marker(&path, db::OPEN).exists(), "closed cleanly");

        damage_last_page(&path);
        let (cache, rebuilt) = Cache::open(&path).await.unwrap();
        assert!(
            !rebuilt,
            "a cleanly closed cache opens without the full check"
        );
        assert_eq!(
            cache.background_check().await,
            Some(false),
            "the background check finds the damage"
        );
        cache.close().await;
        let (cache, rebuilt) = Cache::open(&path).await.unwrap();
        assert!(rebuilt, "the next open rebuilds it");
        assert_eq!(set_aside_copies(dir.path()), 1);
        assert_eq!(cache.counts().await.unwrap(), (0, 0));
        fill(&cache).await;
        cache.close().await;

        // Killed while open: the marker stays, and the damage is found before opening.
        std::fs::write(db::marker(&path, db::OPEN), b"").unwrap();
        damage_last_page(&path);
        let (cache, rebuilt) = Cache::open(&path).await.unwrap();
        assert!(rebuilt, "an unclean shutdown gets the full check at open");
        assert_eq!(cache.background_check().await, None, "checked already");
        cache.close().await;
    }

    /// A fresh cache (in a folder that lasts as long as the first value), a customer whose
    /// cache it is, and an agent.
    async fn customer_and_agent() -> (
        tempfile::TempDir,
        Cache,
        desk_domain::User,
        desk_domain::User,
    ) {
        use crate::notify::tests::user;
        use desk_domain::Role;
        let dir = tempfile::tempdir().unwrap();
        let (cache, _) = Cache::open(&dir.path().join("cache.sqlite3"))
            .await
            .unwrap();
        (dir, cache, user(Role::Customer), user(Role::Agent))
    }

    /// A message whose ticket came in an earlier page is reported with the cached ticket, so
    /// the notification policy knows its number and whether an incident resolved it.
    #[tokio::test]
    async fn a_message_without_its_ticket_in_the_page_brings_the_cached_ticket() {
        use crate::notify::tests::{message, ticket};
        use desk_domain::Change;
        let (_dir, cache, me, agent) = customer_and_agent().await;
        let now = Utc::now();
        let t = ticket(&me, now, TicketStatus::InProgress, false);
        let page = |seq: i64, entity: ChangeData| ChangesPage {
            items: vec![Change { seq, entity }],
            next: seq,
            has_more: false,
        };
        // Past the first sync: the cursor has moved.
        let first = cache
            .apply(&page(1, ChangeData::Ticket(t.clone())), me.id)
            .await
            .unwrap();
        assert!(first.message_tickets.is_empty());
        let reply = message(&t, &agent, now, false);
        let applied = cache
            .apply(&page(2, ChangeData::Message(reply)), me.id)
            .await
            .unwrap();
        assert!(applied.tickets.is_empty());
        assert_eq!(applied.message_tickets, vec![t.clone()]);
        // With its ticket in the same page, nothing extra is read.
        let again = message(&t, &agent, now, false);
        let both = ChangesPage {
            items: vec![
                Change {
                    seq: 3,
                    entity: ChangeData::Ticket(t.clone()),
                },
                Change {
                    seq: 4,
                    entity: ChangeData::Message(again),
                },
            ],
            next: 4,
            has_more: false,
        };
        let applied = cache.apply(&both, me.id).await.unwrap();
        assert!(applied.message_tickets.is_empty());
        cache.close().await;
    }

    /// A ticket written here shows its first message under the ticket's id until the server's
    /// copy, with an id of its own, is stored: the answer to the write brings the ticket, the
    /// copy may come only with a later pull (the fetch after the answer failed). In between the
    /// conversation shows the provisional message; after, the server's alone, found once.
    #[tokio::test]
    async fn the_servers_first_message_replaces_the_provisional_one_whenever_it_comes() {
        use crate::notify::tests::{message, ticket};
        use desk_domain::Change;
        let (_dir, cache, me, agent) = customer_and_agent().await;
        let now = Utc::now();
        let t = ticket(&me, now, TicketStatus::New, true);
        let mut stand_in = message(&t, &me, now, false);
        stand_in.id = t.id;
        stand_in.body = "Диспетчерська не чує вхідних дзвінків".into();
        let mut provisional = t.clone();
        provisional.number = 0;
        cache.put_provisional_ticket(&provisional).await.unwrap();
        cache.put_provisional_message(&stand_in).await.unwrap();

        // The answer to the write: the ticket, numbered, without its messages.
        cache
            .put(ChangeData::Ticket(t.clone()), me.id)
            .await
            .unwrap();
        let shown = cache.messages(t.id).await.unwrap();
        assert_eq!(shown.len(), 1);
        assert!(shown[0].provisional);

        // The next pull: the ticket, the server's copy of the first message, an agent's reply.
        let mut first = stand_in.clone();
        first.id = Uuid::now_v7();
        let reply = message(&t, &agent, now + chrono::Duration::seconds(5), false);
        let pulled = ChangesPage {
            items: [
                ChangeData::Ticket(t.clone()),
                ChangeData::Message(first.clone()),
                ChangeData::Message(reply.clone()),
            ]
            .into_iter()
            .zip(1..)
            .map(|(entity, seq)| Change { seq, entity })
            .collect(),
            next: 3,
            has_more: false,
        };
        cache.apply(&pulled, me.id).await.unwrap();
        let shown: Vec<_> = cache
            .messages(t.id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.message.id, m.provisional))
            .collect();
        assert_eq!(shown, vec![(first.id, false), (reply.id, false)]);
        let hits = cache.search("вхідних", 10).await.unwrap();
        assert_eq!(hits.len(), 1, "found once, not also as the stand-in");

        // A reply of ours keeps its own id on the server: a later page leaves it alone.
        let mine = message(&t, &me, now + chrono::Duration::seconds(9), false);
        cache.put_provisional_message(&mine).await.unwrap();
        let other = message(&t, &agent, now + chrono::Duration::seconds(8), false);
        cache.put(ChangeData::Message(other), me.id).await.unwrap();
        assert!(
            cache
                .messages(t.id)
                .await
                .unwrap()
                .iter()
                .any(|m| m.message.id == mine.id && m.provisional)
        );
        cache.close().await;
    }

    /// Words of these characters are looked up in the vocabulary as lowercased by Rust: the
    /// index's tokenizer must make exactly that of each of them.
    #[tokio::test]
    async fn the_tokenizer_folds_ascii_and_cyrillic_as_rust_lowercases() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        sqlx::raw_sql(
            "CREATE VIRTUAL TABLE t USING fts5(w, tokenize = \"unicode61 remove_diacritics 2\", content = '', detail = none); \
             CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row');",
        )
        .execute(&pool)
        .await
        .unwrap();
        let chars: Vec<char> = ('\u{20}'..='\u{04FF}')
            .filter(|c| folds_as_typed(*c))
            .collect();
        assert!(chars.len() > 250);
        for c in &chars {
            sqlx::query("INSERT INTO t (w) VALUES (?1)")
                .bind(format!("q{c}"))
                .execute(&pool)
                .await
                .unwrap();
        }
        let terms: HashSet<String> = sqlx::query_scalar("SELECT term FROM v")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
        for c in chars {
            let want = format!("q{}", c.to_lowercase());
            assert!(terms.contains(&want), "{c:?} is not indexed as {want:?}");
        }
    }

    #[test]
    fn ranking_prefers_more_and_denser_hits() {
        let w = |s: &str| vec![s.chars().collect::<Vec<char>>()];
        let rows = vec![
            (
                "a".to_owned(),
                "оплата не пройшла, зовсім інша історія про маршрут".to_owned(),
            ),
            ("b".to_owned(), "Оплата, оплата і ще раз оплата".to_owned()),
            ("c".to_owned(), "Café оплата".to_owned()),
        ];
        let ranked = rank(rows, &w("опла"), 1.0);
        let score = |id: &str| {
            ranked
                .iter()
                .find(|r| r.0 == id)
                .map(|r| r.1)
                .unwrap_or(0.0)
        };
        assert!(
            score("b") > score("c") && score("c") > score("a"),
            "{ranked:?}"
        );
        assert_eq!(fold('É'), 'e');
        assert_eq!(fold('Ї'), 'ї');
    }
}
