//! Webhook delivery as the Bot API does it: while a bot has a webhook, each pending update is
//! POSTed to its URL (JSON, with `X-Telegram-Bot-Api-Secret-Token` when a secret was set), one
//! request at a time, and forgotten only on a 2xx answer. A failed one (non-2xx, or no
//! connection) is tried again after a wait that doubles (100 ms up to 2 s here; seconds up to
//! minutes at Telegram). Like the real server (tdlib's `WebhookActor`) the queue is per chat:
//! a chat's later updates wait behind its failed one, while other chats' updates go on — so a
//! retried update can arrive after a later one of another chat was answered.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{Delivery, Shared, unix_now};

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(2);

/// What to post next.
struct Job {
    token: String,
    bot: String,
    url: String,
    secret: Option<String>,
    update_id: i64,
    body: Value,
}

/// The chat an update belongs to (its queue); updates of no chat each have their own.
fn queue_of(u: &Value) -> Option<i64> {
    let chat = |m: &Value| m.get("chat")?.get("id")?.as_i64();
    u.get("message")
        .and_then(chat)
        .or_else(|| u.get("edited_message").and_then(chat))
        .or_else(|| u.get("callback_query")?.get("message").and_then(chat))
        .or_else(|| u.get("my_chat_member").and_then(chat))
}

/// The next update due, or the earliest moment one will be.
fn next_job(shared: &Shared) -> (Option<Job>, Option<tokio::time::Instant>) {
    let now = tokio::time::Instant::now();
    let mut s = shared.lock();
    let mut soonest: Option<tokio::time::Instant> = None;
    for (token, bot) in s.bots.iter_mut() {
        let Some(hook) = bot.webhook.clone() else {
            continue;
        };
        // Updates the webhook was not asked for are never sent (nor kept) by Telegram.
        if !hook.allowed_updates.is_empty() {
            bot.updates.retain(|u| {
                hook.allowed_updates
                    .iter()
                    .any(|k| u.get(k.as_str()).is_some())
            });
        }
        let mut waiting: HashSet<i64> = HashSet::new();
        for u in &bot.updates {
            let id = u["update_id"].as_i64().unwrap_or(0);
            let queue = queue_of(u);
            if queue.is_some_and(|q| waiting.contains(&q)) {
                continue;
            }
            if let Some((at, _)) = bot.retry.get(&id)
                && *at > now
            {
                soonest = Some(soonest.map_or(*at, |s| s.min(*at)));
                waiting.extend(queue);
                continue;
            }
            let job = Job {
                token: token.clone(),
                bot: bot.username.clone(),
                url: hook.url.clone(),
                secret: hook.secret_token.clone(),
                update_id: id,
                body: u.clone(),
            };
            return (Some(job), None);
        }
    }
    (None, soonest)
}

/// Runs for the stand-in's life.
pub(super) async fn deliver(shared: Arc<Shared>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let (job, soonest) = next_job(&shared);
        let Some(job) = job else {
            let nap = soonest.unwrap_or_else(|| tokio::time::Instant::now() + LAST_RETRY);
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(nap) => {}
            }
            continue;
        };
        let mut req = http.post(&job.url).json(&job.body);
        if let Some(secret) = &job.secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        let answered = req.send().await;
        let status = answered.as_ref().ok().map(|r| r.status().as_u16());
        let mut s = shared.lock();
        s.deliveries.push(Delivery {
            bot: job.bot.clone(),
            update_id: job.update_id,
            status,
            update: job.body.clone(),
        });
        let Some(bot) = s.bots.get_mut(&job.token) else {
            continue;
        };
        match &answered {
            Ok(r) if r.status().is_success() => {
                bot.updates
                    .retain(|u| u["update_id"].as_i64() != Some(job.update_id));
                bot.retry.remove(&job.update_id);
            }
            _ => {
                let why = match &answered {
                    Ok(r) => format!("Wrong response from the webhook: {}", r.status()),
                    Err(e) if e.is_timeout() => "Read timeout expired".to_owned(),
                    Err(_) => "Connection refused".to_owned(),
                };
                let wait = bot
                    .retry
                    .get(&job.update_id)
                    .map_or(FIRST_RETRY, |(_, w)| (*w * 2).min(LAST_RETRY));
                bot.retry
                    .insert(job.update_id, (tokio::time::Instant::now() + wait, wait));
                bot.last_webhook_error = Some((unix_now(), why));
            }
        }
        drop(s);
        shared.changed.notify_waiters();
    }
}
