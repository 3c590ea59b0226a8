//! The agents' copy of the requests of Telegram chats not linked (unverified outage reports
//! among them): applied from the same pulled pages as incidents, in the same transaction, and
//! read for the section that lists them, offline too.

use std::collections::HashMap;

use desk_domain::TelegramRequest;
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::Cache;

/// Stores a page's requests (the last entry of each); answers those that changed the cache,
/// leaving out any older than what an answer to an approval already stored.
pub(super) async fn apply(
    conn: &mut SqliteConnection,
    requests: &[&TelegramRequest],
) -> anyhow::Result<Vec<TelegramRequest>> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::to_string(&requests.iter().map(|r| r.id).collect::<Vec<_>>())?;
    let before: HashMap<Uuid, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT id, updated_at FROM telegram_requests WHERE id IN (SELECT value FROM json_each(?1))",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .filter_map(|(id, at)| Some((Uuid::parse_str(&id).ok()?, at)))
    .collect();
    sqlx::query(
        "INSERT INTO telegram_requests (id, status, report, created_at, updated_at, data) \
         SELECT json_extract(value, '$.id'), json_extract(value, '$.status'), \
           json_extract(value, '$.report'), \
           CAST(unixepoch(json_extract(value, '$.created_at'), 'subsec') * 1000 AS INTEGER), \
           CAST(unixepoch(json_extract(value, '$.updated_at'), 'subsec') * 1000 AS INTEGER), value \
         FROM json_each(?1) WHERE true \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, report = excluded.report, \
           created_at = excluded.created_at, updated_at = excluded.updated_at, data = excluded.data \
         WHERE excluded.updated_at >= telegram_requests.updated_at",
    )
    .bind(serde_json::to_string(requests)?)
    .execute(&mut *conn)
    .await?;
    Ok(requests
        .iter()
        .filter(|r| {
            before
                .get(&r.id)
                .is_none_or(|at| *at <= r.updated_at.timestamp_millis())
        })
        .map(|r| (*r).clone())
        .collect())
}

impl Cache {
    /// Every waiting request (newest first), then up to `decided` of the decided ones (the
    /// latest decided first).
    pub async fn telegram_requests(&self, decided: u32) -> anyhow::Result<Vec<TelegramRequest>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM (SELECT data, status, created_at AS at FROM telegram_requests \
                               WHERE status = 'pending' \
                               UNION ALL \
                               SELECT * FROM (SELECT data, status, updated_at AS at FROM telegram_requests \
                                              WHERE status != 'pending' ORDER BY updated_at DESC LIMIT ?1)) \
             ORDER BY status = 'pending' DESC, at DESC",
        )
        .bind(i64::from(decided))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(serde_json::from_str(r)?)).collect()
    }

    pub async fn telegram_request(&self, id: Uuid) -> anyhow::Result<Option<TelegramRequest>> {
        let row: Option<String> =
            sqlx::query_scalar("SELECT data FROM telegram_requests WHERE id = ?1")
                .bind(id.to_string())
                .fetch_optional(self.pool())
                .await?;
        row.map(|r| Ok(serde_json::from_str(&r)?)).transpose()
    }
}
