//! Topics a ticket is about, each with guidance on what to check first and what to attach.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use chrono::{DateTime, Utc};

/// A text in every language Desk speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Localized {
    pub uk: String,
    pub en: String,
}

impl Localized {
    /// The text for a language tag, Ukrainian unless English is asked for.
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.en
        } else {
            &self.uk
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Topic {
    /// Stable slug, e.g. `telephony-down`; `other` is always last.
    pub id: String,
    pub title: Localized,
    /// What to check first and what to attach, shown in the description area.
    pub guidance: Localized,
    /// Handled around the clock (outages) rather than in working hours.
    pub urgent: bool,
    /// Order in the list; `other` always sorts last.
    pub position: i64,
    /// Retired topics stay for old tickets but are not offered for new ones.
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

/// The file `desk-server topics import` reads (and the built-in seed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct TopicsFile {
    pub topics: Vec<TopicDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct TopicDef {
    pub id: String,
    pub title: Localized,
    pub guidance: Localized,
    #[serde(default)]
    pub urgent: bool,
}

/// Id of the catch-all topic that ends every list.
pub const OTHER_TOPIC_ID: &str = "other";
