//! The business calendar as the app asks about it: the expectation shown before a ticket is
//! filed and the agents' waited times, computed on this device (offline too).

use chrono::{DateTime, Utc};
use desk_domain::{BusinessCalendar, Expectation, Ticket};

use super::Desk;
use crate::error::Error;
use crate::sync::calendar::{cached, hours, waited_ms};

impl Desk {
    /// The business calendar this device knows (the default until the first fetch).
    pub async fn calendar(&self) -> BusinessCalendar {
        cached(&self.inner).await
    }

    /// What a ticket on `topic_id` filed now can expect, computed locally (works offline).
    pub async fn expectation(&self, topic_id: &str) -> Result<Expectation, Error> {
        self.expectation_at(topic_id, Utc::now()).await
    }

    /// [`Desk::expectation`] at a given instant.
    pub async fn expectation_at(
        &self,
        topic_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Expectation, Error> {
        let topics = self.topics().await?;
        let topic = topics.iter().find(|t| t.id == topic_id).ok_or_else(|| {
            Error::invalid(
                "Такої теми немає. Оберіть тему зі списку.",
                "There is no such topic. Choose one from the list.",
            )
        })?;
        Ok(hours(&self.inner)
            .await
            .expectation(&topic.id, topic.urgent, at))
    }

    /// How long ticket `t` has waited for support at `now`, in working time (agents only).
    pub async fn waited_ms(&self, t: &Ticket, now: DateTime<Utc>) -> Option<i64> {
        t.waiting?;
        waited_ms(&hours(&self.inner).await, t, now)
    }
}
