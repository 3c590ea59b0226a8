//! Pulling: every page after the cursor, each applied in one transaction while the next is
//! fetched; what a page changed goes to the UI and through the notification policy. One SSE
//! connection tells the engine when there is something to pull.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use uuid::Uuid;

use super::project::reproject_tickets;
use super::{ClientEvent, Inner, PAGE, backoff, emit_state, needs_sign_in, set_online};
use crate::api::{ApiError, PulledPage};
use crate::notify::{Audience, OutageChanges, decide};
use crate::sse::SseParser;

/// Pulls every page after the cursor, applying each in one transaction.
pub(super) async fn pull(inner: &Inner) -> Result<(), ApiError> {
    inner.state.send_modify(|s| s.syncing = true);
    emit_state(inner);
    let res = pull_pages(inner).await;
    inner.state.send_modify(|s| {
        s.syncing = false;
        if res.is_ok() {
            s.last_synced = Some(Utc::now());
        }
    });
    match &res {
        Ok(()) => set_online(inner, true),
        Err(ApiError::Transport(_)) => set_online(inner, false),
        Err(_) => emit_state(inner),
    }
    res
}

/// Where a pull's time went (logged at debug level when it ends).
#[derive(Default)]
struct PullTimes {
    pages: u32,
    rows: usize,
    /// Waiting for the first page, then for each next page after applying the current one.
    wait_fetch: Duration,
    apply: Duration,
    /// Re-showing queued writes, the notification policy and the UI's events.
    after_apply: Duration,
}

async fn pull_pages(inner: &Inner) -> Result<(), ApiError> {
    let me = inner.me().clone();
    let local = |e: anyhow::Error| ApiError::Decode(e.to_string());
    let started = std::time::Instant::now();
    let mut times = PullTimes::default();
    let cursor = inner.cache.cursor().await.map_err(local)?;
    let mut page = inner.api.changes_pulled(cursor, PAGE).await?;
    times.wait_fetch = started.elapsed();
    loop {
        // The next page is fetched while this one is applied: the server's and the wire's
        // time overlaps the cache's. A failure of either drops the other; the cursor only
        // moves with an applied page.
        let fetch = async {
            if page.page.has_more {
                inner
                    .api
                    .changes_pulled(page.page.next, PAGE)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        };
        let joined = std::time::Instant::now();
        let (settled, next) = tokio::try_join!(settle(inner, &me, &page), fetch)?;
        times.pages += 1;
        times.rows += page.page.items.len();
        times.apply += settled.0;
        times.after_apply += settled.1;
        times.wait_fetch += joined.elapsed().saturating_sub(settled.0 + settled.1);
        match next {
            Some(n) => page = n,
            None => {
                if times.pages > 1 {
                    inner.cache.release_writer_cache().await;
                }
                if times.rows > 0 {
                    tracing::debug!(
                        pages = times.pages,
                        rows = times.rows,
                        total_ms = started.elapsed().as_millis() as u64,
                        wait_fetch_ms = times.wait_fetch.as_millis() as u64,
                        apply_ms = times.apply.as_millis() as u64,
                        after_apply_ms = times.after_apply.as_millis() as u64,
                        "pulled"
                    );
                }
                return Ok(());
            }
        }
    }
}

/// Applies one page and tells the UI and the notification policy what it changed. Answers
/// how long applying took and how long the rest.
async fn settle(
    inner: &Inner,
    me: &desk_domain::User,
    page: &PulledPage,
) -> Result<(Duration, Duration), ApiError> {
    let local = |e: anyhow::Error| ApiError::Decode(e.to_string());
    let t0 = std::time::Instant::now();
    let applied = inner.cache.apply_pulled(page, me.id).await.map_err(local)?;
    let apply = t0.elapsed();
    if applied.is_empty() {
        return Ok((apply, Duration::ZERO));
    }
    let tickets: Vec<Uuid> = applied
        .tickets
        .iter()
        .map(|(_, t)| t.id)
        .chain(applied.new_messages.iter().map(|m| m.ticket_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    reproject_tickets(inner, &tickets).await;
    let audience = Audience {
        me,
        since: inner.account.since,
        lang: &inner.config.lang,
    };
    let candidates = decide(&audience, &applied);
    if !candidates.is_empty() {
        let keys: Vec<String> = candidates.iter().map(|n| n.key.clone()).collect();
        let fresh = inner.local.first_time(&keys).await.map_err(local)?;
        let prefs = inner.prefs.read().map(|p| p.clone()).unwrap_or_default();
        for n in candidates
            .into_iter()
            .filter(|n| fresh.contains(&n.key) && prefs.wants(n.kind))
        {
            inner.emit(ClientEvent::Notify { notification: n });
        }
    }
    inner.emit(ClientEvent::ModelsChanged {
        tickets,
        topics: applied.topics_changed,
        outbox: false,
    });
    emit_changes(inner, &applied.outages);
    Ok((apply, t0.elapsed() - apply))
}

/// Keeps one SSE connection open; a poke newer than the cache wakes the engine.
pub(super) async fn events(inner: Arc<Inner>) {
    let mut failures: u32 = 0;
    loop {
        if inner.stop.is_cancelled() {
            return;
        }
        let cursor = inner.cache.cursor().await.unwrap_or(0);
        match inner.api.events(cursor).await {
            Ok(res) => {
                failures = 0;
                set_online(&inner, true);
                // Reconnected: writes backing off go now, and whatever happened meanwhile is
                // pulled.
                let _ = inner.local.due_now().await;
                inner.wake.notify_one();
                let mut parser = SseParser::default();
                let mut stream = res.bytes_stream();
                loop {
                    let chunk = tokio::select! {
                        _ = inner.stop.cancelled() => return,
                        c = stream.next() => c,
                    };
                    let Some(Ok(chunk)) = chunk else { break };
                    for ev in parser.push(&chunk) {
                        if ev.event == "poke" {
                            let seq = ev
                                .id
                                .as_deref()
                                .and_then(|s| s.parse::<i64>().ok())
                                .unwrap_or(i64::MAX);
                            if seq > inner.cache.cursor().await.unwrap_or(0) {
                                inner.wake.notify_one();
                            }
                        }
                    }
                }
            }
            Err(e) if e.is_unauthorized() => {
                needs_sign_in(&inner);
                // Keep trying slowly: a new sign-in makes a new Desk, but a server restart
                // that lost sessions would otherwise never recover.
                failures = failures.max(6);
            }
            Err(ApiError::Transport(_)) => set_online(&inner, false),
            Err(_) => {}
        }
        failures += 1;
        let wait = backoff(
            failures,
            Duration::from_millis(250),
            Duration::from_secs(30),
        );
        tokio::select! {
            _ = inner.stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {},
        }
    }
}

/// Tells the UI what a pulled page changed among incidents, pages and the roster.
pub(crate) fn emit_changes(inner: &Inner, o: &OutageChanges) {
    if o.is_empty() {
        return;
    }
    inner.emit(ClientEvent::IncidentsChanged {
        incidents: o.incidents.iter().map(|c| c.now.id).collect(),
        pages: !o.pages.is_empty(),
        duty: o.duty_changed,
        telegram_requests: !o.telegram_requests.is_empty(),
    });
}
