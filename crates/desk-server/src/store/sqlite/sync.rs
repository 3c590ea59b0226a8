//! The change log read side: `changes` pages and the newest seq a viewer may see. A pull walks
//! the log from the cursor by its primary key, so its cost follows the number of changes after
//! the cursor, not the number of tickets stored.

use std::collections::HashMap;

use desk_domain::{Change, ChangeData, ChangesPage, DutyAgent, Message, Page, Ticket, Topic};
use sqlx::{AssertSqlSafe, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::incidents::{
    KIND_DUTY, KIND_INCIDENT, KIND_PAGE, duty_by_ids, incidents_map, pages_by_ids,
};
use super::rows::{TOPIC_COLUMNS, TopicRow, placeholders};
use super::tickets::{KIND_MESSAGE, KIND_TICKET, KIND_TOPIC, messages_by_ids, tickets_by_ids};
use crate::error::ApiError;
use crate::rules::Viewer;
use crate::store::StoreResult;

#[derive(sqlx::FromRow)]
struct LogRow {
    seq: i64,
    kind: String,
    entity_id: Vec<u8>,
}

pub async fn changes(
    pool: &SqlitePool,
    v: &Viewer,
    after: i64,
    limit: u32,
) -> StoreResult<ChangesPage> {
    // One read transaction: the page, the entities and the head of the log are one snapshot.
    // (A dropped `Transaction` rolls back, so a cancelled request leaves the connection clean.)
    let mut tx = pool.begin().await?;
    let page = changes_in_snapshot(&mut tx, v, after, limit).await?;
    tx.commit().await?;
    Ok(page)
}

async fn changes_in_snapshot(
    conn: &mut SqliteConnection,
    v: &Viewer,
    after: i64,
    limit: u32,
) -> StoreResult<ChangesPage> {
    let fetch = i64::from(limit) + 1;
    let mut rows: Vec<LogRow> = if v.is_staff() {
        sqlx::query_as(
            "SELECT seq, kind, entity_id FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(fetch)
        .fetch_all(&mut *conn)
        .await?
    } else {
        // Two index walks from the cursor — the organisation's changes and the global ones —
        // each stopping at the page size, merged. A single `org = ? OR org IS NULL` made SQLite
        // collect and sort every remaining change for each page, so a long first sync cost
        // quadratic time.
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
        .bind(v.organization_id)
        .bind(fetch)
        .fetch_all(&mut *conn)
        .await?
    };
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);

    let mut ticket_ids = Vec::new();
    let mut message_ids = Vec::new();
    let mut topic_ids = Vec::new();
    let mut incident_ids = Vec::new();
    let mut page_ids = Vec::new();
    let mut duty_ids = Vec::new();
    for r in &rows {
        match r.kind.as_str() {
            KIND_TICKET => ticket_ids.push(uuid_of(&r.entity_id)?),
            KIND_MESSAGE => message_ids.push(uuid_of(&r.entity_id)?),
            KIND_TOPIC => topic_ids.push(String::from_utf8_lossy(&r.entity_id).into_owned()),
            KIND_INCIDENT => incident_ids.push(incident_of(&r.entity_id)?),
            KIND_PAGE => page_ids.push(uuid_of(&r.entity_id)?),
            KIND_DUTY => duty_ids.push(uuid_of(&r.entity_id)?),
            other => return Err(ApiError::internal(format!("unknown change kind {other}"))),
        }
    }
    // Each entity has one row in the log (`UNIQUE (kind, entity_id)`), so it appears at most
    // once per page: the rows are looked up by id and moved into the page, not searched for
    // and cloned (a linear search per row made a page of 1000 cost ~500k comparisons).
    let mut tickets: HashMap<Uuid, Ticket> = tickets_by_ids(conn, &ticket_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, super::rows::for_viewer(t, v)))
        .collect();
    let mut messages: HashMap<Uuid, Message> = messages_by_ids(conn, &message_ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut topics: HashMap<String, Topic> = topics_by_ids(conn, &topic_ids)
        .await?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    incident_ids.sort();
    incident_ids.dedup();
    let mut incidents = incidents_map(conn, v, &incident_ids).await?;
    let mut pages: HashMap<Uuid, Page> = pages_by_ids(conn, &page_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut duty: HashMap<Uuid, DutyAgent> = duty_by_ids(conn, &duty_ids)
        .await?
        .into_iter()
        .map(|d| (d.agent.id, d))
        .collect();

    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let entity = match r.kind.as_str() {
            // An incident has a row per organisation it concerns: it goes out once per page,
            // at its first row (clients upsert, so a later page repeating it is harmless).
            KIND_INCIDENT => incidents
                .remove(&incident_of(&r.entity_id)?)
                .map(ChangeData::Incident),
            KIND_PAGE => pages.remove(&uuid_of(&r.entity_id)?).map(ChangeData::Page),
            KIND_DUTY => duty.remove(&uuid_of(&r.entity_id)?).map(ChangeData::Duty),
            KIND_TICKET => tickets
                .remove(&uuid_of(&r.entity_id)?)
                .map(ChangeData::Ticket),
            KIND_MESSAGE => messages
                .remove(&uuid_of(&r.entity_id)?)
                .map(ChangeData::Message),
            _ => topics
                .remove(String::from_utf8_lossy(&r.entity_id).as_ref())
                .map(ChangeData::Topic),
        };
        if let Some(entity) = entity {
            items.push(Change { seq: r.seq, entity });
        }
    }
    let last = rows.last().map(|r| r.seq).unwrap_or(after);
    // Past the last visible change, nothing up to the head concerns this viewer: moving the
    // cursor there keeps the next pull from rescanning other organisations' changes.
    let next = if has_more {
        last
    } else {
        let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM changes")
            .fetch_one(&mut *conn)
            .await?;
        head.max(last).max(after)
    };
    Ok(ChangesPage {
        items,
        next,
        has_more,
    })
}

/// An incident's id from its change-log entity id (16 bytes, or 32 with the organisation's).
fn incident_of(bytes: &[u8]) -> StoreResult<Uuid> {
    uuid_of(bytes.get(..16).unwrap_or(bytes))
}

fn uuid_of(bytes: &[u8]) -> StoreResult<Uuid> {
    Uuid::from_slice(bytes)
        .map_err(|e| ApiError::internal(format!("bad entity id in change log: {e}")))
}

async fn topics_by_ids(conn: &mut SqliteConnection, ids: &[String]) -> StoreResult<Vec<Topic>> {
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
        .await?
        .into_iter()
        .map(Topic::from)
        .collect())
}

pub async fn latest_seq(conn: &mut SqliteConnection, v: &Viewer) -> StoreResult<i64> {
    let seq: Option<i64> = if v.is_staff() {
        sqlx::query_scalar("SELECT MAX(seq) FROM changes")
            .fetch_one(conn)
            .await?
    } else {
        // Newest of the organisation's changes and of the global ones (topics), each an index seek.
        sqlx::query_scalar(
            "SELECT MAX(s) FROM ( \
               SELECT MAX(seq) AS s FROM changes WHERE organization_id = ? AND staff_only = 0 \
               UNION ALL SELECT MAX(seq) FROM changes WHERE organization_id IS NULL AND staff_only = 0)",
        )
        .bind(v.organization_id)
        .fetch_one(conn)
        .await?
    };
    Ok(seq.unwrap_or(0))
}
