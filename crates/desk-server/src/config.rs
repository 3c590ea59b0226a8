//! Server configuration, layered: built-in defaults → config file (TOML) → `DESK_*` environment
//! variables → command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where the database (`desk.sqlite3`) and attachment files (`blobs/`) live.
    pub data_dir: PathBuf,
    /// Which store keeps the data: `sqlite` (embedded, in `data_dir`; the default).
    pub store: StoreKind,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Largest attachment accepted, in bytes (default 200 MiB: a phone video).
    pub max_attachment_bytes: u64,
    /// Largest JSON request body, in bytes.
    pub max_json_bytes: usize,
    /// How long a sign-in lasts without signing in again.
    pub session_ttl_days: i64,
    /// How long an invitation code stays valid.
    pub invitation_ttl_days: i64,
    /// Failed sign-ins one account may have within `login_window_secs` before further tries
    /// are refused until the window has passed (guessing passwords stays slow).
    pub login_attempts: u32,
    /// The window for `login_attempts`, in seconds.
    pub login_window_secs: u64,
    /// Seconds between heartbeats on `GET /events`.
    pub heartbeat_secs: u64,
    /// On shutdown, how long in-flight requests get to finish.
    pub shutdown_grace_secs: u64,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Organisations' default time zone.
    pub default_timezone: String,
    /// An outage page nobody acknowledges is sent again to every agent after this many seconds,
    /// and again each time this passes.
    pub outage_repage_secs: u64,
    /// Business hours (`[calendar]`): when non-urgent tickets are handled.
    pub calendar: desk_domain::BusinessCalendar,
    /// The Telegram bots (`[telegram]`).
    pub telegram: TelegramConfig,
}

/// `[telegram]`: the support bot and the alert bot. Either token may be set alone; with neither,
/// Desk runs without Telegram. `Debug` never shows the tokens or the webhook secret.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TelegramConfig {
    /// The support bot's token from @BotFather: replies to tickets, and answers to them.
    pub support_bot_token: Option<desk_telegram::BotToken>,
    /// The alert bot's token: outage reports at any hour, and news of them.
    pub alert_bot_token: Option<desk_telegram::BotToken>,
    /// The Bot API server: the public one, or a self-hosted `telegram-bot-api`.
    pub api_url: String,
    /// How updates reach Desk: `poll` (long polling; works behind NAT) or `webhook`.
    pub mode: TelegramMode,
    /// In webhook mode, the public HTTPS base address Telegram posts updates to (each bot at
    /// `<webhook_url>/telegram/webhook/<bot>`), usually the reverse proxy's.
    pub webhook_url: Option<String>,
    /// In webhook mode, where the bridge listens for those posts (the reverse proxy forwards
    /// `/telegram/webhook/` here).
    pub webhook_listen: SocketAddr,
    /// In webhook mode, the secret Telegram sends with every update so Desk can tell its calls
    /// from anyone else's.
    pub secret_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TelegramMode {
    Poll,
    Webhook,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        Self {
            support_bot_token: None,
            alert_bot_token: None,
            api_url: desk_telegram::DEFAULT_API_URL.to_owned(),
            mode: TelegramMode::Poll,
            webhook_url: None,
            webhook_listen: SocketAddr::from(([127, 0, 0, 1], 8088)),
            secret_token: None,
        }
    }
}

