//! Telegram in the server: the bridge's settings from `[telegram]`, and `desk-server telegram
//! check`, which asks the Bot API who each configured token belongs to, so an operator learns
//! at set-up, not at 02:00, that a token is wrong or Telegram is out of reach.

use std::time::Duration;

use desk_telegram::bridge::{WebhookConfig, WebhookSecret};
use desk_telegram::{Bot, BotToken, Error};

use crate::config::{TelegramConfig, TelegramMode};

/// What `serve` runs the bridge with; `None` when no bot token is set.
pub fn bridge_config(
    config: &TelegramConfig,
) -> anyhow::Result<Option<desk_telegram::bridge::BridgeConfig>> {
    if config.bots().is_empty() {
        return Ok(None);
    }
    let webhook = match config.mode {
        TelegramMode::Poll => None,
        TelegramMode::Webhook => Some(webhook_config(config)?),
    };
    Ok(Some(desk_telegram::bridge::BridgeConfig {
        api_url: config.api_url.clone(),
        support: config.support_bot_token.clone(),
        alert: config.alert_bot_token.clone(),
        poll_timeout_secs: 25,
        webhook,
    }))
}

/// Webhook mode's settings, refused with what to set when missing. (`Config::load` has
/// checked them already, also that the address is `https://`; this is what the bridge cannot
/// run without, whoever built the config.)
fn webhook_config(config: &TelegramConfig) -> anyhow::Result<WebhookConfig> {
    let Some(public_url) = config
        .webhook_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        anyhow::bail!(
            "telegram.mode = \"webhook\" needs telegram.webhook_url, the public https:// \
             address Telegram will post updates to (or use mode = \"poll\", which needs no \
             public address)"
        );
    };
    let Some(secret) = config.secret_token.as_deref().and_then(WebhookSecret::new) else {
        anyhow::bail!(
            "telegram.mode = \"webhook\" needs telegram.secret_token: 1–256 characters of \
             A–Z, a–z, 0–9, _ and - (e.g. the output of `openssl rand -hex 32`)"
        );
    };
    Ok(WebhookConfig {
        public_url: public_url.to_owned(),
        secret,
    })
}

/// One bot's result: the line to print and whether it passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub ok: bool,
    pub line: String,
}

/// Said when no token is set, with what to set.
pub const NONE_CONFIGURED: &str = "no Telegram bot is configured: set telegram.support_bot_token \
     and/or telegram.alert_bot_token in the config file (or DESK_TELEGRAM__SUPPORT_BOT_TOKEN / \
     DESK_TELEGRAM__ALERT_BOT_TOKEN) to the tokens @BotFather gave; see «Telegram» in the README";

/// Calls `getMe` for each configured bot, one after the other.
/// In webhook mode each bot's line also says what `getWebhookInfo` answers: where Telegram
/// posts, how many updates wait, and its last delivery error.
pub async fn check(config: &TelegramConfig) -> Vec<Checked> {
    let webhook = match config.mode {
        TelegramMode::Webhook => webhook_config(config).ok(),
        TelegramMode::Poll => None,
    };
    let mut out = Vec::new();
    for (name, token) in config.bots() {
        let kind = if name.starts_with("alert") {
            desk_domain::Bot::Alert
        } else {
            desk_domain::Bot::Support
        };
        let expected = webhook.as_ref().map(|w| w.url(kind));
        out.push(check_one(name, &config.api_url, token, expected.as_deref()).await);
    }
    out
}

async fn check_one(name: &str, api_url: &str, token: &BotToken, webhook: Option<&str>) -> Checked {
    let bot = match Bot::new(api_url, token.clone()) {
        Ok(b) => b.with_timeout(Duration::from_secs(20)),
        Err(e) => return failed(name, api_url, &e),
    };
    let mut line = match bot.get_me().await {
        Ok(me) => format!(
            "{name}: @{} (id {})",
            me.username.as_deref().unwrap_or("?"),
            me.id
        ),
        Err(e) => return failed(name, api_url, &e),
    };
    if let Some(expected) = webhook {
        line.push_str(&match bot.get_webhook_info().await {
            Ok(info) => webhook_line(&info, expected),
            Err(e) => format!("\n  webhook: getWebhookInfo failed: {e}"),
        });
    }
    Checked { ok: true, line }
}

fn webhook_line(info: &desk_telegram::WebhookInfo, expected: &str) -> String {
    let mut out = if info.url.is_empty() {
        format!("\n  webhook: not set yet (`desk-server serve` sets it to {expected})")
    } else if info.url == expected {
        format!("\n  webhook: {}", info.url)
    } else {
        format!(
            "\n  webhook: {} (not Desk's {expected}: `desk-server serve` sets it again)",
            info.url
        )
    };
    out.push_str(&format!(
        "\n  pending updates: {}",
        info.pending_update_count
    ));
    if let Some(err) = &info.last_error_message {
        out.push_str(&format!("\n  last delivery error: {err}"));
    }
    out
}

fn failed(name: &str, api_url: &str, e: &Error) -> Checked {
    let key = format!(
        "telegram.{}_bot_token",
        name.split(' ').next().unwrap_or(name)
    );
    let line = match e {
        Error::Unauthorized => format!(
            "{name}: the Bot API does not accept this token; check the token from @BotFather \
             (/mybots → the bot → API Token; /revoke makes a new one) and set {key}"
        ),
        Error::Transient(why) => format!(
            "{name}: cannot reach {api_url}: {why}; check telegram.api_url and this machine's \
             network (firewall, proxy), then run the check again"
        ),
        Error::RetryAfter(secs) => format!(
            "{name}: Telegram asks to wait {secs} s (too many requests); run the check again then"
        ),
        Error::Blocked { description } | Error::Rejected { description, .. } => format!(
            "{name}: the Bot API at {api_url} refused getMe: {description}; check {key} and \
             telegram.api_url"
        ),
        Error::TooLarge { .. } => format!("{name}: {e}"),
    };
    Checked { ok: false, line }
}
