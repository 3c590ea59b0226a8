//! The support bot's conversation in SQLite (`0008_telegram_support.sql`): Telegram messages
//! that became part of tickets, messages held until the chat picks a ticket, `/new` drafts.
//! The queries behind the last block of [`desk_core::storage::TelegramRows`].

use desk_core::storage::{Draft, DraftInsert, Held, HeldInsert, ReceivedInsert};
use desk_core::{Error, Result};
use desk_domain::Bot;
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::Db;

fn ids_json(ids: &[Uuid]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

fn ids_from(json: &str) -> Result<Vec<Uuid>> {
    serde_json::from_str(json).map_err(|e| Error::internal(format!("stored attachment ids: {e}")))
}

pub async fn record_received(conn: &mut SqliteConnection, r: &ReceivedInsert) -> Result<()> {
    // A message of an album lands once; the first ticket it landed in stays its ticket.
    sqlx::query(
        "INSERT INTO telegram_received (bot, chat_id, telegram_message_id, media_group_id, \
         ticket_id, created_at) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (bot, chat_id, telegram_message_id) DO NOTHING",
    )
    .bind(r.bot.as_str())
    .bind(r.chat_id)
    .bind(r.telegram_message_id)
    .bind(&r.media_group_id)
    .bind(r.ticket_id)
    .bind(r.at_ms)
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

pub async fn ticket_of_received(
    conn: &mut SqliteConnection,
    bot: Bot,
    chat_id: i64,
    telegram_message_id: i64,
) -> Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT ticket_id FROM telegram_received WHERE bot = ? AND chat_id = ? \
         AND telegram_message_id = ?",
    )
    .bind(bot.as_str())
    .bind(chat_id)
    .bind(telegram_message_id)
    .fetch_optional(conn)
    .await
    .db()
}

pub async fn ticket_of_album(
    conn: &mut SqliteConnection,
    bot: Bot,
    chat_id: i64,
    media_group_id: &str,
) -> Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT ticket_id FROM telegram_received WHERE bot = ? AND chat_id = ? \
         AND media_group_id = ? ORDER BY telegram_message_id LIMIT 1",
    )
    .bind(bot.as_str())
    .bind(chat_id)
    .bind(media_group_id)
    .fetch_optional(conn)
    .await
    .db()
}

