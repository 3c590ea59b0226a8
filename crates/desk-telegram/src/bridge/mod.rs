//! The bridge between Desk and Telegram, on top of desk-core's services (no SQL and no ticket
//! or incident rule of its own). Per configured bot, three tasks:
//!
//! - **identify**: `getMe` until it answers, so the customer page can hand out `t.me` links;
//! - **poll**: `getUpdates` long polling from the offset desk-core keeps; each update is
//!   handled by a service that claims it in the same transaction as its effect, so a crash
//!   loses no update and applies none twice (the offset sent to Telegram only confirms what is
//!   already committed). In **webhook** mode (`webhook.rs`) Telegram posts each update to the
//!   bridge's own listener instead, and the same per-update handling answers it;
//! - **send**: drains desk-core's send queue in order per chat, paced to the Bot API's limits,
//!   marking a message sent only on Telegram's answer.
//!
//! The alert bot has two more: **news** reads incidents from the change log and tells every
//! linked alert chat of the organisations affected of each acknowledgement, update and
//! resolution, once; **file_waiting** files a message nobody chose a kind for as «інше».
//!
//! The support bot's updates are handled in `support.rs` (files in, the «which ticket?»
//! keyboard, `/new`, edits, `/help`), the alert bot's in `alert.rs`; both take a message's
//! files through `files.rs`. And one **notify** task reads the change log from a cursor
//! kept with what it queues, and queues what chats must hear: a specialist's reply to a ticket
//! of a linked organisation, with its files (read from the blob store when sent).

mod alert;
mod alert_text;
mod files;
mod notify;
mod poll;
mod send;
mod support;
pub mod text;
mod unlinked;
pub mod webhook;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use desk_core::Core;
use desk_domain::{Bot as BotKind, BotIdentity};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use webhook::{WebhookConfig, WebhookSecret};

use crate::{Bot, BotToken};

/// What the bridge needs to run: where the Bot API is and the tokens of the bots to run.
#[derive(Clone)]
pub struct BridgeConfig {
    pub api_url: String,
    pub support: Option<BotToken>,
    pub alert: Option<BotToken>,
    /// `getUpdates` long-poll timeout, seconds.
    pub poll_timeout_secs: u32,
    /// `Some`: updates come by webhook (to the listener `run` is given), not `getUpdates`.
    pub webhook: Option<WebhookConfig>,
}

impl BridgeConfig {
    pub fn bots(&self) -> Vec<(BotKind, BotToken)> {
        [
            (BotKind::Support, &self.support),
            (BotKind::Alert, &self.alert),
        ]
        .into_iter()
        .filter_map(|(k, t)| t.clone().map(|t| (k, t)))
        .collect()
    }
}

/// The bots running, as Telegram knows them; the routes read it to hand out links.
#[derive(Debug, Clone, Default)]
pub struct Identities(Arc<RwLock<Vec<BotIdentity>>>);

impl Identities {
    /// The bots known so far, support first.
    pub fn get(&self) -> Vec<BotIdentity> {
        let mut bots = self.0.read().map(|b| b.clone()).unwrap_or_default();
        bots.sort_by_key(|b| BotKind::ALL.iter().position(|k| *k == b.bot));
        bots
    }

    /// Records (or replaces) what Telegram said a bot is called.
    pub fn set(&self, identity: BotIdentity) {
        if let Ok(mut bots) = self.0.write() {
            bots.retain(|b| b.bot != identity.bot);
            bots.push(identity);
        }
    }
}

/// Shared by one bot's tasks.
#[derive(Clone)]
pub(crate) struct BotCtx {
    pub kind: BotKind,
    pub api: Bot,
    pub core: Core,
    /// Pokes the sender when something was queued.
    pub queued: Arc<Notify>,
    pub stopping: CancellationToken,
}

/// The message a chat gets when an agent or its service decides its link request (the
/// routes queue it in the same transaction as the decision).
pub fn decided_message(
    bot: BotKind,
    chat_id: i64,
    en: bool,
    d: &desk_core::services::Decided,
) -> serde_json::Value {
    poll::html(chat_id, text::request_decided(bot, en, d))
}

/// Waits `d`, or less if the bridge is stopping; `false` when it is.
pub(crate) async fn pause(stopping: &CancellationToken, d: Duration) -> bool {
    tokio::select! {
        _ = stopping.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

/// Runs every configured bot until `stopping` is cancelled; answers when all its tasks ended.
/// In webhook mode `listener` is where Telegram's posts arrive (bound by the caller, so a port
/// in use is a start-up error).
pub async fn run(
    core: Core,
    config: BridgeConfig,
    listener: Option<TcpListener>,
    identities: Identities,
    stopping: CancellationToken,
) -> anyhow::Result<()> {
    let receiver = match (&config.webhook, listener) {
        (Some(w), Some(l)) => {
            let r = webhook::Receiver::new(w.secret.clone(), stopping.clone());
            Some((r.clone(), tokio::spawn(webhook::serve(l, r))))
        }
        (Some(_), None) => anyhow::bail!("telegram webhook mode needs a listener"),
        (None, _) => None,
    };
    let mut pokes = HashMap::new();
    let mut tasks = Vec::new();
    for (kind, token) in config.bots() {
        let api = Bot::new(&config.api_url, token)?;
        let queued = Arc::new(Notify::new());
        pokes.insert(kind, queued.clone());
        let ctx = BotCtx {
            kind,
            api,
            core: core.clone(),
            queued,
            stopping: stopping.clone(),
        };
        let ids = identities.clone();
        let timeout = config.poll_timeout_secs;
        let webhook = config.webhook.clone();
        let receiver = receiver.as_ref().map(|r| r.0.clone());
        tasks.push(tokio::spawn(async move {
            if poll::identify(&ctx, &ids).await {
                let mut helpers = vec![tokio::spawn(send::run(ctx.clone()))];
                if ctx.kind == BotKind::Alert {
                    helpers.push(tokio::spawn(alert::news(ctx.clone())));
                    helpers.push(tokio::spawn(alert::file_waiting(ctx.clone())));
                }
                match (webhook, receiver) {
                    (Some(w), Some(r)) => {
                        // Taking updates before `setWebhook` answers: after a restart Telegram
                        // posts to the webhook already set.
                        r.add(ctx.clone());
                        if webhook::register(&ctx, &w).await {
                            ctx.stopping.cancelled().await;
                        }
                    }
                    _ => {
                        if webhook::leave(&ctx).await {
                            poll::run(ctx, timeout).await;
                        }
                    }
                }
                for h in helpers {
                    let _ = h.await;
                }
            }
        }));
    }
    if !tasks.is_empty() {
        tasks.push(tokio::spawn(notify::run(core, pokes, stopping)));
    }
    for t in tasks {
        let _ = t.await;
    }
    if let Some((_, server)) = receiver {
        let _ = server.await;
    }
    Ok(())
}
