//! Opening an account (signing in, or resuming the last one without the network), closing it,
//! signing out, and what belongs to the account as a whole: preferences and storage.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use desk_domain::Me;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

use super::{Desk, StorageInfo};
use crate::api::{Api, ApiError};
use crate::cache::Cache;
use crate::error::Error;
use crate::local::Local;
use crate::sync::{Account, ClientEvent, Config, Inner, Preferences, SyncState};

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
        crate::sync::calendar::spawn_refresh(inner.clone());
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
