//! Files attached to tickets and messages.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What `POST /attachments` answers, and how an attachment appears in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Attachment {
    pub id: Uuid,
    pub filename: String,
    pub size: u64,
    /// Sniffed from the bytes, not taken from the uploader.
    pub media_type: String,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}
