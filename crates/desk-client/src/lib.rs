//! desk-client: the desktop app's core, with no Tauri in it. It signs in to a desk-server,
//! mirrors what the user may see into a local SQLite cache (so every screen opens instantly and
//! offline), keeps unsent writes in an outbox that is sent in order when the server is
//! reachable, autosaves drafts with their files, keeps the cache current through delta sync
//! and server-sent-event pokes, and decides which changes deserve a native notification.
//!
//! The shell holds one [`Desk`] per signed-in account and calls its async methods; it
//! subscribes to [`ClientEvent`]s for "models changed", notifications and sync state.
//!
//! The modules stand in layers, lowest first. A module imports only from its own layer or a
//! lower one, and modules of one layer do not import each other in a circle;
//! `tests/layers.rs` reads this list and fails on an import that breaks either rule.
//!
//! 1. policy: `error`, `notify` — the client's error type, and the notification policy
//!    (desk-domain's, re-exported)
//! 2. transport: `api`, `sse`, `token` — the server's REST API, its event stream, the token
//! 3. storage: `db`, `cache`, `local`, `files` — the SQLite cache, the outbox and drafts,
//!    copied files
//! 4. sync: `sync` — the engine (push, pull, provisional rows, downloads, calendar) and the
//!    open account it shares with the facade
//! 5. facade: `desk` — [`Desk`], the methods the shell calls

pub mod api;
pub mod cache;
mod db;
mod desk;
pub mod error;
mod files;
pub mod local;
pub mod notify;
pub mod sse;
mod sync;
pub mod token;

/// Outages: what a pulled page changed (the notification policy's input) and what the app's
/// outage screens show, at the paths they had when they lived in one module.
pub mod incidents {
    pub use crate::desk::{AnnounceInput, IncidentView, KnownOutage, PageItem};
    pub use crate::notify::{IncidentChange, OutageChanges, PageChange};
}

/// Telegram on the customer page: the linked chats as the app shows them, which links the
/// shell may hand to the system's opener, and the requests of chats not linked.
pub mod telegram {
    pub use crate::desk::{LinkedChats, TelegramRequests, is_bot_link};
}

pub use cache::{CachedMessage, CachedTicket, SearchHit, TicketQuery};
pub use desk::{
    Desk, DraftInput, MessageItem, NewTicketInput, OrgRef, ReplyInput, SendState, StorageInfo,
    TicketItem, TicketView,
};
pub use error::Error;
pub use incidents::{AnnounceInput, IncidentView, KnownOutage, PageItem};
pub use local::{Draft, LocalFile, OutboxItem, OutboxState};
pub use notify::{Notification, NotificationKind, NotificationUrgency};
pub use sync::{Account, ClientEvent, Config, Preferences, SyncState};
pub use telegram::{LinkedChats, TelegramRequests};
pub use token::{FileTokenStore, TokenStore};
