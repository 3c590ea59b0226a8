//! The change log in SQLite: one row per entity at the seq of its latest change
//! (`INSERT OR REPLACE` moves it forward), the read snapshot a pull is built from, and the
//! newest seq of a scope.
//!
//! An incident announced to every organisation has one row with no organisation (entity id =
//! its 16 id bytes); otherwise one row per organisation it concerns (entity id = incident id ++
//! organisation id, 32 bytes), so each customer pulls exactly the incidents of their own.

use async_trait::async_trait;
use desk_core::storage::{
    Audience, ChangeLog, ChangeNote, ChangeSnapshot, Entity, LogEntry, LogScope,
};
use desk_core::{Error, Result};
use desk_domain::Topic;
use sqlx::{AssertSqlSafe, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::Db;
use super::incidents::{duty_by_ids, pages_by_ids, records};
use super::rows::{TOPIC_COLUMNS, TopicRow, placeholders};
use super::telegram_request;
use super::tickets::{messages_by_ids, tickets_by_ids};
use super::writer::WriteCtx;

const KIND_TOPIC: &str = "topic";
const KIND_TICKET: &str = "ticket";
const KIND_MESSAGE: &str = "message";
const KIND_INCIDENT: &str = "incident";
const KIND_PAGE: &str = "page";
const KIND_DUTY: &str = "duty";
const KIND_TELEGRAM_REQUEST: &str = "telegram_request";

/// An entity as the log's `(kind, entity_id)` columns hold it.
fn key(e: &Entity) -> (&'static str, Vec<u8>) {
    match e {
        Entity::Topic(id) => (KIND_TOPIC, id.as_bytes().to_vec()),
        Entity::Ticket(id) => (KIND_TICKET, id.as_bytes().to_vec()),
        Entity::Message(id) => (KIND_MESSAGE, id.as_bytes().to_vec()),
        Entity::Incident(id) => (KIND_INCIDENT, id.as_bytes().to_vec()),
        Entity::IncidentFor(id, org) => {
            let mut k = id.as_bytes().to_vec();
            k.extend_from_slice(org.as_bytes());
            (KIND_INCIDENT, k)
        }
        Entity::Page(id) => (KIND_PAGE, id.as_bytes().to_vec()),
        Entity::Duty(id) => (KIND_DUTY, id.as_bytes().to_vec()),
        Entity::TelegramRequest(id) => (KIND_TELEGRAM_REQUEST, id.as_bytes().to_vec()),
    }
}

fn uuid_of(bytes: &[u8]) -> Result<Uuid> {
    Uuid::from_slice(bytes)
        .map_err(|e| Error::internal(format!("bad entity id in change log: {e}")))
}

fn entity(kind: &str, bytes: &[u8]) -> Result<Entity> {
    Ok(match kind {
        KIND_TOPIC => Entity::Topic(String::from_utf8_lossy(bytes).into_owned()),
        KIND_TICKET => Entity::Ticket(uuid_of(bytes)?),
        KIND_MESSAGE => Entity::Message(uuid_of(bytes)?),
        KIND_INCIDENT if bytes.len() == 32 => {
            Entity::IncidentFor(uuid_of(&bytes[..16])?, uuid_of(&bytes[16..])?)
        }
        KIND_INCIDENT => Entity::Incident(uuid_of(bytes)?),
        KIND_PAGE => Entity::Page(uuid_of(bytes)?),
        KIND_DUTY => Entity::Duty(uuid_of(bytes)?),
        KIND_TELEGRAM_REQUEST => Entity::TelegramRequest(uuid_of(bytes)?),
        other => return Err(Error::internal(format!("unknown change kind {other}"))),
    })
}

#[async_trait]
impl ChangeLog for WriteCtx {
    /// One statement for all `entities`; one poke (the newest seq) covers them.
    async fn record_changes(&mut self, entities: &[Entity], audience: Audience) -> Result<()> {
        if entities.is_empty() {
            return Ok(());
        }
        let values = vec!["(?, ?, ?, ?)"; entities.len()].join(", ");
        let sql = format!(
            "INSERT OR REPLACE INTO changes (kind, entity_id, organization_id, staff_only) \
             VALUES {values}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in entities {
            let (kind, id) = key(e);
            q = q
                .bind(kind)
                .bind(id)
                .bind(audience.organization_id)
                .bind(audience.staff_only);
        }
        let seq = q.execute(&mut self.conn).await.db()?.last_insert_rowid();
        self.notes.push(ChangeNote { seq, audience });
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct LogRow {
    seq: i64,
    kind: String,
    entity_id: Vec<u8>,
}

/// One read transaction: the page, the entities and the head of the log are one snapshot. (A
/// dropped `Transaction` rolls back, so a cancelled request leaves the connection clean.)
pub async fn snapshot(
    pool: &SqlitePool,
    after: i64,
    scope: LogScope,
    limit: u32,
) -> Result<ChangeSnapshot> {
    let mut tx = pool.begin().await.db()?;
    let snap = snapshot_in(&mut tx, after, scope, limit).await?;
    tx.commit().await.db()?;
    Ok(snap)
}

async fn log_rows(
    conn: &mut SqliteConnection,
    after: i64,
    scope: LogScope,
    fetch: i64,
) -> Result<Vec<LogRow>> {
    let org = match scope {
        LogScope::All => {
            return sqlx::query_as(
                "SELECT seq, kind, entity_id FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
            )
            .bind(after)
            .bind(fetch)
            .fetch_all(conn)
            .await
            .db();
        }
        LogScope::Organization(org) => Some(org),
        LogScope::Public => None,
    };
    // Two index walks from the cursor — the organisation's changes and the global ones — each
    // stopping at the page size, merged. A single `org = ? OR org IS NULL` made SQLite collect
    // and sort every remaining change for each page, so a long first sync cost quadratic time.
    sqlx::query_as(
        "SELECT seq, kind, entity_id FROM ( \
           SELECT * FROM (SELECT seq, kind, entity_id FROM changes \
             WHERE organization_id = ?2 AND seq > ?1 AND staff_only = 0 ORDER BY seq LIMIT ?3) \
           UNION ALL \
           SELECT * FROM (SELECT seq, kind, entity_id FROM changes \
             WHERE organization_id IS NULL AND seq > ?1 AND staff_only = 0 ORDER BY seq LIMIT ?3)) \
         ORDER BY seq LIMIT ?3",
    )
    .bind(after)
    .bind(org)
    .bind(fetch)
    .fetch_all(conn)
    .await
    .db()
}

async fn snapshot_in(
    conn: &mut SqliteConnection,
    after: i64,
    scope: LogScope,
    limit: u32,
) -> Result<ChangeSnapshot> {
    let mut rows = log_rows(conn, after, scope, i64::from(limit) + 1).await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let rows = rows
        .into_iter()
        .map(|r| {
            Ok(LogEntry {
                seq: r.seq,
                entity: entity(&r.kind, &r.entity_id)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let (mut tickets, mut messages, mut topics) = (Vec::new(), Vec::new(), Vec::new());
    let (mut incidents, mut pages, mut duty) = (Vec::new(), Vec::new(), Vec::new());
    let mut requests = Vec::new();
    for r in &rows {
        match &r.entity {
            Entity::Topic(id) => topics.push(id.clone()),
            Entity::Ticket(id) => tickets.push(*id),
            Entity::Message(id) => messages.push(*id),
            Entity::Incident(id) | Entity::IncidentFor(id, _) => incidents.push(*id),
            Entity::Page(id) => pages.push(*id),
            Entity::Duty(id) => duty.push(*id),
            Entity::TelegramRequest(id) => requests.push(*id),
        }
    }
    incidents.sort();
    incidents.dedup();
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM changes")
        .fetch_one(&mut *conn)
        .await
        .db()?;
    Ok(ChangeSnapshot {
        has_more,
        head,
        tickets: tickets_by_ids(conn, &tickets).await?,
        messages: messages_by_ids(conn, &messages).await?,
        topics: topics_by_ids(conn, &topics).await?,
        incidents: records(conn, &incidents).await?,
        pages: pages_by_ids(conn, &pages).await?,
        duty: duty_by_ids(conn, &duty).await?,
        telegram_requests: telegram_request::by_ids(conn, &requests).await?,
        rows,
    })
}

async fn topics_by_ids(conn: &mut SqliteConnection, ids: &[String]) -> Result<Vec<Topic>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {TOPIC_COLUMNS} FROM topics WHERE id IN ({})",
        placeholders(ids.len())
    );
    let mut q = sqlx::query_as::<_, TopicRow>(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id.clone());
    }
    Ok(q.fetch_all(conn)
        .await
        .db()?
        .into_iter()
        .map(Topic::from)
        .collect())
}

pub async fn latest_seq(conn: &mut SqliteConnection, scope: LogScope) -> Result<i64> {
    let org = match scope {
        LogScope::All => {
            let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM changes")
                .fetch_one(conn)
                .await
                .db()?;
            return Ok(seq.unwrap_or(0));
        }
        LogScope::Organization(org) => Some(org),
        LogScope::Public => None,
    };
    // Newest of the organisation's changes and of the global ones, each an index seek.
    let seq: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(s) FROM ( \
           SELECT MAX(seq) AS s FROM changes WHERE organization_id = ? AND staff_only = 0 \
           UNION ALL SELECT MAX(seq) FROM changes WHERE organization_id IS NULL AND staff_only = 0)",
    )
    .bind(org)
    .fetch_one(conn)
    .await
    .db()?;
    Ok(seq.unwrap_or(0))
}
