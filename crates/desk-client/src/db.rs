//! Opening the device's SQLite files: WAL, foreign keys, embedded migrations, and a check that
//! the file is sound, so a damaged cache is noticed at start and rebuilt.

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
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&pool)
        .await?;
    if check != "ok" {
        pool.close().await;
        anyhow::bail!("{} failed its integrity check: {check}", path.display());
    }
    migrations.run(&pool).await?;
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
    Ok(())
}
