//! Wire types shared by desk-server, desk-client and the app: REST and SSE bodies, ids and the
//! stable error codes. No I/O lives here, so every part can depend on it.

pub mod account;
pub mod attachment;
pub mod calendar;
pub mod error;
pub mod incident;
pub mod notify;
pub mod rules;
pub mod sync;
pub mod telegram;
pub mod ticket;
pub mod topic;

pub use account::*;
pub use attachment::*;
pub use calendar::{BusinessCalendar, Expectation, HandledDay, WaitClock};
pub use error::*;
pub use incident::*;
pub use sync::*;
pub use telegram::*;
pub use ticket::*;
pub use topic::*;

/// Timestamps cross the wire as RFC 3339 in UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Limits every part agrees on, so the app can check before it sends.
pub mod limits {
    /// Longest ticket subject, in characters.
    pub const SUBJECT_MAX_CHARS: usize = 200;
    /// Longest message body, in characters.
    pub const BODY_MAX_CHARS: usize = 20_000;
    /// Most attachments on one ticket or message.
    pub const ATTACHMENTS_PER_MESSAGE: usize = 20;
    /// Longest attachment file name, in characters.
    pub const FILENAME_MAX_CHARS: usize = 255;
    /// Default upper bound of one attachment: room for a phone video.
    pub const DEFAULT_ATTACHMENT_MAX_BYTES: u64 = 200 * 1024 * 1024;
    /// Largest page `GET /changes` returns.
    pub const CHANGES_PAGE_MAX: u32 = 1000;
    /// Largest page `GET /tickets` returns.
    pub const TICKETS_PAGE_MAX: u32 = 200;
}
