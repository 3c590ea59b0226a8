//! desk-core: every rule of Desk, once. One service per use case — file a ticket, reply,
//! change a status, upload a file, report an outage, acknowledge, resolve, merge, pull the
//! changes — each taking who acts (through which channel) and validated input, and answering
//! domain results or an [`Error`] with a stable code. Every entry point (the HTTP routes, the
//! Telegram bridge) calls these; every store implements only the narrow [`storage`]
//! interface under them, so no rule is written twice.
//!
//! ```text
//!   routes/ (HTTP)   telegram (later)   admin CLI, demo
//!          \               |               /
//!           Core: services/ (tickets, incidents, accounts, topics, attachments, sync, paging)
//!                 visibility, validate, rules (desk-domain), calendar, clock
//!          /                                   \
//!   storage::Storage + Tx (rows, queries,       blobs::BlobStore
//!   one transaction): store/sqlite, later       (files today, an object
//!   store/postgres                              store later)
//! ```

pub mod actor;
pub mod blobs;
pub mod calendar;
pub mod clock;
pub mod error;
pub mod services;
pub mod storage;
pub mod validate;
pub mod visibility;

use std::sync::Arc;

use futures::future::BoxFuture;

pub use actor::{Actor, Viewer};
pub use blobs::{BlobStore, FsBlobStore};
pub use calendar::CalendarHandle;
pub use clock::Clock;
pub use error::{Error, Result};
pub use services::{Created, RepageOutcome};
pub use storage::Storage;

use storage::{Job, JobOutput, Tx};

/// Settings the rules depend on.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_attachment_bytes: desk_domain::limits::DEFAULT_ATTACHMENT_MAX_BYTES,
        }
    }
}

/// The services over one store and one blob store. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    storage: Arc<dyn Storage>,
    blobs: Arc<dyn BlobStore>,
    clock: Clock,
    calendar: CalendarHandle,
    settings: Arc<Settings>,
}

impl Core {
    pub fn new(
        storage: Arc<dyn Storage>,
        blobs: Arc<dyn BlobStore>,
        clock: Clock,
        settings: Settings,
    ) -> Self {
        Self {
            storage,
            blobs,
            clock,
            calendar: CalendarHandle::default(),
            settings: Arc::new(settings),
        }
    }

    /// The clock every rule takes "now" from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The business calendar in force (after-hours notices, waiting clocks).
    pub fn calendar(&self) -> &CalendarHandle {
        &self.calendar
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    /// Finishes queued writes and closes the store.
    pub async fn close(&self) {
        self.storage.close().await;
    }

    /// Runs `f` as one write job and answers once it is durable.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> BoxFuture<'t, Result<T>> + Send + 'static,
    {
        let job: Job = Box::new(move |tx| erase(f(tx)));
        let out = self.storage.write(job).await?;
        out.downcast::<T>()
            .map(|b| *b)
            .map_err(|_| Error::internal("a write job answered another type"))
    }
}

fn erase<'t, T: Send + 'static>(fut: BoxFuture<'t, Result<T>>) -> BoxFuture<'t, Result<JobOutput>> {
    Box::pin(async move { fut.await.map(|v| Box::new(v) as JobOutput) })
}
