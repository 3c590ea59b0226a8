//! Updates in by webhook, and the way back to polling.
//!
//! **Webhook mode.** The bridge listens on its own address (`telegram.webhook_listen`, behind
//! the reverse proxy that holds the public HTTPS name) for `POST /telegram/webhook/{bot}`. A
//! call without Telegram's `X-Telegram-Bot-Api-Secret-Token` (compared in constant time) is
//! answered 401 and nothing is read. An update is handed to the poller's own per-update
//! handling (`poll::handle`: one desk-core write that claims the update with its effect), and
//! the answer is 200 only once that write committed; an error answers 500, so Telegram
//! delivers it again; a repeat of a handled update answers 200 and does nothing.
//!
//! **Why nothing is lost or applied twice.** Telegram does *not* deliver webhook updates in
//! one global order: the Bot API keeps one queue per chat, and an update answered with an error
//! waits for its retry (seconds, growing) while other chats' later updates go on — even with
//! `max_connections = 1`, which only means one request at a time. So an update below one
//! already handled can legitimately arrive, and "below the offset = handled" (what polling's
//! ordered batches allow) would drop it. desk-core therefore records each claimed update by id
//! (`0011_telegram_claimed_updates.sql`), in the same transaction as its effect: a repeat finds
//! its id and does nothing (no double effect), and an update that failed is new whenever it
//! comes back (no loss). Ids are kept 25 hours, past Telegram's 24-hour hold on an update.
//! Within a chat Telegram keeps order, and `max_connections = 1` plus one handler at a time
//! per bot keeps the bridge working on one update at a time, as the poller does, so an alert
//! draft and the file after it, or a message and the button pressed on its answer, are seen in
//! the order they were sent.
//!
//! **Poll mode** calls `deleteWebhook` (keeping pending updates) before polling, or
//! `getUpdates` would answer 409 while an old webhook is set, and first fetches again from the
//! mark under which every update is handled: an update a webhook left waiting below the offset
//! would otherwise be confirmed, unseen, by the poller's first `getUpdates`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use desk_domain::Bot as BotKind;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::poll::{allowed_updates, backoff, handle};
use super::{BotCtx, pause};
use crate::Error;
use crate::types::{GetUpdates, SetWebhook, Update};

/// The header Telegram sends the secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Where Telegram is asked to post a bot's updates, under the public base address.
pub fn path(bot: BotKind) -> String {
    format!("/telegram/webhook/{}", bot.as_str())
}

/// One request at a time: Telegram is asked for `max_connections = 1`, and the bridge handles
/// updates one by one as the poller does.
const MAX_CONNECTIONS: u32 = 1;

/// Updates are small; anything larger is not from Telegram.
const BODY_LIMIT: usize = 1024 * 1024;

/// The webhook secret; `Debug` never shows it.
#[derive(Clone)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// 1–256 of `A-Z a-z 0-9 _ -`, as Telegram takes it; `None` otherwise.
    pub fn new(s: &str) -> Option<Self> {
        let ok = (1..=256).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        ok.then(|| Self(s.to_owned()))
    }

    /// Whether `given` is the secret, in time that does not depend on where they differ.
    fn matches(&self, given: &[u8]) -> bool {
        let want = self.0.as_bytes();
        let mut diff = u8::from(want.len() != given.len());
        for (i, w) in want.iter().enumerate() {
            diff |= w ^ given.get(i).copied().unwrap_or(0);
        }
        diff == 0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Webhook mode's settings.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// The public HTTPS base address; each bot's webhook is `<public_url>/telegram/webhook/<bot>`.
    pub public_url: String,
    pub secret: WebhookSecret,
}

impl WebhookConfig {
    pub fn url(&self, bot: BotKind) -> String {
        format!("{}{}", self.public_url.trim_end_matches('/'), path(bot))
    }
}

/// A running bot, and its turn: one update handled at a time.
type Taking = (BotCtx, Arc<tokio::sync::Mutex<()>>);

/// The bots that take updates, once each is running.
#[derive(Clone)]
pub(crate) struct Receiver {
    secret: WebhookSecret,
    bots: Arc<RwLock<HashMap<BotKind, Taking>>>,
    stopping: CancellationToken,
}

