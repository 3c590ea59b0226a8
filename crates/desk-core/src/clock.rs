//! Desk's notion of "now". Production reads the system clock; tests inject a manual clock
//! they set and advance, so business hours, paging timeouts and automatic messages can be tested
//! at 02:00 or 23:00 without waiting. Every part of the server that needs the time asks this.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None`: the system clock. `Some`: a manual clock at this many ms since the epoch.
    manual: Option<AtomicI64>,
    /// Bumped on every manual move, so timers waiting on the clock look again at once.
    moved: watch::Sender<u64>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner.manual {
            None => f.write_str("Clock::system"),
            Some(ms) => write!(f, "Clock::manual({})", ms.load(Ordering::SeqCst)),
        }
    }
}

impl Clock {
    pub fn system() -> Self {
        Self::with(None)
    }

    /// A clock that stands at `at` until moved with [`Clock::set`] or [`Clock::advance`].
    pub fn manual(at: DateTime<Utc>) -> Self {
        Self::with(Some(AtomicI64::new(at.timestamp_millis())))
    }

    fn with(manual: Option<AtomicI64>) -> Self {
        let (moved, _) = watch::channel(0);
        Self {
            inner: Arc::new(Inner { manual, moved }),
        }
    }

    pub fn is_manual(&self) -> bool {
        self.inner.manual.is_some()
    }

    pub fn now_ms(&self) -> i64 {
        match &self.inner.manual {
            None => Utc::now().timestamp_millis(),
            Some(ms) => ms.load(Ordering::SeqCst),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }

    /// Moves a manual clock to `at` (a system clock ignores this).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(ms) = &self.inner.manual {
            ms.store(at.timestamp_millis(), Ordering::SeqCst);
            self.inner.moved.send_modify(|n| *n += 1);
        }
    }

    /// Moves a manual clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        if let Some(ms) = &self.inner.manual {
            ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
            self.inner.moved.send_modify(|n| *n += 1);
        }
    }

    /// Waits `real` time or until a manual clock moves, whichever comes first: a timer loop that
    /// sleeps on this wakes at once when a test moves the clock.
    pub async fn sleep(&self, real: std::time::Duration) {
        let mut rx = self.inner.moved.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(real) => {},
            _ = rx.changed() => {},
        }
    }
}

/// A stored time (milliseconds since the epoch) as a timestamp.
pub fn ts(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_moves_only_when_told_and_wakes_sleepers() {
        let start = DateTime::parse_from_rfc3339("2026-03-29T00:30:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        let c = Clock::manual(start);
        assert_eq!(c.now(), start);
        let sleeper = {
            let c = c.clone();
            tokio::spawn(async move { c.sleep(std::time::Duration::from_secs(3600)).await })
        };
        tokio::task::yield_now().await;
        c.advance(chrono::Duration::minutes(5));
        let woke = tokio::time::timeout(std::time::Duration::from_secs(5), sleeper).await;
        assert!(
            matches!(woke, Ok(Ok(()))),
            "the sleeper did not wake when the clock moved"
        );
        assert_eq!(c.now_ms() - start.timestamp_millis(), 5 * 60 * 1000);
        assert!(!Clock::system().is_manual());
    }
}
