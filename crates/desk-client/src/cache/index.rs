//! The search index: kept current as rows are written, or built in bulk after a first sync
//! (a chunk of rows per transaction), with the vocabulary that expands typed prefixes.

use sqlx::Connection;

use super::Cache;

/// Rows indexed per transaction when the index is built in bulk.
const INDEX_CHUNK: i64 = 25_000;

impl Cache {
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
}

pub(super) async fn search_pending(conn: &mut sqlx::SqliteConnection) -> anyhow::Result<bool> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'search_pending'")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(v.as_deref() == Some("1"))
}

/// Adds the words of text just indexed to `search_terms`, whose vocabulary expands prefixes.
pub(super) async fn add_search_terms(
    conn: &mut sqlx::SqliteConnection,
    text: &str,
) -> anyhow::Result<()> {
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
