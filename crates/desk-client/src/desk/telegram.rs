//! Telegram on the customer page: a one-time link to each bot the server runs, the chats
//! linked so far, unlinking. Asking for a link and unlinking need the server now (a link code
//! made offline would be no code at all); the list of linked chats is kept in the account's
//! local store each time it is read, so the page (and an agent's ticket) still shows it
//! offline, marked as read at that time.

use chrono::{DateTime, Utc};
use desk_domain::{LinkCode, TelegramLink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Desk;
use super::incident_actions::online;
use crate::api::{Api, ApiError};
use crate::error::Error;

/// The local store's key for the last list read from the server.
const KEY: &str = "telegram_links";

/// The linked chats as the app shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LinkedChats {
    /// Active links, newest first (staff asking for one organisation: only its links).
    pub links: Vec<TelegramLink>,
    /// When the list was read from the server; `None`: never on this device.
    pub as_of: Option<DateTime<Utc>>,
    /// The server could not be reached: `links` is the list as read at `as_of`.
    pub offline: bool,
}

/// What is kept between reads.
#[derive(Serialize, Deserialize)]
struct Kept {
    links: Vec<TelegramLink>,
    as_of: DateTime<Utc>,
}

/// Only a bot's own `t.me` link is handed to the system's opener: `https://t.me/<bot>` with
/// `start` or `startgroup` and a code of letters and digits, nothing else.
pub fn is_bot_link(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://t.me/") else {
        return false;
    };
    let Some((bot, query)) = rest.split_once('?') else {
        return false;
    };
    let Some((key, code)) = query.split_once('=') else {
        return false;
    };
    let word = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    word(bot, 64) && matches!(key, "start" | "startgroup") && word(code, 64)
}

impl Desk {
    fn tr(&self, uk: &str, en: &str) -> String {
        if self.inner.config.lang.starts_with("en") {
            en.to_owned()
        } else {
            uk.to_owned()
        }
    }

    /// (Customers) a one-time code, valid for minutes, with a `t.me` link to each bot the
    /// server runs. `telegram_not_configured` when it runs none; `offline` without the server.
    pub async fn telegram_link_code(&self) -> Result<LinkCode, Error> {
        let api = &self.inner.api;
        online(
            &self.inner,
            "посилання для Telegram можна отримати лише з інтернетом.",
            "a Telegram link can only be had with the connection.",
            || api.telegram_link_code(),
        )
        .await
        .map_err(|e| {
            if e.code == "not_found" {
                Error::new(
                    "telegram_not_configured",
                    self.tr(
                        "На сервері підтримки ще не налаштовано Telegram, тому підключити його поки не вийде. Напишіть нам звернення — підкажемо, коли все буде готово.",
                        "Telegram is not set up on the support server yet, so it cannot be linked for now. File a ticket and we will tell you when it is ready.",
                    ),
                )
            } else {
                e
            }
        })
    }

    /// The linked chats (customers: their organisation's; staff: `organization`'s, or every
    /// one's), read from the server and kept; offline, the list last read, marked so.
    pub async fn telegram_links(&self, organization: Option<Uuid>) -> Result<LinkedChats, Error> {
        let (links, as_of, offline) = match self.inner.api.telegram_links().await {
            Ok(links) => {
                let kept = Kept {
                    links,
                    as_of: Utc::now(),
                };
                self.keep(&kept).await?;
                (kept.links, Some(kept.as_of), false)
            }
            Err(ApiError::Transport(e)) => {
                tracing::debug!(error = %e, "linked chats read from the local store");
                match self.kept().await? {
                    Some(k) => (k.links, Some(k.as_of), true),
                    None => (Vec::new(), None, true),
                }
            }
            Err(e) => return Err(e.into()),
        };
        let links = links
            .into_iter()
            .filter(|l| organization.is_none_or(|o| l.organization_id == o))
            .collect();
        Ok(LinkedChats {
            links,
            as_of,
            offline,
        })
    }

    /// Unlinks a chat: the bot sends it nothing more. A chat already unlinked (by someone
    /// else, or by this request's first try) counts as done.
    pub async fn unlink_telegram(&self, id: Uuid) -> Result<(), Error> {
        let api = &self.inner.api;
        online(
            &self.inner,
            "чат не відключено, бот і далі писатиме туди.",
            "the chat is still linked; the bot keeps writing there.",
            || async {
                match api.unlink_telegram(id).await {
                    Err(e) if Api::is_not_found(&e) => Ok(()),
                    other => other,
                }
            },
        )
        .await?;
        if let Some(mut k) = self.kept().await? {
            k.links.retain(|l| l.id != id);
            self.keep(&k).await?;
        }
        Ok(())
    }

    async fn kept(&self) -> Result<Option<Kept>, Error> {
        Ok(self.inner.local.meta_json(KEY).await?)
    }

    async fn keep(&self, k: &Kept) -> Result<(), Error> {
        Ok(self.inner.local.set_meta_json(KEY, k).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::is_bot_link;

    #[test]
    fn only_a_bots_own_link_is_opened() {
        assert!(is_bot_link(
            "https://t.me/desk_support_bot?start=0123456789abcdef0123456789abcdef"
        ));
        assert!(is_bot_link("https://t.me/desk_alert_bot?startgroup=abc123"));
        for bad in [
            "http://t.me/desk_bot?start=abc",
            "https://t.me.evil.example/desk_bot?start=abc",
            "https://t.me/desk_bot",
            "https://t.me/desk_bot?start=",
            "https://t.me/desk_bot?text=abc",
            "https://t.me/desk_bot?start=abc&x=1",
            "https://t.me/desk/bot?start=abc",
            "https://t.me/desk_bot?start=abc def",
            "file:///etc/passwd",
            "--help",
        ] {
            assert!(!is_bot_link(bad), "{bad}");
        }
    }
}
