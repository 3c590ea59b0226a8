//! The sign-in token in the OS keyring (Secret Service), falling back to a file readable only
//! by the user (0600) where no keyring service runs — a bare desktop, or the tests.

use std::path::PathBuf;

use desk_client::{FileTokenStore, TokenStore};

const SERVICE: &str = "ua.desk.support";

pub struct KeyringTokenStore {
    fallback: FileTokenStore,
    /// `DESK_TOKEN_STORE=file` skips the keyring (tests, kiosk machines).
    file_only: bool,
}

impl KeyringTokenStore {
    pub fn new(dir: PathBuf) -> Self {
        let file_only = std::env::var("DESK_TOKEN_STORE").is_ok_and(|v| v == "file");
        Self {
            fallback: FileTokenStore::new(dir),
            file_only,
        }
    }
}

/// Runs a keyring call on its own thread: the Secret Service client blocks on D-Bus and must
/// not run on the async runtime's threads.
fn off_runtime<T: Send + 'static>(
    f: impl FnOnce() -> keyring::Result<T> + Send + 'static,
) -> keyring::Result<T> {
    std::thread::spawn(f).join().unwrap_or_else(|_| {
        Err(keyring::Error::PlatformFailure(
            "keyring thread panicked".into(),
        ))
    })
}

impl TokenStore for KeyringTokenStore {
    fn load(&self, account: &str) -> anyhow::Result<Option<String>> {
        if !self.file_only {
            let account = account.to_owned();
            match off_runtime(move || keyring::Entry::new(SERVICE, &account)?.get_password()) {
                Ok(t) => return Ok(Some(t)),
                Err(keyring::Error::NoEntry) => {}
                Err(e) => tracing::info!(error = %e, "no keyring; reading the token file"),
            }
        }
        self.fallback.load(account)
    }

    fn save(&self, account: &str, token: &str) -> anyhow::Result<()> {
        if !self.file_only {
            let (a, t) = (account.to_owned(), token.to_owned());
            match off_runtime(move || keyring::Entry::new(SERVICE, &a)?.set_password(&t)) {
                Ok(()) => {
                    // A token file left from a keyring-less time goes.
                    let _ = self.fallback.delete(account);
                    return Ok(());
                }
                Err(e) => {
                    tracing::info!(error = %e, "no keyring; keeping the token in a 0600 file")
                }
            }
        }
        self.fallback.save(account, token)
    }

    fn delete(&self, account: &str) -> anyhow::Result<()> {
        if !self.file_only {
            let a = account.to_owned();
            let _ = off_runtime(move || keyring::Entry::new(SERVICE, &a)?.delete_credential());
        }
        self.fallback.delete(account)
    }
}
