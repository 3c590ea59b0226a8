//! Linking a Telegram chat to a taxi service: the signed-in customer asks for a one-time code
//! (random, 128 bits, only its SHA-256 kept, usable once with each configured bot, valid for
//! minutes); opening `t.me/<bot>?start=<code>` and pressing Start hands the code to the bridge,
//! which redeems it for that chat. Nothing of an organisation reaches a chat before that, and
//! unlinking stops everything at once.
//!
//! Updates in and messages out are kept here too, so the bridge holds no state of its own: a
//! handled update moves the bot's offset in the same transaction as its effect, and every
//! message for a chat goes through a queue written in the transaction that decided to send it,
//! sent in order per chat and marked sent only on the Bot API's answer.

use desk_domain::{Bot, BotIdentity, BotLink, ChatRef, LinkCode, Organization, TelegramLink};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tracing::instrument;
use uuid::Uuid;

use crate::Core;
use crate::actor::Viewer;
use crate::clock::ts;
use crate::error::{Error, Result};
use crate::storage::{LinkCodeInsert, LinkWrite, Outgoing, OutgoingInsert};

/// How long a link code may be used: long enough to find the phone and press Start; the
/// customer page asks for a new one before it runs out.
pub const LINK_CODE_TTL_MS: i64 = 10 * 60 * 1000;

/// The message a newly linked chat gets, made from its organisation (the bridge words it).
pub type Greeting = Box<dyn FnOnce(&Organization) -> serde_json::Value + Send>;

/// What a `/start <code>` came to.
#[derive(Debug, Clone)]
pub enum Redeemed {
    /// The chat is linked (or linked again) to the organisation.
    Linked(TelegramLink, Organization),
    /// Not a code that links anything (unknown, used, expired).
    Refused,
    /// This update was handled before: nothing was done again.
    AlreadyHandled,
}

/// A code as Telegram's `start` parameter carries it: 32 hex digits (128 random bits).
fn new_code() -> (String, [u8; 32]) {
    let mut raw = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let code = hex::encode(raw);
    let hash = code_hash(&code);
    (code, hash)
}

fn code_hash(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}

