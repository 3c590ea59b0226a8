//! desk-server: the vendor's support backend. Tickets with topics and guidance, conversations
//! with internal notes, attachments, delta sync and push, behind a REST API (`/api/v1`).

pub mod admin;
pub use desk_core::{calendar, clock};
pub mod app;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod logins;
pub mod openapi;
pub mod paging;
pub mod routes;
pub mod store;
pub mod telegram;
pub mod topics;

pub use app::{AppState, Running, start, start_with_clock, start_with_core};
pub use clock::Clock;
pub use config::Config;
/// The Telegram bots the server runs (set as each bot's `getMe` answers).
pub use desk_telegram::bridge::Identities as BotIdentities;
