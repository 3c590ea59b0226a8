//! Where the sign-in token is kept. The desktop shell stores it in the OS keyring; the core
//! only needs this small trait, and ships a file store (mode 0600) for machines without a
//! keyring service and for tests.

use std::path::PathBuf;

/// Keeps one secret per account key.
pub trait TokenStore: Send + Sync {
    fn load(&self, account: &str) -> anyhow::Result<Option<String>>;
    fn save(&self, account: &str, token: &str) -> anyhow::Result<()>;
    fn delete(&self, account: &str) -> anyhow::Result<()>;
}

/// Tokens as files readable only by their owner.
pub struct FileTokenStore {
    dir: PathBuf,
}

impl FileTokenStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, account: &str) -> PathBuf {
        self.dir.join(format!("{account}.token"))
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self, account: &str) -> anyhow::Result<Option<String>> {
        match std::fs::read_to_string(self.path(account)) {
            Ok(s) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn save(&self, account: &str, token: &str) -> anyhow::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path(account);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&path)?;
        f.write_all(token.as_bytes())?;
        f.sync_all()?;
        Ok(())
    }

    fn delete(&self, account: &str) -> anyhow::Result<()> {
        match std::fs::remove_file(self.path(account)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_round_trip_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileTokenStore::new(dir.path());
        assert_eq!(s.load("a").unwrap(), None);
        s.save("a", "dsk_secret").unwrap();
        assert_eq!(s.load("a").unwrap().as_deref(), Some("dsk_secret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("a.token"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        s.delete("a").unwrap();
        assert_eq!(s.load("a").unwrap(), None);
    }
}