/// Only what [`new_code`] makes is looked up; anything else is no code at all.
fn well_formed(code: &str) -> bool {
    code.len() == 32
        && code
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn not_configured() -> Error {
    Error::not_found("Telegram-бота на сервері", "A Telegram bot on this server")
}

fn customers_only() -> Error {
    Error::forbidden(
        "Підключити Telegram може працівник служби таксі зі свого облікового запису.",
        "A taxi service's own user links Telegram, from their account.",
    )
}

fn link_not_found() -> Error {
    Error::not_found("Підключений чат", "Linked chat")
}

impl Core {
    /// A one-time code for `v`'s organisation and the links that carry it to each configured
    /// bot (`bots`: the bots the server runs, as Telegram knows them).
    #[instrument(skip_all, err, fields(user_id = %v.user_id))]
    pub async fn telegram_link_code(&self, v: &Viewer, bots: &[BotIdentity]) -> Result<LinkCode> {
        let organization_id = match (v.is_staff(), v.organization_id) {
            (false, Some(org)) => org,
            _ => return Err(customers_only()),
        };
        if bots.is_empty() {
            return Err(not_configured());
        }
        let (code, hash) = new_code();
        let now = self.clock.now_ms();
        let expires = now + LINK_CODE_TTL_MS;
        let rows: Vec<LinkCodeInsert> = bots
            .iter()
            .map(|b| LinkCodeInsert {
                code_hash: hash,
                bot: b.bot,
                user_id: v.user_id,
                organization_id,
                created_ms: now,
                expires_ms: expires,
            })
            .collect();
        self.write(move |tx| {
            Box::pin(async move {
                // Expired codes have no use left; a day's grace keeps the table small.
                tx.forget_link_codes(now - 24 * 60 * 60 * 1000).await?;
                for r in &rows {
                    tx.insert_link_code(r).await?;
                }
                Ok(())
            })
        })
        .await?;
        let links = bots
            .iter()
            .map(|b| BotLink {
                bot: b.bot,
                username: b.username.clone(),
                url: format!("https://t.me/{}?start={code}", b.username),
                group_url: format!("https://t.me/{}?startgroup={code}", b.username),
            })
            .collect();
        Ok(LinkCode {
            code,
            links,
            expires_at: ts(expires),
        })
    }

    /// The chats linked to `v`'s organisation (staff: every organisation's), newest first.
    #[instrument(skip_all, err)]
    pub async fn telegram_links(&self, v: &Viewer) -> Result<Vec<TelegramLink>> {
        let org = if v.is_staff() {
            None
        } else {
            Some(v.organization_id.ok_or_else(customers_only)?)
        };
        let mut links = self.storage.telegram_links(org).await?;
        links.retain(|l| l.active);
        Ok(links)
    }

    /// Unlinks a chat of `v`'s organisation (staff: any): the bot sends it nothing more.
    #[instrument(skip_all, err, fields(link_id = %id))]
    pub async fn unlink_telegram(&self, v: &Viewer, id: Uuid) -> Result<()> {
        let link = self
            .storage
            .telegram_link(id)
            .await?
            .filter(|l| l.active && v.sees_org(l.organization_id))
            .ok_or_else(link_not_found)?;
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                tx.set_link_active(link.id, false, now).await?;
                // Nothing already queued goes out after the unlink either.
                tx.drop_outgoing_to(link.bot, link.chat.id, "unlinked")
                    .await
            })
        })
        .await
    }

    /// The bridge's side of a link: `code` arrived in update `update_id` from `chat` through
    /// `bot`. A good code (unused with this bot, not expired) links the chat to the code's
    /// organisation and queues `greet(organisation)` for it; any other code queues `refuse`,
    /// which says nothing of why. The update counts as handled in the same transaction, so a
    /// repeat after a crash links nothing twice and greets once.
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id = chat.id, update_id))]
    pub async fn redeem_telegram_code(
        &self,
        bot: Bot,
        update_id: i64,
        code: &str,
        chat: ChatRef,
        greet: Greeting,
        refuse: serde_json::Value,
    ) -> Result<Redeemed> {
        let code = code.trim().to_ascii_lowercase();
        let hash = well_formed(&code).then(|| code_hash(&code));
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.claim_update(bot, update_id).await? {
                    return Ok(Redeemed::AlreadyHandled);
                }
                let chat_id = chat.id;
                let owner = match hash {
                    Some(h) => tx.use_link_code(h, bot, now).await?,
                    None => None,
                };
                let queue = |request: serde_json::Value| OutgoingInsert {
                    bot,
                    chat_id,
                    request,
                    ticket_id: None,
                    at_ms: now,
                };
                let Some(owner) = owner else {
                    tx.queue_outgoing(&queue(refuse)).await?;
                    return Ok(Redeemed::Refused);
                };
                let id = tx
                    .put_link(&LinkWrite {
                        id: Uuid::now_v7(),
                        bot,
                        chat,
                        organization_id: owner.organization_id,
                        linked_by: owner.user_id,
                        at_ms: now,
                    })
                    .await?;
                let link = tx
                    .link_in_tx(id)
                    .await?
                    .ok_or_else(|| Error::internal("a link vanished inside its own write"))?;
                let org = tx
                    .organization_in_tx(owner.organization_id)
                    .await?
                    .ok_or_else(|| Error::internal("a linked organisation vanished"))?;
                tx.queue_outgoing(&queue(greet(&org))).await?;
                Ok(Redeemed::Linked(link, org))
            })
        })
        .await
    }

    /// An update answered with at most one message (help, «which ticket?»), handled once:
    /// `false` if it already was, and then nothing is queued again.
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id, update_id))]
    pub async fn answer_telegram_update(
        &self,
        bot: Bot,
        update_id: i64,
        chat_id: i64,
        request: Option<serde_json::Value>,
    ) -> Result<bool> {
        let at_ms = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.claim_update(bot, update_id).await? {
                    return Ok(false);
                }
                if let Some(request) = request {
                    tx.queue_outgoing(&OutgoingInsert {
                        bot,
                        chat_id,
                        request,
                        ticket_id: None,
                        at_ms,
                    })
                    .await?;
                }
                Ok(true)
            })
        })
        .await
    }

    /// The active link of a chat with a bot, if it has one: what the bridge may tell it.
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id))]
    pub async fn telegram_link_for_chat(
        &self,
        bot: Bot,
        chat_id: i64,
    ) -> Result<Option<TelegramLink>> {
        Ok(self
            .storage
            .telegram_link_for_chat(bot, chat_id)
            .await?
            .filter(|l| l.active))
    }
}

impl Core {
    /// The next update id to ask `bot`'s `getUpdates` for.
    #[instrument(skip_all, err, fields(bot = bot.as_str()))]
    pub async fn telegram_offset(&self, bot: Bot) -> Result<i64> {
        self.storage.telegram_offset(bot).await
    }

    /// Marks an update that needs nothing done as handled; `false` if it already was.
    pub async fn skip_telegram_update(&self, bot: Bot, update_id: i64) -> Result<bool> {
        self.answer_telegram_update(bot, update_id, 0, None).await
    }

