//! desk-telegram: Desk's client of the Telegram Bot API and the pure pieces every sender needs.
//!
//! - [`Bot`]: typed calls over reqwest (`getMe`, `getUpdates`, `sendMessage`, `sendPhoto`,
//!   `sendDocument`, `getFile` and the file download, `answerCallbackQuery`, `editMessageText`,
//!   `editMessageReplyMarkup`, `setWebhook`, `deleteWebhook`).
//! - [`Error`]: every failure sorted by what the sender must do next (wait, stop, retry, give up,
//!   fix the token).
//! - [`html`]: escaping for `parse_mode = HTML`; [`split`]: messages over 4,096 characters cut
//!   into parts that are each valid; [`pace`]: when the next send to a chat may go.
//!
//! - [`bridge`]: the bridge itself, on top of desk-core's services: linking chats, the send
//!   queue, specialists' replies (and their files) to linked support chats, and the support
//!   bot's side of the conversation (replies, files, keyboards, `/new`, edits).

pub mod bridge;
mod client;
mod error;
pub mod html;
mod multipart;
pub mod pace;
pub mod split;
mod token;
pub mod types;

pub use client::{Bot, DEFAULT_API_URL, Download};
pub use error::Error;
pub use multipart::InputFile;
pub use token::{BotToken, TokenError};
pub use types::*;

/// What every call answers.
pub type Result<T, E = Error> = std::result::Result<T, E>;
