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
}
