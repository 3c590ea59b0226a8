//! Telegram link codes and linked chats in SQLite: the queries and the rows of
//! [`TelegramRows`].

use async_trait::async_trait;
use desk_core::clock::ts;
use desk_core::storage::{
    Draft, DraftInsert, Held, HeldInsert, LinkCodeInsert, LinkCodeOwner, LinkWrite, Outgoing,
    OutgoingInsert, ReceivedInsert, TelegramRows,
};
use desk_core::{Error, Result};
use desk_domain::{Bot, ChatKind, ChatRef, TelegramLink};
use sqlx::{AssertSqlSafe, SqliteConnection};
use uuid::Uuid;

use super::Db;
use super::telegram_support as support;
use super::writer::WriteCtx;

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: Uuid,
    bot: String,
    chat_id: i64,
    chat_kind: String,
    chat_title: String,
    organization_id: Uuid,
    linked_by: Uuid,
    linked_at: i64,
    active: bool,
}

const LINK_SELECT: &str = "SELECT id, bot, chat_id, chat_kind, chat_title, organization_id, \
    linked_by, linked_at, active FROM telegram_links";

impl LinkRow {
    fn into_link(self) -> Result<TelegramLink> {
        Ok(TelegramLink {
            id: self.id,
            bot: Bot::parse(&self.bot)
                .ok_or_else(|| Error::internal(format!("unknown bot {}", self.bot)))?,
            chat: ChatRef {
                id: self.chat_id,
                kind: ChatKind::parse(&self.chat_kind).ok_or_else(|| {
                    Error::internal(format!("unknown chat kind {}", self.chat_kind))
                })?,
                title: self.chat_title,
            },
            organization_id: self.organization_id,
            linked_by: self.linked_by,
            linked_at: ts(self.linked_at),
            active: self.active,
        })
    }
}

