//! The use cases, one function each, as methods of [`crate::Core`]: who acts, validated input,
//! a domain answer. Each module holds one area's rules.

mod accounts;
mod attachments;
mod incidents;
mod paging;
mod status;
mod sync;
mod telegram;
mod telegram_alert;
mod telegram_request;
mod telegram_support;
mod telegram_updates;
mod tickets;
mod topics;

pub use accounts::NewUser;
pub use attachments::sniff;
pub use incidents::{NewIncident, NewOutage};
pub use paging::RepageOutcome;
pub use telegram::{Greeting, LINK_CODE_TTL_MS, Redeemed};
pub use telegram_alert::{
    AlertAnswer, AlertAnswers, AlertInput, AlertOutcome, Announcement, DRAFT_WAIT_MS, FiledReport,
    announced as announced_event,
};
pub use telegram_request::{
    Decided, DecidedAnswer, UnlinkedAnswer, UnlinkedMessage, UnlinkedOutcome,
};
pub use telegram_support::{
    SupportAnswer, SupportChoice, SupportMessage, SupportOutcome, TICKETS_OFFERED,
};
pub use tickets::{NewMessage, NewTicket};
pub use topics::{ordered as ordered_topics, parse as parse_topics};

/// Whether a create made something new or found the same id already there (an idempotent
/// repeat answers the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    Existing,
}