pub async fn hold_message(conn: &mut SqliteConnection, h: &HeldInsert) -> Result<i64> {
    let id = sqlx::query(
        "INSERT INTO telegram_held (bot, chat_id, telegram_message_id, media_group_id, body, \
         attachment_ids, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(h.bot.as_str())
    .bind(h.chat_id)
    .bind(h.telegram_message_id)
    .bind(&h.media_group_id)
    .bind(&h.body)
    .bind(ids_json(&h.attachment_ids))
    .bind(h.at_ms)
    .execute(conn)
    .await
    .db()?
    .last_insert_rowid();
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct HeldRow {
    id: i64,
    telegram_message_id: i64,
    media_group_id: Option<String>,
    body: String,
    attachment_ids: String,
}

impl HeldRow {
    fn into_held(self) -> Result<Held> {
        Ok(Held {
            id: self.id,
            telegram_message_id: self.telegram_message_id,
            media_group_id: self.media_group_id,
            body: self.body,
            attachment_ids: ids_from(&self.attachment_ids)?,
        })
    }
}

pub async fn held_album(
    conn: &mut SqliteConnection,
    bot: Bot,
    chat_id: i64,
    media_group_id: &str,
) -> Result<Option<Held>> {
    let row: Option<HeldRow> = sqlx::query_as(
        "SELECT id, telegram_message_id, media_group_id, body, attachment_ids FROM telegram_held \
         WHERE bot = ? AND chat_id = ? AND media_group_id = ? AND used_at IS NULL \
         ORDER BY id LIMIT 1",
    )
    .bind(bot.as_str())
    .bind(chat_id)
    .bind(media_group_id)
    .fetch_optional(conn)
    .await
    .db()?;
    row.map(HeldRow::into_held).transpose()
}

pub async fn extend_held(
    conn: &mut SqliteConnection,
    id: i64,
    body: &str,
    attachment_ids: &[Uuid],
) -> Result<()> {
    sqlx::query(
        "UPDATE telegram_held SET body = ?, attachment_ids = ? WHERE id = ? AND used_at IS NULL",
    )
    .bind(body)
    .bind(ids_json(attachment_ids))
    .bind(id)
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

pub async fn take_held(
    conn: &mut SqliteConnection,
    id: i64,
    bot: Bot,
    chat_id: i64,
    now_ms: i64,
) -> Result<Option<Held>> {
    let row: Option<HeldRow> = sqlx::query_as(
        "UPDATE telegram_held SET used_at = ? WHERE id = ? AND bot = ? AND chat_id = ? \
         AND used_at IS NULL \
         RETURNING id, telegram_message_id, media_group_id, body, attachment_ids",
    )
    .bind(now_ms)
    .bind(id)
    .bind(bot.as_str())
    .bind(chat_id)
    .fetch_optional(conn)
    .await
    .db()?;
    row.map(HeldRow::into_held).transpose()
}

pub async fn release_held(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE telegram_held SET used_at = NULL WHERE id = ?")
        .bind(id)
        .execute(conn)
        .await
        .db()?;
    Ok(())
}

pub async fn put_draft(conn: &mut SqliteConnection, d: &DraftInsert) -> Result<i64> {
    sqlx::query("DELETE FROM telegram_drafts WHERE bot = ? AND chat_id = ?")
        .bind(d.bot.as_str())
        .bind(d.chat_id)
        .execute(&mut *conn)
        .await
        .db()?;
    let topics = serde_json::to_string(&d.topics).unwrap_or_else(|_| "[]".into());
    let id = sqlx::query(
        "INSERT INTO telegram_drafts (bot, chat_id, topics, telegram_message_id, body, \
         attachment_ids, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(d.bot.as_str())
    .bind(d.chat_id)
    .bind(topics)
    .bind(d.telegram_message_id)
    .bind(&d.body)
    .bind(ids_json(&d.attachment_ids))
    .bind(d.at_ms)
    .execute(conn)
    .await
    .db()?
    .last_insert_rowid();
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    id: i64,
    topics: String,
    topic_id: Option<String>,
    telegram_message_id: Option<i64>,
    body: Option<String>,
    attachment_ids: String,
}

pub async fn draft(conn: &mut SqliteConnection, bot: Bot, chat_id: i64) -> Result<Option<Draft>> {
    let row: Option<DraftRow> = sqlx::query_as(
        "SELECT id, topics, topic_id, telegram_message_id, body, attachment_ids \
         FROM telegram_drafts WHERE bot = ? AND chat_id = ?",
    )
    .bind(bot.as_str())
    .bind(chat_id)
    .fetch_optional(conn)
    .await
    .db()?;
    row.map(|r| {
        Ok(Draft {
            id: r.id,
            topics: serde_json::from_str(&r.topics)
                .map_err(|e| Error::internal(format!("stored draft topics: {e}")))?,
            topic_id: r.topic_id,
            telegram_message_id: r.telegram_message_id,
            body: r.body,
            attachment_ids: ids_from(&r.attachment_ids)?,
        })
    })
    .transpose()
}

pub async fn choose_draft_topic(
    conn: &mut SqliteConnection,
    id: i64,
    topic_id: &str,
) -> Result<()> {
    sqlx::query("UPDATE telegram_drafts SET topic_id = ? WHERE id = ?")
        .bind(topic_id)
        .bind(id)
        .execute(conn)
        .await
        .db()?;
    Ok(())
}

pub async fn fill_draft(
    conn: &mut SqliteConnection,
    id: i64,
    telegram_message_id: i64,
    body: &str,
    attachment_ids: &[Uuid],
) -> Result<()> {
    sqlx::query(
        "UPDATE telegram_drafts SET telegram_message_id = ?, body = ?, attachment_ids = ? \
         WHERE id = ?",
    )
    .bind(telegram_message_id)
    .bind(body)
    .bind(ids_json(attachment_ids))
    .bind(id)
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

pub async fn drop_draft(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM telegram_drafts WHERE id = ?")
        .bind(id)
        .execute(conn)
        .await
        .db()?;
    Ok(())
}
