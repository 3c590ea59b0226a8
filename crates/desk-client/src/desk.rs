//! [`Desk`]: the one handle the shell holds for a signed-in account, with an async method for
//! everything the app does. Reads come from the cache; writes go to the outbox (shown at once)
//! and wake the sync engine.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use desk_domain::{
    Attachment, Channel, Me, Message, Organization, PersonRef, Ticket, TicketStatus, Topic,
    UpdateTicket, User, limits,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::api::{Api, ApiError};
use crate::cache::{Cache, CachedMessage, CachedTicket, SearchHit, TicketQuery};
use crate::error::Error;
use crate::local::{Draft, Local, LocalFile, Op, OutboxItem, OutboxState};
use crate::notify::Notification;
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
    pub fn wants(&self, kind: crate::notify::NotificationKind) -> bool {
        use crate::notify::NotificationKind as K;
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
            // At 02:00 the page is the whole point of being on duty.
            K::OutagePage => true,
        }
    }
}

/// The app's data on disk and what waits to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StorageInfo {
    pub data_dir: String,
    /// Everything of this account on disk (cache, outbox, copies of files, downloads).
    pub total_bytes: u64,
    /// Copies of files attached to drafts and unsent writes.
    pub unsent_file_bytes: u64,
    pub pending: i64,
    pub failed: i64,
}

/// An organisation as the cache knows it (agents' filters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OrgRef {
    pub id: Uuid,
    pub name: String,
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
    /// Cached incidents (by id), the pages addressed to me or the duty roster changed:
    /// re-read the banner, the incidents screen, the pages list or the roster.
    IncidentsChanged {
        incidents: Vec<Uuid>,
        pages: bool,
        duty: bool,
    },
}

/// A write of this ticket waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SendState {
    pub outbox_seq: i64,
    pub state: OutboxState,
    pub error: Option<String>,
}

/// A ticket for lists: cached state plus whatever of it is still being sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TicketItem {
    #[serde(flatten)]
    pub cached: CachedTicket,
    pub sending: Option<SendState>,
    /// Agents only: how long the ticket has waited for support, in working time, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub waited_ms: Option<i64>,
}

