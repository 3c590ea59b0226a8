//! The stores under desk-core's storage interface, and the choice between them, made once at
//! start-up from configuration (`store`, `[blobs]`). A store holds SQL and row mapping only:
//! every rule is desk-core's, so a second store is a new module here and a config value.

pub mod sqlite;

use std::sync::Arc;

use anyhow::Context;
use desk_core::{BlobStore, Core, FsBlobStore, Settings, Storage};

pub use sqlite::SqliteStore;

use crate::clock::Clock;
use crate::config::{Config, StoreKind};

/// Opens the configured store and blob store in `config.data_dir` and puts the services over
/// them, with the business calendar in force.
pub async fn open(config: &Config, clock: Clock) -> anyhow::Result<Core> {
    let dir = &config.data_dir;
    let storage: Arc<dyn Storage> = match config.store {
        StoreKind::Sqlite => Arc::new(
            SqliteStore::open(dir)
                .await
                .with_context(|| format!("opening the database in {}", dir.display()))?,
        ),
    };
    let blobs: Arc<dyn BlobStore> = Arc::new(
        FsBlobStore::open(dir)
            .with_context(|| format!("opening the attachment files in {}", dir.display()))?,
    );
    let core = Core::new(
        storage,
        blobs,
        clock,
        Settings {
            max_attachment_bytes: config.max_attachment_bytes,
        },
    );
    core.calendar()
        .set(config.calendar.clone())
        .map_err(|e| anyhow::anyhow!("invalid business calendar: {e}"))?;
    Ok(core)
}