impl Receiver {
    pub(crate) fn new(secret: WebhookSecret, stopping: CancellationToken) -> Self {
        Self {
            secret,
            bots: Arc::default(),
            stopping,
        }
    }

    /// From now on `ctx`'s bot takes updates.
    pub(crate) fn add(&self, ctx: BotCtx) {
        if let Ok(mut bots) = self.bots.write() {
            bots.insert(ctx.kind, (ctx, Arc::default()));
        }
    }

    fn get(&self, kind: BotKind) -> Option<Taking> {
        self.bots.read().ok()?.get(&kind).cloned()
    }
}

/// Serves the webhook on `listener` until the bridge stops; in-flight updates finish first.
pub(crate) async fn serve(listener: TcpListener, receiver: Receiver) {
    let stopping = receiver.stopping.clone();
    let app = Router::new()
        .route("/telegram/webhook/{bot}", post(receive))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(receiver);
    let addr = listener.local_addr().ok();
    tracing::info!(?addr, "telegram webhook listening");
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move { stopping.cancelled().await })
        .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "telegram webhook listener failed");
    }
}

async fn receive(
    State(r): State<Receiver>,
    Path(bot): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !r.secret.matches(given) {
        tracing::warn!(
            bot,
            "telegram webhook call without the right secret; refused"
        );
        return StatusCode::UNAUTHORIZED;
    }
    let Some(kind) = BotKind::ALL.into_iter().find(|k| k.as_str() == bot) else {
        return StatusCode::NOT_FOUND;
    };
    if r.stopping.is_cancelled() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    // Not running yet (Telegram not answered `getMe`), or not configured: Telegram retries.
    let Some((ctx, one_at_a_time)) = r.get(kind) else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let Some(update) = read_update(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let _turn = one_at_a_time.lock().await;
    match handle(&ctx, &update).await {
        Ok(()) => StatusCode::OK,
        Err(e) => {
            // Not claimed: Telegram delivers it again.
            tracing::error!(bot = kind.as_str(), update_id = update.update_id, error = %e.en, cause = ?e.cause, "telegram update not handled; Telegram will deliver it again");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// The update in a webhook body. One whose content this crate cannot read keeps its id, so it
/// is claimed and answered 200 rather than delivered again forever (as `getUpdates` does).
fn read_update(body: &[u8]) -> Option<Update> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let update_id = v.get("update_id")?.as_i64()?;
    Some(serde_json::from_value(v).unwrap_or_else(|e| {
        tracing::warn!(update_id, error = %e, "an update Desk cannot read; skipped");
        Update {
            update_id,
            message: None,
            edited_message: None,
            callback_query: None,
            my_chat_member: None,
        }
    }))
}

/// `setWebhook` until Telegram takes it (backing off while it cannot be reached); `false` if
/// the token is refused or the bridge stops first.
pub(crate) async fn register(ctx: &BotCtx, config: &WebhookConfig) -> bool {
    let req = SetWebhook {
        url: config.url(ctx.kind),
        secret_token: Some(config.secret.0.clone()),
        allowed_updates: allowed_updates(),
        drop_pending_updates: false,
        max_connections: Some(MAX_CONNECTIONS),
    };
    let mut attempt = 0;
    loop {
        match ctx.api.set_webhook(&req).await {
            Ok(()) => {
                tracing::info!(bot = ctx.kind.as_str(), url = %req.url, "telegram webhook set");
                return true;
            }
            Err(Error::Unauthorized) => {
                tracing::error!(
                    bot = ctx.kind.as_str(),
                    "telegram refuses the bot token: no webhook set; check it with @BotFather"
                );
                return false;
            }
            Err(e) => {
                // A refusal (a URL Telegram cannot reach or resolve) is logged as an error the
                // operator must fix; it is tried again, as the address may come up later.
                if matches!(e, Error::Rejected { .. }) {
                    tracing::error!(bot = ctx.kind.as_str(), url = %req.url, error = %e, "telegram refuses the webhook address: check telegram.webhook_url and the reverse proxy; trying again");
                } else {
                    tracing::warn!(bot = ctx.kind.as_str(), error = %e, "setWebhook failed; trying again");
                }
                let wait = e.wait().unwrap_or_else(|| backoff(attempt));
                if !pause(&ctx.stopping, wait).await {
                    return false;
                }
                attempt += 1;
            }
        }
    }
}

/// Before polling: `deleteWebhook` (pending updates kept), then every update Telegram still
/// holds from the handled mark on, handled in order (repeats do nothing). `false` if the token
/// is refused or the bridge stops first.
pub(crate) async fn leave(ctx: &BotCtx) -> bool {
    let mut attempt = 0;
    loop {
        match ctx.api.delete_webhook(false).await {
            Ok(()) => break,
            Err(Error::Unauthorized) => {
                tracing::error!(
                    bot = ctx.kind.as_str(),
                    "telegram refuses the bot token: check it with @BotFather; this bot is not running"
                );
                return false;
            }
            Err(e) => {
                tracing::warn!(bot = ctx.kind.as_str(), error = %e, "deleteWebhook failed; trying again");
                let wait = e.wait().unwrap_or_else(|| backoff(attempt));
                if !pause(&ctx.stopping, wait).await {
                    return false;
                }
                attempt += 1;
            }
        }
    }
    catch_up(ctx).await
}

/// Handles what Telegram holds between the handled mark and the offset the poller starts from.
async fn catch_up(ctx: &BotCtx) -> bool {
    let mut attempt = 0;
    let mut from = None;
    loop {
        if ctx.stopping.is_cancelled() {
            return false;
        }
        let marks: desk_core::Result<(i64, i64)> = async {
            let below = ctx.core.telegram_handled_below(ctx.kind).await?;
            let offset = ctx.core.telegram_offset(ctx.kind).await?;
            Ok((below, offset))
        }
        .await;
        let (below, offset) = match marks {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e.en, "cannot read the telegram offsets");
                if !pause(&ctx.stopping, backoff(attempt)).await {
                    return false;
                }
                attempt += 1;
                continue;
            }
        };
        let start: i64 = from.unwrap_or(below);
        // From the offset on, the poller asks for everything itself.
        if start >= offset {
            return true;
        }
        let req = GetUpdates {
            offset: (start > 0).then_some(start),
            limit: Some(100),
            timeout: 0,
            allowed_updates: allowed_updates(),
        };
        let updates = match ctx.api.get_updates(&req).await {
            Ok(u) => u,
            Err(Error::Unauthorized) => return false,
            Err(e) => {
                tracing::warn!(bot = ctx.kind.as_str(), error = %e, "getUpdates (catching up) failed; trying again");
                let wait = e.wait().unwrap_or_else(|| backoff(attempt));
                if !pause(&ctx.stopping, wait).await {
                    return false;
                }
                attempt += 1;
                continue;
            }
        };
        let Some(last) = updates.last().map(|u| u.update_id) else {
            return true;
        };
        for u in &updates {
            if let Err(e) = handle(ctx, u).await {
                tracing::error!(update_id = u.update_id, error = %e.en, cause = ?e.cause, "telegram update not handled; will retry");
                if !pause(&ctx.stopping, backoff(attempt)).await {
                    return false;
                }
                attempt += 1;
                // Asked again from this one: Telegram still holds it.
                from = Some(u.update_id);
                break;
            }
            from = Some(u.update_id + 1);
        }
        if from == Some(last + 1) {
            attempt = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_matches_only_itself_and_never_shows() {
        let s = WebhookSecret::new("abc_DEF-123").unwrap_or_else(|| panic!("valid"));
        assert!(s.matches(b"abc_DEF-123"));
        assert!(!s.matches(b"abc_DEF-124"));
        assert!(!s.matches(b"abc_DEF-12"));
        assert!(!s.matches(b"abc_DEF-1234"));
        assert!(!s.matches(b""));
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert!(WebhookSecret::new("").is_none());
        assert!(WebhookSecret::new("has space").is_none());
        assert!(WebhookSecret::new(&"a".repeat(257)).is_none());
        assert!(WebhookSecret::new(&"a".repeat(256)).is_some());
    }

    #[test]
    fn an_update_keeps_its_id_even_when_unreadable() {
        let u = read_update(br#"{"update_id": 9, "message": {"nonsense": true}}"#);
        assert_eq!(
            u.map(|u| (u.update_id, u.message.is_none())),
            Some((9, true))
        );
        assert!(read_update(b"{}").is_none());
        assert!(read_update(b"not json").is_none());
    }
}
