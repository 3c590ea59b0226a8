//! The error body every endpoint answers with, and its stable codes the UI switches on.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Stable machine-readable error codes. New codes may be added; existing ones never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or query is malformed (not JSON, wrong types, missing fields).
    BadRequest,
    /// A field's value is not acceptable (empty or too long text, bad email, ...).
    ValidationFailed,
    /// No bearer token, or it is unknown, expired or revoked.
    Unauthorized,
    /// Email or password did not match.
    InvalidCredentials,
    /// Signed in, but this role may not do that.
    Forbidden,
    /// No such thing, or the caller may not see it.
    NotFound,
    /// The referenced topic does not exist.
    UnknownTopic,
    /// An id was reused for a different thing.
    IdConflict,
    /// The ticket is closed; it takes no more replies.
    TicketClosed,
    /// This status change is not allowed from the ticket's current status.
    InvalidTransition,
    /// An attachment is already used by another ticket or message, or is not the caller's.
    AttachmentUnavailable,
    /// The upload is larger than the server accepts.
    PayloadTooLarge,
    /// The upload was cut before it finished.
    UploadIncomplete,
    /// The invitation code is unknown, used or expired.
    InvalidInvitation,
    /// Too many failed sign-ins for this account lately; try again after `Retry-After`.
    TooManyAttempts,
    /// Something failed on the server; the request may be retried.
    Internal,
    /// The server is shutting down or overloaded; retry later.
    Unavailable,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::ValidationFailed => "validation_failed",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::UnknownTopic => "unknown_topic",
            Self::IdConflict => "id_conflict",
            Self::TicketClosed => "ticket_closed",
            Self::InvalidTransition => "invalid_transition",
            Self::AttachmentUnavailable => "attachment_unavailable",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UploadIncomplete => "upload_incomplete",
            Self::InvalidInvitation => "invalid_invitation",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    /// Whether a client should retry the same request later (transient) or show it to the user.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Internal | Self::Unavailable)
    }
}

/// `{code, message}`: `message` is for people, in the language asked by `Accept-Language`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}
