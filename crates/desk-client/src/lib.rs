//! desk-client: the desktop app's core, with no Tauri in it. It signs in to a desk-server,
//! mirrors what the user may see into a local SQLite cache (so every screen opens instantly and
//! offline), keeps unsent writes in an outbox that is sent in order when the server is
//! reachable, autosaves drafts with their files, keeps the cache current through delta sync
//! and server-sent-event pokes, and decides which changes deserve a native notification.
//!
//! The shell holds one [`Desk`] per signed-in account and calls its async methods; it
//! subscribes to [`ClientEvent`]s for "models changed", notifications and sync state.

pub mod api;
pub mod cache;
mod calendar;
mod db;
mod desk;
pub mod error;
mod files;
pub mod incidents;
pub mod local;
pub mod notify;
pub mod sse;
mod sync;
pub mod token;

pub use cache::{CachedMessage, CachedTicket, SearchHit, TicketQuery};
pub use desk::{
    Account, ClientEvent, Config, Desk, DraftInput, MessageItem, NewTicketInput, OrgRef,
    Preferences, ReplyInput, SendState, StorageInfo, SyncState, TicketItem, TicketView,
};
pub use error::Error;
pub use incidents::{AnnounceInput, IncidentView, KnownOutage, PageItem};
pub use local::{Draft, LocalFile, OutboxItem, OutboxState};
pub use notify::{Notification, NotificationKind, NotificationUrgency};
pub use token::{FileTokenStore, TokenStore};