async fn one(
    conn: &mut SqliteConnection,
    filter: &str,
    bind: impl FnOnce(LinkQuery<'_>) -> LinkQuery<'_>,
) -> Result<Option<TelegramLink>> {
    let sql = format!("{LINK_SELECT} WHERE {filter}");
    let row: Option<LinkRow> = bind(sqlx::query_as(AssertSqlSafe(sql)))
        .fetch_optional(conn)
        .await
        .db()?;
    row.map(LinkRow::into_link).transpose()
}

type LinkQuery<'q> = sqlx::query::QueryAs<'q, sqlx::Sqlite, LinkRow, sqlx::sqlite::SqliteArguments>;

pub async fn links(
    conn: &mut SqliteConnection,
    organization: Option<Uuid>,
) -> Result<Vec<TelegramLink>> {
    let sql = format!(
        "{LINK_SELECT} WHERE (?1 IS NULL OR organization_id = ?1) ORDER BY linked_at DESC, id DESC"
    );
    let rows: Vec<LinkRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(organization)
        .fetch_all(conn)
        .await
        .db()?;
    rows.into_iter().map(LinkRow::into_link).collect()
}

pub async fn link(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<TelegramLink>> {
    one(conn, "id = ?", |q| q.bind(id)).await
}

pub async fn link_for_chat(
    conn: &mut SqliteConnection,
    bot: Bot,
    chat_id: i64,
) -> Result<Option<TelegramLink>> {
    one(conn, "bot = ? AND chat_id = ?", |q| {
        q.bind(bot.as_str()).bind(chat_id)
    })
    .await
}

/// How long a claimed update's id is kept: Telegram holds an update at most 24 hours, so after
/// 25 nothing below it can come again.
const CLAIM_KEPT_MS: i64 = 25 * 3600 * 1000;

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Claims `update_id` for `bot`: `false` if it was handled before. Recorded by id (see
/// `0011_telegram_claimed_updates.sql`: a webhook may bring an update below one already
/// handled), and `next_update_id`, what `getUpdates` confirms, moves past it.
pub async fn claim(
    conn: &mut SqliteConnection,
    bot: Bot,
    update_id: i64,
    now_ms: i64,
) -> Result<bool> {
    if update_id < handled_below(conn, bot).await? {
        return Ok(false);
    }
    let new = sqlx::query(
        "INSERT INTO telegram_claimed_updates (bot, update_id, claimed_at) VALUES (?, ?, ?) \
         ON CONFLICT (bot, update_id) DO NOTHING",
    )
    .bind(bot.as_str())
    .bind(update_id)
    .bind(now_ms)
    .execute(&mut *conn)
    .await
    .db()?
    .rows_affected();
    if new == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO telegram_offsets (bot, next_update_id) VALUES (?1, ?2 + 1) \
         ON CONFLICT (bot) DO UPDATE SET next_update_id = excluded.next_update_id \
         WHERE telegram_offsets.next_update_id <= ?2",
    )
    .bind(bot.as_str())
    .bind(update_id)
    .execute(&mut *conn)
    .await
    .db()?;
    // Ids Telegram can no longer send: forgotten, and the mark moved past them (an id below a
    // forgotten one is older still).
    let forgotten: Option<i64> = sqlx::query_scalar(
        "DELETE FROM telegram_claimed_updates WHERE bot = ? AND claimed_at < ? \
         RETURNING update_id",
    )
    .bind(bot.as_str())
    .bind(now_ms - CLAIM_KEPT_MS)
    .fetch_all(&mut *conn)
    .await
    .db()?
    .into_iter()
    .max();
    if let Some(last) = forgotten {
        sqlx::query(
            "UPDATE telegram_offsets SET handled_below = max(handled_below, ?) WHERE bot = ?",
        )
        .bind(last + 1)
        .bind(bot.as_str())
        .execute(&mut *conn)
        .await
        .db()?;
    }
    Ok(true)
}

/// Every update of `bot` below this was handled (or Telegram no longer has it).
pub async fn handled_below(conn: &mut SqliteConnection, bot: Bot) -> Result<i64> {
    let below: Option<i64> =
        sqlx::query_scalar("SELECT handled_below FROM telegram_offsets WHERE bot = ?")
            .bind(bot.as_str())
            .fetch_optional(conn)
            .await
            .db()?;
    Ok(below.unwrap_or(0))
}

/// Whether `bot`'s update `update_id` was handled.
pub async fn handled(conn: &mut SqliteConnection, bot: Bot, update_id: i64) -> Result<bool> {
    if update_id < handled_below(&mut *conn, bot).await? {
        return Ok(true);
    }
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM telegram_claimed_updates WHERE bot = ? AND update_id = ?",
    )
    .bind(bot.as_str())
    .bind(update_id)
    .fetch_optional(conn)
    .await
    .db()?;
    Ok(found.is_some())
}

pub async fn offset(conn: &mut SqliteConnection, bot: Bot) -> Result<i64> {
    let next: Option<i64> =
        sqlx::query_scalar("SELECT next_update_id FROM telegram_offsets WHERE bot = ?")
            .bind(bot.as_str())
            .fetch_optional(conn)
            .await
            .db()?;
    Ok(next.unwrap_or(0))
}

#[derive(sqlx::FromRow)]
struct OutgoingRow {
    id: i64,
    bot: String,
    chat_id: i64,
    request: String,
    ticket_id: Option<Uuid>,
    attempts: i64,
    created_at: i64,
}

/// Each chat's oldest pending message (the partial index walks chats in id order), kept if it
/// may go now.
pub async fn due(
    conn: &mut SqliteConnection,
    bot: Bot,
    now_ms: i64,
    limit: i64,
) -> Result<Vec<Outgoing>> {
    let rows: Vec<OutgoingRow> = sqlx::query_as(
        "SELECT o.id, o.bot, o.chat_id, o.request, o.ticket_id, o.attempts, o.created_at \
         FROM telegram_outbox o JOIN (SELECT MIN(id) AS id FROM telegram_outbox \
           WHERE bot = ?1 AND sent_at IS NULL AND dropped IS NULL GROUP BY chat_id) f \
         ON f.id = o.id WHERE o.not_before <= ?2 ORDER BY o.id LIMIT ?3",
    )
    .bind(bot.as_str())
    .bind(now_ms)
    .bind(limit)
    .fetch_all(conn)
    .await
    .db()?;
    rows.into_iter()
        .map(|r| {
            Ok(Outgoing {
                id: r.id,
                bot: Bot::parse(&r.bot)
                    .ok_or_else(|| Error::internal(format!("unknown bot {}", r.bot)))?,
                chat_id: r.chat_id,
                request: serde_json::from_str(&r.request)
                    .map_err(|e| Error::internal(format!("queued telegram request: {e}")))?,
                ticket_id: r.ticket_id,
                attempts: r.attempts,
                created_at_ms: r.created_at,
            })
        })
        .collect()
}

pub async fn cursor(conn: &mut SqliteConnection, name: &str) -> Result<Option<i64>> {
    sqlx::query_scalar("SELECT seq FROM telegram_cursors WHERE name = ?")
        .bind(name)
        .fetch_optional(conn)
        .await
        .db()
}

pub async fn ticket_of_sent(
    conn: &mut SqliteConnection,
    bot: Bot,
    chat_id: i64,
    message_id: i64,
) -> Result<Option<Uuid>> {
    let found: Option<Option<Uuid>> = sqlx::query_scalar(
        // An edited message has a row per text it had; the one that names a ticket wins.
        "SELECT ticket_id FROM telegram_outbox WHERE bot = ? AND chat_id = ? \
         AND telegram_message_id = ? ORDER BY ticket_id IS NULL, id DESC LIMIT 1",
    )
    .bind(bot.as_str())
    .bind(chat_id)
    .bind(message_id)
    .fetch_optional(conn)
    .await
    .db()?;
    Ok(found.flatten())
}

#[async_trait]
impl TelegramRows for WriteCtx {
    async fn insert_link_code(&mut self, c: &LinkCodeInsert) -> Result<()> {
        sqlx::query(
            "INSERT INTO telegram_link_codes (code_hash, bot, user_id, organization_id, created_at, \
             expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&c.code_hash[..])
        .bind(c.bot.as_str())
        .bind(c.user_id)
        .bind(c.organization_id)
        .bind(c.created_ms)
        .bind(c.expires_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn use_link_code(
        &mut self,
        code_hash: [u8; 32],
        bot: Bot,
        now_ms: i64,
    ) -> Result<Option<LinkCodeOwner>> {
        let row: Option<(Uuid, Uuid)> = sqlx::query_as(
            "UPDATE telegram_link_codes SET used_at = ?1 WHERE code_hash = ?2 AND bot = ?3 \
             AND used_at IS NULL AND expires_at > ?1 RETURNING user_id, organization_id",
        )
        .bind(now_ms)
        .bind(&code_hash[..])
        .bind(bot.as_str())
        .fetch_optional(&mut self.conn)
        .await
        .db()?;
        Ok(row.map(|(user_id, organization_id)| LinkCodeOwner {
            user_id,
            organization_id,
        }))
    }

    async fn forget_link_codes(&mut self, before_ms: i64) -> Result<()> {
        sqlx::query("DELETE FROM telegram_link_codes WHERE expires_at < ?")
            .bind(before_ms)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn put_link(&mut self, l: &LinkWrite) -> Result<Uuid> {
        sqlx::query_scalar(
            "INSERT INTO telegram_links (id, bot, chat_id, chat_kind, chat_title, organization_id, \
             linked_by, linked_at, active, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?8) \
             ON CONFLICT (bot, chat_id) DO UPDATE SET chat_kind = excluded.chat_kind, \
             chat_title = excluded.chat_title, organization_id = excluded.organization_id, \
             linked_by = excluded.linked_by, linked_at = excluded.linked_at, active = 1, \
             updated_at = excluded.updated_at RETURNING id",
        )
        .bind(l.id)
        .bind(l.bot.as_str())
        .bind(l.chat.id)
        .bind(l.chat.kind.as_str())
        .bind(&l.chat.title)
        .bind(l.organization_id)
        .bind(l.linked_by)
        .bind(l.at_ms)
        .fetch_one(&mut self.conn)
        .await
        .db()
    }

    async fn link_in_tx(&mut self, id: Uuid) -> Result<Option<TelegramLink>> {
        link(&mut self.conn, id).await
    }

    async fn link_for_chat_in_tx(
        &mut self,
        bot: Bot,
        chat_id: i64,
    ) -> Result<Option<TelegramLink>> {
        link_for_chat(&mut self.conn, bot, chat_id).await
    }

    async fn ticket_of_sent_in_tx(
        &mut self,
        bot: Bot,
        chat_id: i64,
        message_id: i64,
    ) -> Result<Option<Uuid>> {
        ticket_of_sent(&mut self.conn, bot, chat_id, message_id).await
    }

    async fn set_link_active(&mut self, id: Uuid, active: bool, now_ms: i64) -> Result<()> {
        sqlx::query("UPDATE telegram_links SET active = ?, updated_at = ? WHERE id = ?")
            .bind(active)
            .bind(now_ms)
            .bind(id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn claim_update(&mut self, bot: Bot, update_id: i64) -> Result<bool> {
        claim(&mut self.conn, bot, update_id, wall_ms()).await
    }

    async fn queue_outgoing(&mut self, m: &OutgoingInsert) -> Result<i64> {
        let id = sqlx::query(
            "INSERT INTO telegram_outbox (bot, chat_id, request, ticket_id, created_at, not_before) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        )
        .bind(m.bot.as_str())
        .bind(m.chat_id)
        .bind(m.request.to_string())
        .bind(m.ticket_id)
        .bind(m.at_ms)
        .execute(&mut self.conn)
        .await
        .db()?
        .last_insert_rowid();
        Ok(id)
    }

    async fn mark_outgoing_sent(&mut self, id: i64, message_id: i64, now_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE telegram_outbox SET sent_at = ?, telegram_message_id = ?, \
             attempts = attempts + 1 WHERE id = ?",
        )
        .bind(now_ms)
        .bind(message_id)
        .bind(id)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn postpone_outgoing(&mut self, id: i64, not_before_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE telegram_outbox SET attempts = attempts + 1, not_before = ? WHERE id = ?",
        )
        .bind(not_before_ms)
        .bind(id)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn move_cursor(&mut self, name: &str, from: i64, to: i64) -> Result<bool> {
        let moved = sqlx::query(
            "INSERT INTO telegram_cursors (name, seq) VALUES (?1, ?3) \
             ON CONFLICT (name) DO UPDATE SET seq = excluded.seq WHERE telegram_cursors.seq = ?2",
        )
        .bind(name)
        .bind(from)
        .bind(to)
        .execute(&mut self.conn)
        .await
        .db()?
        .rows_affected();
        Ok(moved == 1)
    }

    async fn drop_outgoing(&mut self, id: i64, reason: &str) -> Result<()> {
        sqlx::query("UPDATE telegram_outbox SET dropped = ? WHERE id = ? AND sent_at IS NULL")
            .bind(reason)
            .bind(id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn drop_outgoing_to(&mut self, bot: Bot, chat_id: i64, reason: &str) -> Result<()> {
        sqlx::query(
            "UPDATE telegram_outbox SET dropped = ? WHERE bot = ? AND chat_id = ? \
             AND sent_at IS NULL AND dropped IS NULL",
        )
        .bind(reason)
        .bind(bot.as_str())
        .bind(chat_id)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    // --- the support bot's conversation (telegram_support.rs)
    async fn record_received(&mut self, r: &ReceivedInsert) -> Result<()> {
        support::record_received(&mut self.conn, r).await
    }

    async fn ticket_of_received(
        &mut self,
        bot: Bot,
        chat_id: i64,
        telegram_message_id: i64,
    ) -> Result<Option<Uuid>> {
        support::ticket_of_received(&mut self.conn, bot, chat_id, telegram_message_id).await
    }

    async fn ticket_of_album(
        &mut self,
        bot: Bot,
        chat_id: i64,
        media_group_id: &str,
    ) -> Result<Option<Uuid>> {
        support::ticket_of_album(&mut self.conn, bot, chat_id, media_group_id).await
    }

    async fn hold_message(&mut self, h: &HeldInsert) -> Result<i64> {
        support::hold_message(&mut self.conn, h).await
    }

    async fn held_album(
        &mut self,
        bot: Bot,
        chat_id: i64,
        media_group_id: &str,
    ) -> Result<Option<Held>> {
        support::held_album(&mut self.conn, bot, chat_id, media_group_id).await
    }

    async fn extend_held(&mut self, id: i64, body: &str, attachment_ids: &[Uuid]) -> Result<()> {
        support::extend_held(&mut self.conn, id, body, attachment_ids).await
    }

    async fn take_held(
        &mut self,
        id: i64,
        bot: Bot,
        chat_id: i64,
        now_ms: i64,
    ) -> Result<Option<Held>> {
        support::take_held(&mut self.conn, id, bot, chat_id, now_ms).await
    }

    async fn release_held(&mut self, id: i64) -> Result<()> {
        support::release_held(&mut self.conn, id).await
    }

    async fn put_draft(&mut self, d: &DraftInsert) -> Result<i64> {
        support::put_draft(&mut self.conn, d).await
    }

    async fn draft(&mut self, bot: Bot, chat_id: i64) -> Result<Option<Draft>> {
        support::draft(&mut self.conn, bot, chat_id).await
    }

    async fn choose_draft_topic(&mut self, id: i64, topic_id: &str) -> Result<()> {
        support::choose_draft_topic(&mut self.conn, id, topic_id).await
    }

    async fn fill_draft(
        &mut self,
        id: i64,
        telegram_message_id: i64,
        body: &str,
        attachment_ids: &[Uuid],
    ) -> Result<()> {
        support::fill_draft(
            &mut self.conn,
            id,
            telegram_message_id,
            body,
            attachment_ids,
        )
        .await
    }

    async fn drop_draft(&mut self, id: i64) -> Result<()> {
        support::drop_draft(&mut self.conn, id).await
    }
}
