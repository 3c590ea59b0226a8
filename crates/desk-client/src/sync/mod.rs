//! The sync engine: pushes the outbox in order and pulls changes from the cursor — at start, on
//! every SSE poke, on reconnect, after every local write and on a slow timer. One SSE
//! connection is kept open with reconnects and `Last-Event-ID`. Transient failures are retried
//! with exponential backoff and jitter; a permanent refusal marks the item failed with the
//! server's message; an item is done only when the server acknowledges it.
//!
//! `account` holds the open account the engine and the `Desk` facade share; `push` sends the
//! outbox, `pull` applies changes (and asks the notification policy what to show), `project`
//! shows queued writes in the cache, `attachments` keeps verified downloads, `calendar` keeps
//! the business calendar current.

mod account;
mod attachments;
pub(crate) mod calendar;
mod project;
mod pull;
mod push;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

pub(crate) use account::Inner;
pub use account::{Account, ClientEvent, Config, Preferences, SyncState};
pub(crate) use attachments::attachment_file;
pub(crate) use project::{project, reproject_all, unproject};

/// Changes per pulled page: the server's largest (fewer round trips and transactions).
const PAGE: u32 = desk_domain::limits::CHANGES_PAGE_MAX;

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn ts(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// `base · 2^attempt`, capped, times a random factor in [0.5, 1.5): retries from many clients
/// do not arrive in step.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let capped = exp.min(cap);
    let jitter: f64 = rand::thread_rng().gen_range(0.5..1.5);
    capped.mul_f64(jitter)
}

pub(crate) fn start(inner: Arc<Inner>) {
    tokio::spawn(engine(inner.clone()));
    tokio::spawn(pull::events(inner));
}

/// Waits (briefly) for the tasks to notice the stop.
pub(crate) async fn stopped(inner: &Inner) {
    inner.wake.notify_one();
    tokio::task::yield_now().await;
}

fn set_online(inner: &Inner, online: bool) {
    inner.state.send_if_modified(|s| {
        if s.online == online && (online || s.offline_since.is_some()) {
            return false;
        }
        s.online = online;
        s.offline_since = if online {
            None
        } else {
            s.offline_since.or(Some(Utc::now()))
        };
        true
    });
    emit_state(inner);
}

fn emit_state(inner: &Inner) {
    let state = inner.state.borrow().clone();
    inner.emit(ClientEvent::State { state });
}

pub(crate) async fn refresh_counts(inner: &Inner) {
    if let Ok((pending, failed)) = inner.local.counts().await {
        let changed = inner.state.send_if_modified(|s| {
            let c = s.pending != pending || s.failed != failed;
            s.pending = pending;
            s.failed = failed;
            c
        });
        if changed {
            emit_state(inner);
        }
    }
}

async fn engine(inner: Arc<Inner>) {
    let mut pull_failures: u32 = 0;
    loop {
        if inner.stop.is_cancelled() {
            return;
        }
        let pushed = push::push(&inner).await;
        let pulled = pull::pull(&inner).await;
        refresh_counts(&inner).await;
        // After a first sync the search index is built in bulk (a search would wait for it).
        if pulled.is_ok()
            && let Err(e) = inner.cache.build_search_index().await
        {
            tracing::warn!(error = %e, "cannot build the search index");
        }
        let mut wait = inner.config.poll_interval;
        match pulled {
            Ok(()) => pull_failures = 0,
            Err(e) => {
                if e.is_unauthorized() {
                    needs_sign_in(&inner);
                } else {
                    pull_failures += 1;
                    wait = wait.min(backoff(
                        pull_failures,
                        Duration::from_millis(500),
                        Duration::from_secs(60),
                    ));
                }
            }
        }
        if let Some(next) = pushed {
            let ms = (next - now_ms()).max(50) as u64;
            wait = wait.min(Duration::from_millis(ms));
        }
        tokio::select! {
            _ = inner.stop.cancelled() => return,
            _ = inner.wake.notified() => {},
            _ = tokio::time::sleep(wait) => {},
        }
    }
}

fn needs_sign_in(inner: &Inner) {
    let changed = inner.state.send_if_modified(|s| {
        let c = !s.needs_sign_in;
        s.needs_sign_in = true;
        c
    });
    if changed {
        emit_state(inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(300);
        for attempt in 0..20 {
            let d = backoff(attempt, base, cap);
            let nominal = base.saturating_mul(1 << attempt.min(16)).min(cap);
            assert!(
                d >= nominal.mul_f64(0.5) && d < nominal.mul_f64(1.5),
                "attempt {attempt}: {d:?}"
            );
        }
        assert!(backoff(30, base, cap) < Duration::from_secs(450));
    }
}
