//! Opening the device's SQLite files: WAL, foreign keys, embedded migrations, and a check that
//! the file is sound, so a damaged cache is noticed and rebuilt.
//!
//! `local.sqlite3` is small and checked in full at every open. The cache (tens of MB) is not:
//! `PRAGMA quick_check` reads every page (240–350 ms for 25 MB at the app's cold start). It
//! opens with a cheap check (the header and the schema are read) unless the last session did
//! not close it (a `-open` marker left behind: killed, crashed, power lost), when the full check
//! runs first; otherwise the full check runs in the background a moment after start, and a
//! failure leaves a `-damaged` marker, so the next start sets the file aside and rebuilds it.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub static CACHE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/cache");
pub static LOCAL_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/local");

/// Opens `path` and applies `migrations`; fails if the file is not a sound SQLite database.
pub async fn open(path: &Path, migrations: &Migrator, durable: bool) -> anyhow::Result<SqlitePool> {
    let pool = connect(path, durable).await?;
    if let Err(e) = full_check(&pool, path).await {
        pool.close().await;
        return Err(e);
    }
    migrations.run(&pool).await?;
    Ok(pool)
}

/// How the cache was checked at open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// In full: the last session did not close the file.
    InFull,
    /// Header and schema only: the full check is to run in the background (`check_later`).
    Cheaply,
}

/// Opens the cache: fails if it is marked damaged, if its header or schema cannot be read, or —
/// after an unclean shutdown — if it fails the full check. Marks it open until `closed`.
pub async fn open_cache(path: &Path) -> anyhow::Result<(SqlitePool, Checked)> {
    if marker(path, DAMAGED).exists() {
        anyhow::bail!(
            "{} failed its integrity check in the background",
            path.display()
        );
    }
    let unclean = marker(path, OPEN).exists();
    let pool = connect(path, false).await?;
    let checked = if unclean {
        full_check(&pool, path).await.map(|()| Checked::InFull)
    } else {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sqlite_schema")
            .fetch_one(&pool)
            .await
            .map(|_| Checked::Cheaply)
            .map_err(anyhow::Error::from)
    };
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            pool.close().await;
            return Err(e);
        }
    };
    CACHE_MIGRATIONS.run(&pool).await?;
    std::fs::write(marker(path, OPEN), b"")?;
    Ok((pool, checked))
}

/// The cache was closed cleanly: the next open need not check it in full.
pub fn closed(path: &Path) {
    let _ = std::fs::remove_file(marker(path, OPEN));
}

/// Runs the full check after `delay` (the app's start is not held up by it). On failure the
/// file is marked damaged, to be set aside and rebuilt at the next open; answers whether it
/// passed.
pub fn check_later(
    pool: SqlitePool,
    path: &Path,
    delay: Duration,
) -> tokio::task::JoinHandle<bool> {
    let path = path.to_owned();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        match full_check(&pool, &path).await {
            Ok(()) => true,
            Err(e) if pool.is_closed() => {
                tracing::debug!(error = %e, "the cache closed during its check");
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cache damaged; it is rebuilt from the server at the next start");
                let _ = std::fs::write(marker(&path, DAMAGED), e.to_string());
                false
            }
        }
    })
}

pub(crate) const OPEN: &str = "-open";
const DAMAGED: &str = "-damaged";

pub(crate) fn marker(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

async fn full_check(pool: &SqlitePool, path: &Path) -> anyhow::Result<()> {
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(pool)
        .await?;
    if check != "ok" {
        anyhow::bail!("{} failed its integrity check: {check}", path.display());
    }
    Ok(())
}

async fn connect(path: &Path, durable: bool) -> anyhow::Result<SqlitePool> {
    let opts = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // The local file holds what exists nowhere else: every commit reaches the disk. The
        // cache can be pulled again, so it trades that for speed.
        .synchronous(if durable {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        })
        .pragma("wal_autocheckpoint", "16384")
        // A 1 MiB page cache per connection (SQLite's default is 2 MiB): reads walk indexes
        // to a page of rows, and the OS keeps the file cached anyway. The cache's writer
        // raises its own for the first sync (cache.rs).
        .pragma("cache_size", "-1024")
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await?;
    Ok(pool)
}

/// Moves a damaged database (and its WAL files) aside, keeping it for diagnosis.
pub fn set_aside(path: &Path) -> std::io::Result<()> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    for suffix in ["", "-wal", "-shm"] {
        let from = path.with_file_name(format!(
            "{}{suffix}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("db")
        ));
        if from.exists() {
            let to = from.with_file_name(format!(
                "{}.damaged-{stamp}",
                from.file_name().and_then(|n| n.to_str()).unwrap_or("db")
            ));
            std::fs::rename(&from, &to)?;
        }
    }
    for m in [OPEN, DAMAGED] {
        let _ = std::fs::remove_file(marker(path, m));
    }
    Ok(())
}
