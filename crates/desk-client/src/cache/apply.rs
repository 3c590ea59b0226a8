//! Applying a pulled page (or the server's direct answer to a write) in one transaction, and
//! reporting what it changed.

use std::collections::{HashMap, HashSet};

use desk_domain::{ChangeData, ChangesPage, Message, Ticket, Topic};
use sqlx::{Connection, Row, SqliteConnection};
use uuid::Uuid;

use super::index::{add_search_terms, search_pending};
use super::{Applied, Cache, PageJson, PendingOutages, ms};
use crate::api::PulledPage;

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

impl Cache {
    /// Applies one pulled page and moves the cursor, all in one transaction.
    pub async fn apply(&self, page: &ChangesPage, me: Uuid) -> anyhow::Result<Applied> {
        self.apply_json(page, None, me).await
    }

    /// [`Cache::apply`] for a page as the engine pulls it: the topics, tickets and messages are
    /// stored as the server sent them, not serialized again.
    pub async fn apply_pulled(&self, pulled: &PulledPage, me: Uuid) -> anyhow::Result<Applied> {
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
        let mut outages = PendingOutages::default();
        for c in &page.items {
            match &c.entity {
                ChangeData::Topic(t) => topics.push(t),
                ChangeData::Ticket(t) => tickets.push(t),
                ChangeData::Message(m) => messages.push(m),
                ChangeData::Incident(_)
                | ChangeData::Page(_)
                | ChangeData::Duty(_)
                | ChangeData::TelegramRequest(_) => outages.push(&c.entity),
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

        applied.outages = super::incidents::apply(
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
}
