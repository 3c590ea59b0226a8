//! The open account the sync engine and the `Desk` facade share ([`Inner`]): how the core runs
//! on this device, who is signed in, the person's preferences, and what the engine tells the
//! shell (its state and [`ClientEvent`]s).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use desk_domain::{Organization, User, limits};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::api::Api;
use crate::cache::Cache;
use crate::local::Local;
use crate::notify::{Notification, NotificationKind};
use crate::token::TokenStore;

/// How the core runs on this device.
#[derive(Clone)]
pub struct Config {
    /// The app's data dir; each account gets `accounts/<key>/` inside.
    pub data_dir: PathBuf,
    /// `uk` or `en`: error messages, notifications, and the server's messages.
    pub lang: String,
    /// Largest file accepted for attaching (checked before copying).
    pub max_attachment_bytes: u64,
    /// Pull this often even without pokes.
    pub poll_interval: Duration,
    pub tokens: Arc<dyn TokenStore>,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>, tokens: Arc<dyn TokenStore>) -> Self {
        Self {
            data_dir: data_dir.into(),
            lang: "uk".into(),
            max_attachment_bytes: limits::DEFAULT_ATTACHMENT_MAX_BYTES,
            poll_interval: Duration::from_secs(60),
            tokens,
        }
    }
}

/// The signed-in account on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Account {
    /// Stable key of (server, email) naming the account's folder and token.
    pub key: String,
    pub server: String,
    pub user: User,
    pub organization: Option<Organization>,
    /// First sign-in on this device: older events are history, not notifications.
    pub since: DateTime<Utc>,
}

/// Sync engine state, for the status bar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SyncState {
    pub online: bool,
    pub offline_since: Option<DateTime<Utc>>,
    pub syncing: bool,
    /// Writes waiting to be sent.
    pub pending: i64,
    /// Writes the server refused, waiting for the user.
    pub failed: i64,
    pub last_synced: Option<DateTime<Utc>>,
    /// The server no longer accepts the token: sign in again.
    pub needs_sign_in: bool,
}

/// What the person chose on the customer page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Preferences {
    /// `uk` or `en`.
    pub lang: String,
    pub notify_support_replied: bool,
    pub notify_ticket_resolved: bool,
    pub notify_new_ticket: bool,
    pub notify_urgent_ticket: bool,
    pub notify_customer_replied: bool,
    /// Outages: opened, acknowledged, updates, resolved (customers); another report on a
    /// known outage (agents). Pages addressed to an agent always ring.
    pub notify_incidents: bool,
    /// Play the notification sound.
    pub sound: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            lang: "uk".into(),
            notify_support_replied: true,
            notify_ticket_resolved: true,
            notify_new_ticket: true,
            notify_urgent_ticket: true,
            notify_customer_replied: true,
            notify_incidents: true,
            sound: true,
        }
    }
}

impl Preferences {
    /// Whether the person wants this kind of notification.
    pub fn wants(&self, kind: NotificationKind) -> bool {
        use NotificationKind as K;
        match kind {
            K::SupportReplied => self.notify_support_replied,
            K::TicketResolved => self.notify_ticket_resolved,
            K::NewTicket => self.notify_new_ticket,
            K::UrgentTicket => self.notify_urgent_ticket,
            K::CustomerReplied => self.notify_customer_replied,
            K::IncidentOpened
            | K::IncidentAcknowledged
            | K::IncidentUpdate
            | K::IncidentResolved
            | K::OutageReport => self.notify_incidents,
            // At 02:00 the page is the whole point of being on duty (an unverified report from
            // Telegram is a page nobody has checked yet).
            K::OutagePage | K::UnverifiedReport => true,
        }
    }
}

/// What the shell subscribes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// Cached data changed: re-read what is on screen.
    ModelsChanged {
        tickets: Vec<Uuid>,
        topics: bool,
        outbox: bool,
    },
    /// Show a native notification.
    Notify {
        notification: Notification,
    },
    State {
        state: SyncState,
    },
    /// Cached incidents (by id), the pages addressed to me, the duty roster or the requests
    /// of Telegram chats not linked changed: re-read the banner, the incidents screen, the
    /// pages list, the roster or the requests.
    IncidentsChanged {
        incidents: Vec<Uuid>,
        pages: bool,
        duty: bool,
        #[serde(default)]
        telegram_requests: bool,
    },
}

pub(crate) struct Inner {
    pub config: Config,
    pub account: Account,
    pub dir: PathBuf,
    pub api: Api,
    pub cache: Cache,
    pub local: Local,
    pub events: broadcast::Sender<ClientEvent>,
    pub state: watch::Sender<SyncState>,
    pub wake: Notify,
    pub stop: CancellationToken,
    pub prefs: std::sync::RwLock<Preferences>,
    /// One lock per attachment being downloaded: a preview and an "open" (or two previews of
    /// one image) asking at once share one download instead of writing one file together.
    pub downloads: std::sync::Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
}

impl Inner {
    pub fn me(&self) -> &User {
        &self.account.user
    }

    pub fn emit(&self, e: ClientEvent) {
        let _ = self.events.send(e);
    }

    pub fn files_dir(&self) -> PathBuf {
        self.dir.join("files")
    }

    pub fn downloads_dir(&self) -> PathBuf {
        self.dir.join("downloads")
    }
}