/// A ticket with its conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TicketView {
    pub item: TicketItem,
    pub messages: Vec<MessageItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MessageItem {
    #[serde(flatten)]
    pub cached: CachedMessage,
    pub sending: Option<SendState>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct NewTicketInput {
    pub topic_id: String,
    pub subject: String,
    pub body: String,
    /// Files to attach; copied into the app's data dir at once.
    #[serde(default)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReplyInput {
    pub body: String,
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub files: Vec<PathBuf>,
}

/// The text fields of a draft as typed (files are added one by one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DraftInput {
    pub topic_id: Option<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub internal: bool,
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

/// A signed-in account: the handle the shell keeps.
#[derive(Clone)]
pub struct Desk {
    pub(crate) inner: Arc<Inner>,
}

fn account_key(server: &str, email: &str) -> String {
    let h = Sha256::digest(format!(
        "{}\n{}",
        server.trim_end_matches('/'),
        email.trim().to_lowercase()
    ));
    hex::encode(&h[..8])
}

const CURRENT: &str = "current-account";

fn validate_server(url: &str) -> Result<(), Error> {
    let u = url.trim();
    if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() < 10 {
        return Err(Error::invalid(
            "Адреса сервера має починатися з http:// або https://, наприклад https://support.example.com.",
            "The server address must start with http:// or https://, e.g. https://support.example.com.",
        ));
    }
    Ok(())
}

impl Desk {
    /// Signs in with email and password and opens the account (creating its local files).
    pub async fn sign_in(
        config: Config,
        server: &str,
        email: &str,
        password: &str,
    ) -> Result<Self, Error> {
        crate::error::set_language(&config.lang);
        validate_server(server)?;
        let api = Api::new(server, &config.lang)?;
        let login = api.login(email.trim(), password).await.map_err(|e| match e {
            ApiError::Transport(detail) => Error::new(
                "server_unreachable",
                if config.lang.starts_with("en") {
                    format!("Cannot reach the server at {} ({detail}). Check the address and the internet connection.", api.base())
                } else {
                    format!("Не вдалося з'єднатися із сервером {} ({detail}). Перевірте адресу й підключення до інтернету.", api.base())
                },
            ),
            other => other.into(),
        })?;
        let api = api.with_token(&login.token);
        let Me { user, organization } = api.me().await?;
        let key = account_key(api.base(), &user.email);
        let dir = config.data_dir.join("accounts").join(&key);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(Error::storage)?;
        let local = Local::open(&dir.join("local.sqlite3")).await?;
        let since = match local.meta("since").await? {
            Some(s) => DateTime::parse_from_rfc3339(&s)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_else(|_| Utc::now()),
            None => Utc::now(),
        };
        let account = Account {
            key: key.clone(),
            server: api.base().to_owned(),
            user,
            organization,
            since,
        };
        local.set_meta("since", &since.to_rfc3339()).await?;
        local
            .set_meta(
                "account",
                &serde_json::to_string(&account).map_err(Error::storage)?,
            )
            .await?;
        config
            .tokens
            .save(&key, &login.token)
            .map_err(Error::storage)?;
        tokio::fs::write(config.data_dir.join(CURRENT), &key)
            .await
            .map_err(Error::storage)?;
        Self::open(config, account, dir, api, local).await
    }

    /// Opens the account signed in last on this device, without touching the network; `None`
    /// when nobody is signed in.
    pub async fn resume(config: Config) -> Result<Option<Self>, Error> {
        crate::error::set_language(&config.lang);
        let key = match tokio::fs::read_to_string(config.data_dir.join(CURRENT)).await {
            Ok(k) => k.trim().to_owned(),
            Err(_) => return Ok(None),
        };
        let Some(token) = config.tokens.load(&key).map_err(Error::storage)? else {
            return Ok(None);
        };
        let dir = config.data_dir.join("accounts").join(&key);
        if !dir.exists() {
            return Ok(None);
        }
        let local = Local::open(&dir.join("local.sqlite3")).await?;
        let Some(account) = local.meta("account").await? else {
            return Ok(None);
        };
        let account: Account = serde_json::from_str(&account).map_err(Error::storage)?;
        let api = Api::new(&account.server, &config.lang)?.with_token(&token);
        Ok(Some(Self::open(config, account, dir, api, local).await?))
    }

    async fn open(
        config: Config,
        account: Account,
        dir: PathBuf,
        api: Api,
        local: Local,
    ) -> Result<Self, Error> {
        let (cache, rebuilt) = Cache::open(&dir.join("cache.sqlite3")).await?;
        if rebuilt {
            tracing::warn!(
                "the cache was damaged and is rebuilt from the server; unsent writes are kept"
            );
        }
        let (events, _) = broadcast::channel(1024);
        let (state, _) = watch::channel(SyncState::default());
        let prefs = match local.meta("preferences").await? {
            Some(p) => serde_json::from_str(&p).unwrap_or_default(),
            None => Preferences {
                lang: config.lang.clone(),
                ..Preferences::default()
            },
        };
        let inner = Arc::new(Inner {
            config,
            account,
            dir,
            api,
            cache,
            local,
            events,
            state,
            wake: Notify::new(),
            stop: CancellationToken::new(),
            prefs: std::sync::RwLock::new(prefs),
            downloads: std::sync::Mutex::default(),
        });
        crate::sync::reproject_all(&inner).await?;
        crate::sync::refresh_counts(&inner).await;
        crate::sync::start(inner.clone());
        crate::calendar::spawn_refresh(inner.clone());
        Ok(Self { inner })
    }

    pub fn account(&self) -> &Account {
        &self.inner.account
    }

    /// Where this account's files live (cache, outbox, copies of attached files).
    pub fn data_dir(&self) -> &Path {
        &self.inner.dir
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    pub fn state(&self) -> watch::Receiver<SyncState> {
        self.inner.state.subscribe()
    }

    /// Push (ending any backoff) and pull now.
    pub async fn sync_now(&self) {
        let _ = self.inner.local.due_now().await;
        self.inner.wake.notify_one();
    }

    /// Stops the sync engine and closes the local files (the account stays signed in).
    pub async fn close(&self) {
        self.inner.stop.cancel();
        crate::sync::stopped(&self.inner).await;
        self.inner.cache.close().await;
        self.inner.local.close().await;
    }

    /// Signs out: revokes the token (when the server is reachable), forgets it, and wipes the
    /// account's data on this device. Refuses while writes are unsent unless `discard_unsent`.
    pub async fn sign_out(self, discard_unsent: bool) -> Result<(), Error> {
        let (pending, failed) = self.inner.local.counts().await?;
        if pending + failed > 0 && !discard_unsent {
            return Err(Error::new(
                "unsent_items",
                if self.inner.config.lang.starts_with("en") {
                    format!(
                        "{} item(s) have not been sent yet. Wait until they are sent, or sign out anyway to discard them.",
                        pending + failed
                    )
                } else {
                    format!(
                        "Ще не надіслано: {}. Дочекайтеся надсилання або вийдіть попри це — тоді вони пропадуть.",
                        pending + failed
                    )
                },
            ));
        }
        let _ = self.inner.api.logout().await;
        self.close().await;
        let cfg = &self.inner.config;
        cfg.tokens
            .delete(&self.inner.account.key)
            .map_err(Error::storage)?;
        let _ = tokio::fs::remove_file(cfg.data_dir.join(CURRENT)).await;
        tokio::fs::remove_dir_all(&self.inner.dir)
            .await
            .map_err(Error::storage)?;
        Ok(())
    }

    // --- reads (cache only)

    pub async fn topics(&self) -> Result<Vec<Topic>, Error> {
        Ok(self.inner.cache.topics().await?)
    }

    async fn sending(&self) -> Result<Vec<OutboxItem>, Error> {
        Ok(self.inner.local.items().await?)
    }

    fn send_state(items: &[OutboxItem], pred: impl Fn(&OutboxItem) -> bool) -> Option<SendState> {
        // A failure is what the user must see first.
        let mut found: Option<&OutboxItem> = None;
        for i in items.iter().filter(|i| pred(i)) {
            if found.is_none() || i.state == OutboxState::Failed {
                found = Some(i);
            }
        }
        found.map(|i| SendState {
            outbox_seq: i.seq,
            state: i.state,
            error: i.error_message.clone(),
        })
    }

    pub async fn tickets(&self, q: &TicketQuery) -> Result<Vec<TicketItem>, Error> {
        let rows = self.inner.cache.tickets(q).await?;
        let items = self.sending().await?;
        let hours = if self.inner.me().role.is_staff() {
            Some(crate::calendar::hours(&self.inner).await)
        } else {
            None
        };
        let now = Utc::now();
        Ok(rows
            .into_iter()
            .map(|cached| {
                let id = cached.ticket.id;
                TicketItem {
                    sending: Self::send_state(&items, |i| i.ticket_id == id),
                    waited_ms: hours
                        .as_ref()
                        .and_then(|h| crate::calendar::waited_ms(h, &cached.ticket, now)),
                    cached,
                }
            })
            .collect())
    }

    /// The ticket with its conversation; marks it read.
    pub async fn ticket(&self, id: Uuid) -> Result<Option<TicketView>, Error> {
        let Some(cached) = self.inner.cache.ticket(id).await? else {
            return Ok(None);
        };
        self.inner.cache.mark_read(id, Utc::now()).await?;
        let items = self.sending().await?;
        let messages = self
            .inner
            .cache
            .messages(id)
            .await?
            .into_iter()
            .map(|cached| {
                let mid = cached.message.id;
                MessageItem {
                    sending: Self::send_state(&items, |i| {
                        i.entity_id == mid || (i.entity_id == id && mid == id)
                    }),
                    cached,
                }
            })
            .collect();
        let sending = Self::send_state(&items, |i| i.ticket_id == id);
        let waited_ms = match cached.ticket.waiting {
            Some(_) => crate::calendar::waited_ms(
                &crate::calendar::hours(&self.inner).await,
                &cached.ticket,
                Utc::now(),
            ),
            None => None,
        };
        Ok(Some(TicketView {
            item: TicketItem {
                cached,
                sending,
                waited_ms,
            },
            messages,
        }))
    }

    pub async fn organizations(&self) -> Result<Vec<OrgRef>, Error> {
        Ok(self
            .inner
            .cache
            .organizations()
            .await?
            .into_iter()
            .map(|(id, name)| OrgRef { id, name })
            .collect())
    }

    pub fn preferences(&self) -> Preferences {
        self.inner
            .prefs
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    pub async fn set_preferences(&self, p: Preferences) -> Result<(), Error> {
        self.inner
            .local
            .set_meta(
                "preferences",
                &serde_json::to_string(&p).map_err(Error::storage)?,
            )
            .await?;
        crate::error::set_language(&p.lang);
        if let Ok(mut w) = self.inner.prefs.write() {
            *w = p;
        }
        Ok(())
    }

    pub async fn storage_info(&self) -> Result<StorageInfo, Error> {
        let (pending, failed) = self.inner.local.counts().await?;
        let dir = self.inner.dir.clone();
        let files = self.inner.files_dir();
        let (total_bytes, unsent_file_bytes) =
            tokio::task::spawn_blocking(move || (dir_size(&dir), dir_size(&files)))
                .await
                .map_err(Error::storage)?;
        Ok(StorageInfo {
            data_dir: self.inner.dir.to_string_lossy().into_owned(),
            total_bytes,
            unsent_file_bytes,
            pending,
            failed,
        })
    }

    pub async fn search(&self, text: &str, limit: u32) -> Result<Vec<SearchHit>, Error> {
        Ok(self.inner.cache.search(text, limit).await?)
    }

    pub async fn unread_count(&self) -> Result<i64, Error> {
        Ok(self.inner.cache.unread_count().await?)
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxItem>, Error> {
        self.sending().await
    }

    // --- drafts

    pub fn new_ticket_draft_key() -> &'static str {
        "new-ticket"
    }

    pub fn reply_draft_key(ticket: Uuid) -> String {
        format!("reply:{ticket}")
    }

    pub async fn draft(&self, key: &str) -> Result<Option<Draft>, Error> {
        Ok(self.inner.local.draft(key).await?)
    }

    /// The draft under `key`, about to be sent: "the draft is empty" if there is none.
    pub(crate) async fn draft_to_send(&self, key: &str) -> Result<Draft, Error> {
        self.draft(key)
            .await?
            .ok_or_else(|| Error::invalid("Чернетка порожня.", "The draft is empty."))
    }

    /// Autosave: call as the user types.
    pub async fn save_draft(&self, key: &str, d: &DraftInput) -> Result<(), Error> {
        Ok(self
            .inner
            .local
            .save_draft(key, d.topic_id.as_deref(), &d.subject, &d.body, d.internal)
            .await?)
    }

    /// Copies `path` into the app's data dir at once and adds it to the draft.
    pub async fn attach_to_draft(&self, key: &str, path: &Path) -> Result<LocalFile, Error> {
        let f = crate::files::copy_in(
            path,
            &self.inner.files_dir(),
            self.inner.config.max_attachment_bytes,
        )
        .await?;
        if let Err(e) = self.inner.local.add_draft_file(key, &f).await {
            let _ = tokio::fs::remove_file(&f.path).await;
            return Err(e.into());
        }
        Ok(f)
    }

    /// Adds bytes (a pasted image) to the draft as a file named `filename`.
    pub async fn attach_bytes_to_draft(
        &self,
        key: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<LocalFile, Error> {
        if bytes.len() as u64 > self.inner.config.max_attachment_bytes {
            return Err(Error::file_too_large(
                Path::new(filename),
                bytes.len() as u64,
                self.inner.config.max_attachment_bytes,
            ));
        }
        let staging = self.inner.dir.join("staging");
        tokio::fs::create_dir_all(&staging)
            .await
            .map_err(Error::storage)?;
        let name = {
            let n: String = filename
                .chars()
                .filter(|c| !matches!(c, '/' | '\\') && !c.is_control())
                .collect();
            if n.trim().is_empty() {
                "image.png".to_owned()
            } else {
                n
            }
        };
        let tmp = staging.join(&name);
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(Error::storage)?;
        let res = self.attach_to_draft(key, &tmp).await;
        let _ = tokio::fs::remove_file(&tmp).await;
        res
    }

    pub async fn remove_draft_file(&self, key: &str, file: Uuid) -> Result<(), Error> {
        if let Some(p) = self.inner.local.remove_draft_file(key, file).await? {
            let _ = tokio::fs::remove_file(p).await;
        }
        Ok(())
    }

    pub async fn discard_draft(&self, key: &str) -> Result<(), Error> {
        for p in self.inner.local.discard_draft(key).await? {
            let _ = tokio::fs::remove_file(p).await;
        }
        Ok(())
    }

    // --- writes (outbox)

    fn check_text(subject: Option<&str>, body: &str) -> Result<(), Error> {
        if let Some(s) = subject {
            check_length(
                s,
                limits::SUBJECT_MAX_CHARS,
                ("Вкажіть тему звернення.", "Enter a subject."),
                (
                    "Тема задовга: до 200 символів.",
                    "The subject is too long: at most 200 characters.",
                ),
            )?;
        }
        check_length(
            body,
            limits::BODY_MAX_CHARS,
            ("Напишіть текст повідомлення.", "Write the message text."),
            TEXT_TOO_LONG,
        )
    }

    async fn after_write(&self, ticket: Uuid) -> Result<(), Error> {
        crate::sync::refresh_counts(&self.inner).await;
        self.inner.emit(ClientEvent::ModelsChanged {
            tickets: vec![ticket],
            topics: false,
            outbox: true,
        });
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Files a ticket from the create-ticket draft (its files included); shown at once as
    /// "sending", sent when the server is reachable. Answers the new ticket's id.
    pub async fn submit_ticket_draft(&self) -> Result<Uuid, Error> {
        let key = Self::new_ticket_draft_key();
        let d = self.draft_to_send(key).await?;
        let topic_id = d
            .topic_id
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::invalid(
                    "Оберіть тему звернення зі списку.",
                    "Choose a topic from the list.",
                )
            })?;
        Self::check_text(Some(&d.subject), &d.body)?;
        if d.files.len() > limits::ATTACHMENTS_PER_MESSAGE {
            return Err(Error::invalid(
                "Забагато файлів: до 20.",
                "Too many files: at most 20.",
            ));
        }
        let id = Uuid::now_v7();
        let op = Op::CreateTicket {
            topic_id,
            subject: d.subject.trim().to_owned(),
            body: d.body.trim().to_owned(),
        };
        let item = self.inner.local.enqueue(id, id, &op, Some(key)).await?;
        crate::sync::project(&self.inner, &item).await?;
        self.after_write(id).await?;
        Ok(id)
    }

    /// Files a ticket directly (text and files in one call).
    pub async fn create_ticket(&self, t: NewTicketInput) -> Result<Uuid, Error> {
        let key = Self::new_ticket_draft_key();
        self.discard_draft(key).await?;
        self.save_draft(
            key,
            &DraftInput {
                topic_id: Some(t.topic_id),
                subject: t.subject,
                body: t.body,
                internal: false,
            },
        )
        .await?;
        for f in &t.files {
            self.attach_to_draft(key, f).await?;
        }
        self.submit_ticket_draft().await
    }

    /// Sends the reply draft of `ticket` (its files included). Answers the message id.
    pub async fn submit_reply_draft(&self, ticket: Uuid) -> Result<Uuid, Error> {
        let key = Self::reply_draft_key(ticket);
        let d = self.draft_to_send(&key).await?;
        Self::check_text(None, &d.body)?;
        if self.inner.cache.ticket(ticket).await?.is_none() {
            return Err(Error::not_found("Звернення", "Ticket"));
        }
        if d.internal && !self.inner.me().role.is_staff() {
            return Err(Error::invalid(
                "Внутрішні нотатки доступні лише спеціалістам.",
                "Internal notes are for support specialists only.",
            ));
        }
        let id = Uuid::now_v7();
        let op = Op::AddMessage {
            body: d.body.trim().to_owned(),
            internal: d.internal,
        };
        let item = self
            .inner
            .local
            .enqueue(id, ticket, &op, Some(&key))
            .await?;
        crate::sync::project(&self.inner, &item).await?;
        self.after_write(ticket).await?;
        Ok(id)
    }

    /// Replies directly (text and files in one call).
    pub async fn reply(&self, ticket: Uuid, r: ReplyInput) -> Result<Uuid, Error> {
        let key = Self::reply_draft_key(ticket);
        self.discard_draft(&key).await?;
        self.save_draft(
            &key,
            &DraftInput {
                topic_id: None,
                subject: String::new(),
                body: r.body,
                internal: r.internal,
            },
        )
        .await?;
        for f in &r.files {
            self.attach_to_draft(&key, f).await?;
        }
        self.submit_reply_draft(ticket).await
    }

    /// Changes a ticket's status (customers: resolve or reopen).
    pub async fn set_status(&self, ticket: Uuid, status: TicketStatus) -> Result<(), Error> {
        self.update(
            ticket,
            UpdateTicket {
                status: Some(status),
                assignee_id: None,
            },
        )
        .await
    }

    /// Assigns a ticket (agents); `None` unassigns.
    pub async fn assign(&self, ticket: Uuid, assignee: Option<Uuid>) -> Result<(), Error> {
        self.update(
            ticket,
            UpdateTicket {
                status: None,
                assignee_id: Some(assignee),
            },
        )
        .await
    }

    async fn update(&self, ticket: Uuid, update: UpdateTicket) -> Result<(), Error> {
        if self.inner.cache.ticket(ticket).await?.is_none() {
            return Err(Error::not_found("Звернення", "Ticket"));
        }
        let item = self
            .inner
            .local
            .enqueue(ticket, ticket, &Op::UpdateTicket { update }, None)
            .await?;
        crate::sync::project(&self.inner, &item).await?;
        self.after_write(ticket).await
    }

    /// Sends a failed item again.
    pub async fn retry(&self, outbox_seq: i64) -> Result<(), Error> {
        self.inner.local.retry(outbox_seq).await?;
        crate::sync::refresh_counts(&self.inner).await;
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Gives up on an item: it leaves the outbox and its provisional rows the cache. The text
    /// of a discarded new ticket or reply goes back into its draft, so nothing typed is lost.
    pub async fn discard(&self, outbox_seq: i64) -> Result<(), Error> {
        let Some(item) = self.inner.local.item(outbox_seq).await? else {
            return Ok(());
        };
        let draft = match &item.op {
            Op::CreateTicket {
                topic_id,
                subject,
                body,
            } => Some((
                Self::new_ticket_draft_key().to_owned(),
                DraftInput {
                    topic_id: Some(topic_id.clone()),
                    subject: subject.clone(),
                    body: body.clone(),
                    internal: false,
                },
            )),
            Op::AddMessage { body, internal } => Some((
                Self::reply_draft_key(item.ticket_id),
                DraftInput {
                    topic_id: None,
                    subject: String::new(),
                    body: body.clone(),
                    internal: *internal,
                },
            )),
            Op::ReportOutage { kind, description } => Some((
                Self::outage_draft_key().to_owned(),
                DraftInput {
                    topic_id: Some(kind.as_str().to_owned()),
                    subject: String::new(),
                    body: description.clone(),
                    internal: false,
                },
            )),
            Op::UpdateTicket { .. } => None,
        };
        if let Some((key, input)) = &draft
            && self.inner.local.draft(key).await?.is_none()
        {
            self.save_draft(key, input).await?;
        }
        self.inner.local.discard(outbox_seq).await?;
        for f in &item.files {
            let _ = tokio::fs::remove_file(&f.path).await;
        }
        crate::sync::unproject(&self.inner, &item).await?;
        self.after_write(item.ticket_id).await
    }

    /// Attachment `id` of ticket `ticket` as cached (for a preview asked for by id), or `None`.
    pub async fn attachment(&self, ticket: Uuid, id: Uuid) -> Result<Option<Attachment>, Error> {
        Ok(self.inner.cache.attachment(ticket, id).await?)
    }

    /// A local path with the attachment's bytes: downloaded on first use and verified against
    /// the server's SHA-256.
    pub async fn attachment_file(&self, a: &Attachment) -> Result<PathBuf, Error> {
        crate::sync::attachment_file(&self.inner, a).await
    }

    /// Whether `path` (from [`Desk::attachment_file`]) is the attachment's own download, in a
    /// folder of its own where files made from it (a scaled preview) may be kept beside it, or
    /// a copy the outbox still holds for sending, which nothing else should be written beside.
    pub fn is_download(&self, a: &Attachment, path: &Path) -> bool {
        path.parent()
            == Some(
                self.inner
                    .downloads_dir()
                    .join(a.id.simple().to_string())
                    .as_path(),
            )
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

/// Builds the provisional ticket a queued create shows as.
pub(crate) fn provisional_ticket(
    inner: &Inner,
    id: Uuid,
    topic: &Topic,
    subject: &str,
    at: DateTime<Utc>,
) -> Ticket {
    let me = inner.me();
    Ticket {
        id,
        number: 0,
        subject: subject.to_owned(),
        topic_id: topic.id.clone(),
        urgent: topic.urgent,
        status: TicketStatus::New,
        organization_id: me.organization_id.unwrap_or_default(),
        organization_name: inner
            .account
            .organization
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        requester: PersonRef {
            id: me.id,
            name: me.name.clone(),
            role: me.role,
        },
        assignee: None,
        created_at: at,
        updated_at: at,
        resolved_at: None,
        last_message_at: at,
        message_count: 1,
        incident_id: None,
        waiting: None,
    }
}

/// Builds the provisional message a queued reply shows as.
pub(crate) fn provisional_message(
    inner: &Inner,
    id: Uuid,
    ticket: Uuid,
    body: &str,
    internal: bool,
    files: &[LocalFile],
    at: DateTime<Utc>,
) -> Message {
    let me = inner.me();
    Message {
        id,
        ticket_id: ticket,
        author: PersonRef {
            id: me.id,
            name: me.name.clone(),
            role: me.role,
        },
        body: body.to_owned(),
        internal,
        channel: Channel::App,
        created_at: at,
        attachments: files
            .iter()
            .map(|f| Attachment {
                id: f.id,
                filename: f.filename.clone(),
                size: f.size,
                media_type: f.media_type.clone(),
                sha256: f.sha256.clone(),
            })
            .collect(),
    }
}

/// The message for a text over `limits::BODY_MAX_CHARS` (Ukrainian, English).
pub(crate) const TEXT_TOO_LONG: (&str, &str) = (
    "Текст задовгий: до 20 000 символів.",
    "The text is too long: at most 20,000 characters.",
);

/// Checks a text field as the server will: not blank once trimmed, at most `max` characters
/// (trimmed). `empty` and `too_long` are the messages (Ukrainian, English).
pub(crate) fn check_length(
    text: &str,
    max: usize,
    empty: (&str, &str),
    too_long: (&str, &str),
) -> Result<(), Error> {
    let n = text.trim().chars().count();
    if n == 0 {
        return Err(Error::invalid(empty.0, empty.1));
    }
    if n > max {
        return Err(Error::invalid(too_long.0, too_long.1));
    }
    Ok(())
}