    /// Queues a message for a chat (a request the Bot API takes, e.g. `sendMessage`).
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id))]
    pub async fn queue_telegram(
        &self,
        bot: Bot,
        chat_id: i64,
        request: serde_json::Value,
        ticket_id: Option<Uuid>,
    ) -> Result<i64> {
        let m = OutgoingInsert {
            bot,
            chat_id,
            request,
            ticket_id,
            at_ms: self.clock.now_ms(),
        };
        self.write(move |tx| Box::pin(async move { tx.queue_outgoing(&m).await }))
            .await
    }

    /// What `bot` may send now: each chat's oldest unsent message, oldest first.
    #[instrument(skip_all, err, fields(bot = bot.as_str()))]
    pub async fn due_telegram(&self, bot: Bot, limit: i64) -> Result<Vec<Outgoing>> {
        self.storage
            .due_outgoing(bot, self.clock.now_ms(), limit)
            .await
    }

    /// The Bot API took message `id` as its `message_id`.
    #[instrument(skip_all, err, fields(outgoing_id = id))]
    pub async fn telegram_sent(&self, id: i64, message_id: i64) -> Result<()> {
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move { tx.mark_outgoing_sent(id, message_id, now).await })
        })
        .await
    }

    /// Sending failed for now (429, 5xx, the network): try again after `after_ms`.
    #[instrument(skip_all, err, fields(outgoing_id = id, after_ms))]
    pub async fn telegram_retry_later(&self, id: i64, after_ms: i64) -> Result<()> {
        let at = self.clock.now_ms() + after_ms.max(0);
        self.write(move |tx| Box::pin(async move { tx.postpone_outgoing(id, at).await }))
            .await
    }

    /// Telegram refused the bot in this chat for good (blocked, removed from the group, chat
    /// gone): the link goes inactive at once and nothing more is sent there.
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id))]
    pub async fn telegram_chat_refused(&self, bot: Bot, chat_id: i64) -> Result<()> {
        let link = self.storage.telegram_link_for_chat(bot, chat_id).await?;
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                if let Some(l) = link.filter(|l| l.active) {
                    tx.set_link_active(l.id, false, now).await?;
                }
                tx.drop_outgoing_to(bot, chat_id, "refused").await
            })
        })
        .await?;
        tracing::warn!("telegram refused the bot in a chat; its link is inactive");
        Ok(())
    }

    /// Telegram rejects message `id` as it stands (a 4xx other than 429/403): give it up.
    #[instrument(skip_all, err, fields(outgoing_id = id))]
    pub async fn telegram_give_up(&self, id: i64, reason: &str) -> Result<()> {
        let reason = reason.to_owned();
        self.write(move |tx| Box::pin(async move { tx.drop_outgoing(id, &reason).await }))
            .await
    }

    /// Where cursor `name` stands in the change log (`None`: never set).
    pub async fn telegram_cursor(&self, name: &str) -> Result<Option<i64>> {
        self.storage.telegram_cursor(name).await
    }

    /// Queues `messages` and moves cursor `name` from `from` to `to` in one transaction, so
    /// what a stretch of the change log asks to tell chats is queued exactly once. `false` (and
    /// nothing queued) when the cursor was not at `from`.
    #[instrument(skip_all, err, fields(cursor = name, from, to, messages = messages.len()))]
    pub async fn queue_telegram_from_log(
        &self,
        name: &str,
        from: i64,
        to: i64,
        messages: Vec<(Bot, i64, serde_json::Value, Option<Uuid>)>,
    ) -> Result<bool> {
        let (name, at_ms) = (name.to_owned(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                if !tx.move_cursor(&name, from, to).await? {
                    return Ok(false);
                }
                for (bot, chat_id, request, ticket_id) in messages {
                    tx.queue_outgoing(&OutgoingInsert {
                        bot,
                        chat_id,
                        request,
                        ticket_id,
                        at_ms,
                    })
                    .await?;
                }
                Ok(true)
            })
        })
        .await
    }

    /// The ticket a message the bot sent was about: where a reply to it belongs.
    #[instrument(skip_all, err, fields(bot = bot.as_str(), chat_id, message_id))]
    pub async fn ticket_of_telegram_message(
        &self,
        bot: Bot,
        chat_id: i64,
        message_id: i64,
    ) -> Result<Option<Uuid>> {
        self.storage.ticket_of_sent(bot, chat_id, message_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_128_random_bits_and_only_well_formed_ones_are_looked_up() {
        let (a, ha) = new_code();
        let (b, _) = new_code();
        assert_ne!(a, b);
        assert!(well_formed(&a));
        assert_eq!(code_hash(&a), ha);
        assert!(!well_formed("ABCDEF"));
        assert!(!well_formed(&format!("{}g", &a[..31])));
        assert!(!well_formed(""));
    }
}
