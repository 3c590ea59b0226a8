//! The business calendar on this device: fetched from the server (`GET /calendar`) when the
//! account opens and kept in the account's local store, so the expectation shown before Save
//! and the agents' waited times are computed here, offline too, with the same logic the server
//! uses (desk-domain's calendar).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use desk_domain::calendar::BusinessHours;
use desk_domain::{BusinessCalendar, Ticket};

use super::Inner;
use crate::error::Error;

const KEY: &str = "calendar";
/// Between attempts while the server cannot be reached.
const RETRY: Duration = Duration::from_secs(30);
/// Between fetches once one succeeded: a changed calendar (a new holiday) arrives within this.
const REFRESH: Duration = Duration::from_secs(3600);

/// The calendar last fetched, or the default (Europe/Kyiv, 08:00–20:00) before the first fetch.
pub(crate) async fn cached(inner: &Inner) -> BusinessCalendar {
    match inner.local.meta(KEY).await {
        Ok(Some(json)) => serde_json::from_str(&json).unwrap_or_default(),
        _ => BusinessCalendar::default(),
    }
}

pub(crate) async fn hours(inner: &Inner) -> BusinessHours {
    cached(inner).await.hours_or_default()
}

/// Fetches the calendar and keeps it.
pub(crate) async fn refresh(inner: &Inner) -> Result<BusinessCalendar, Error> {
    let cal = inner.api.calendar().await?;
    let json = serde_json::to_string(&cal).map_err(Error::storage)?;
    inner.local.set_meta(KEY, &json).await?;
    Ok(cal)
}

/// From open until the account closes: fetch now and then hourly, every 30 s while the server
/// cannot be reached.
pub(crate) fn spawn_refresh(inner: Arc<Inner>) {
    tokio::spawn(async move {
        loop {
            let wait = match refresh(&inner).await {
                Ok(_) => REFRESH,
                Err(e) => {
                    tracing::debug!(code = %e.code, "calendar not fetched");
                    RETRY
                }
            };
            tokio::select! {
                _ = inner.stop.cancelled() => return,
                _ = tokio::time::sleep(wait) => {},
            }
        }
    });
}

/// How long `t` has waited for support at `now`, in working time; `None` for customers (the
/// server sends the clock to staff only).
pub(crate) fn waited_ms(hours: &BusinessHours, t: &Ticket, now: DateTime<Utc>) -> Option<i64> {
    t.waiting.map(|w| w.waited_ms(hours, t.urgent, now))
}
