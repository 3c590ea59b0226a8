//! `desk-server telegram check`: asks the Bot API who each configured token belongs to, so an
//! operator learns at set-up, not at 02:00, that a token is wrong or Telegram is out of reach.

use std::time::Duration;

use desk_telegram::{Bot, BotToken, Error};

use crate::config::TelegramConfig;

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
pub async fn check(config: &TelegramConfig) -> Vec<Checked> {
    let mut out = Vec::new();
    for (name, token) in config.bots() {
        out.push(check_one(name, &config.api_url, token).await);
    }
    out
}

async fn check_one(name: &str, api_url: &str, token: &BotToken) -> Checked {
    let bot = match Bot::new(api_url, token.clone()) {
        Ok(b) => b.with_timeout(Duration::from_secs(20)),
        Err(e) => return failed(name, api_url, &e),
    };
    match bot.get_me().await {
        Ok(me) => Checked {
            ok: true,
            line: format!(
                "{name}: @{} (id {})",
                me.username.as_deref().unwrap_or("?"),
                me.id
            ),
        },
        Err(e) => failed(name, api_url, &e),
    }
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