impl std::fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("support_bot_token", &self.support_bot_token)
            .field("alert_bot_token", &self.alert_bot_token)
            .field("api_url", &self.api_url)
            .field("mode", &self.mode)
            .field("webhook_url", &self.webhook_url)
            .field("webhook_listen", &self.webhook_listen)
            .field(
                "secret_token",
                &self.secret_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl TelegramConfig {
    /// The configured bots, by the name the operator knows them by.
    pub fn bots(&self) -> Vec<(&'static str, &desk_telegram::BotToken)> {
        [
            ("support bot", self.support_bot_token.as_ref()),
            ("alert bot", self.alert_bot_token.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, t)| t.map(|t| (name, t)))
        .collect()
    }

    /// Refuses settings that cannot work, saying which and what to set.
    pub fn check(&self) -> anyhow::Result<()> {
        let url = self.api_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() <= 8 {
            anyhow::bail!(
                "telegram.api_url must be an http(s) address such as {} (it is {:?})",
                desk_telegram::DEFAULT_API_URL,
                self.api_url
            );
        }
        if self.mode == TelegramMode::Webhook {
            match self.webhook_url.as_deref().map(str::trim) {
                Some(u) if u.starts_with("https://") && u.len() > 8 => {}
                Some(u) if !u.is_empty() => anyhow::bail!(
                    "telegram.webhook_url must be an https:// address (Telegram posts only to \
                     HTTPS); it is {u:?}"
                ),
                _ => anyhow::bail!(
                    "telegram.mode = \"webhook\" needs telegram.webhook_url, the public https:// \
                     address Telegram will post updates to (or use mode = \"poll\", which needs \
                     no public address)"
                ),
            }
            let secret_ok = self.secret_token.as_deref().is_some_and(|s| {
                (1..=256).contains(&s.len())
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
            if !secret_ok {
                anyhow::bail!(
                    "telegram.mode = \"webhook\" needs telegram.secret_token: 1–256 characters \
                     of A–Z, a–z, 0–9, _ and -, so Desk can tell Telegram's calls from anyone \
                     else's (e.g. the output of `openssl rand -hex 32`)"
                );
            }
        }
        Ok(())
    }
}

/// The stores desk-server can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Sqlite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// `$XDG_DATA_HOME/desk-server`, else `~/.local/share/desk-server`, else `./desk-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("desk-server");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".local/share/desk-server");
    }
    PathBuf::from("desk-data")
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: default_data_dir(),
            store: StoreKind::Sqlite,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_attachment_bytes: desk_domain::limits::DEFAULT_ATTACHMENT_MAX_BYTES,
            max_json_bytes: 1024 * 1024,
            session_ttl_days: 90,
            invitation_ttl_days: 14,
            login_attempts: 5,
            login_window_secs: 900,
            heartbeat_secs: 15,
            shutdown_grace_secs: 30,
            log_format: LogFormat::Text,
            default_timezone: "Europe/Kyiv".into(),
            outage_repage_secs: 300,
            calendar: desk_domain::BusinessCalendar::default(),
            telegram: TelegramConfig::default(),
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
}

impl Config {
    /// Loads the layers. `file` is the config file, if one was named (`--config` or `DESK_CONFIG`).
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            if !f.exists() {
                anyhow::bail!("config file {} does not exist", f.display());
            }
            fig = fig.merge(Toml::file(f));
        }
        fig = fig
            // `__` nests: DESK_CALENDAR__OPENS=09:00 sets `[calendar] opens`.
            .merge(
                Env::prefixed("DESK_")
                    .ignore(&["config", "log"])
                    .split("__"),
            )
            .merge(Serialized::defaults(overrides));
        let cfg: Config = fig.extract()?;
        if cfg.max_attachment_bytes == 0 {
            anyhow::bail!("max_attachment_bytes must be above zero");
        }
        if let Err(e) = cfg.calendar.hours() {
            anyhow::bail!("invalid business calendar: {e}");
        }
        cfg.telegram.check()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)]
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "desk.toml",
                "listen = \"127.0.0.1:9000\"\nmax_attachment_bytes = 1000\nheartbeat_secs = 5\n",
            )?;
            jail.set_env("DESK_MAX_ATTACHMENT_BYTES", "2000");
            let o = Overrides {
                data_dir: Some("/tmp/x".into()),
                listen: None,
            };
            let c = Config::load(Some(Path::new("desk.toml")), &o).map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 9000);
            assert_eq!(c.max_attachment_bytes, 2000);
            assert_eq!(c.heartbeat_secs, 5);
            assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
            assert_eq!(c.session_ttl_days, 90);
            assert_eq!(c.calendar, desk_domain::BusinessCalendar::default());
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn calendar_from_file_and_environment_and_checked() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "desk.toml",
                "[calendar]\ntimezone = \"Europe/Kyiv\"\nopens = \"09:00\"\n\
                 working_days = [1, 2, 3, 4, 5]\nholidays = [\"2027-01-01\"]\n",
            )?;
            jail.set_env("DESK_CALENDAR__CLOSES", "18:00");
            let c = Config::load(Some(Path::new("desk.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            assert_eq!(c.calendar.opens, "09:00");
            assert_eq!(c.calendar.closes, "18:00");
            assert_eq!(c.calendar.working_days, vec![1, 2, 3, 4, 5]);
            assert_eq!(c.calendar.holidays.len(), 1);
            assert_eq!(c.calendar.timezone, "Europe/Kyiv");

            jail.set_env("DESK_CALENDAR__TIMEZONE", "Mars/Olympus");
            let err = Config::load(Some(Path::new("desk.toml")), &Overrides::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("calendar.timezone"), "{err}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn telegram_from_file_and_environment_checked_and_redacted() {
        figment::Jail::expect_with(|jail| {
            let load = || {
                Config::load(Some(Path::new("desk.toml")), &Overrides::default())
                    .map_err(|e| e.to_string())
            };
            jail.create_file(
                "desk.toml",
                "[telegram]\nsupport_bot_token = \"123456:AAfileSECRET\"\n",
            )?;
            let c = load()?;
            let t = &c.telegram;
            assert_eq!(
                t.support_bot_token.as_ref().map(|t| t.bot_id()),
                Some("123456")
            );
            assert!(t.alert_bot_token.is_none());
            assert_eq!(t.api_url, "https://api.telegram.org");
            assert_eq!(t.mode, TelegramMode::Poll);
            assert_eq!(t.bots().len(), 1);

            jail.set_env("DESK_TELEGRAM__ALERT_BOT_TOKEN", "654321:AAenvSECRET");
            jail.set_env("DESK_TELEGRAM__API_URL", "http://127.0.0.1:8081");
            let c = load()?;
            assert_eq!(
                c.telegram.bots().iter().map(|b| b.0).collect::<Vec<_>>(),
                ["support bot", "alert bot"]
            );
            assert_eq!(c.telegram.api_url, "http://127.0.0.1:8081");
            let shown = format!("{c:?}");
            assert!(!shown.contains("SECRET"), "{shown}");

            jail.set_env("DESK_TELEGRAM__MODE", "webhook");
            let err = load().err().unwrap_or_default();
            assert!(err.contains("webhook_url"), "{err}");
            jail.set_env(
                "DESK_TELEGRAM__WEBHOOK_URL",
                "https://desk.example.com/telegram",
            );
            let err = load().err().unwrap_or_default();
            assert!(err.contains("secret_token"), "{err}");
            jail.set_env("DESK_TELEGRAM__SECRET_TOKEN", "webhookSECRET_1");
            let c = load()?;
            assert_eq!(c.telegram.mode, TelegramMode::Webhook);
            assert!(!format!("{c:?}").contains("SECRET"));

            jail.set_env("DESK_TELEGRAM__SUPPORT_BOT_TOKEN", "not a token SECRET");
            let err = load().err().unwrap_or_default();
            let named = err.to_lowercase().contains("telegram.support_bot_token");
            assert!(err.contains("@BotFather") && named, "{err}");
            assert!(
                !err.contains("SECRET"),
                "the error must not echo the value: {err}"
            );
            Ok(())
        });
    }
}
