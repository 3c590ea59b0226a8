//! The sync engine: pushes the outbox in order and pulls changes from the cursor — at start, on
//! every SSE poke, on reconnect, after every local write and on a slow timer. One SSE
//! connection is kept open with reconnects and `Last-Event-ID`. Transient failures are retried
//! with exponential backoff and jitter; a permanent refusal marks the item failed with the
//! server's message; an item is done only when the server acknowledges it.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use desk_domain::{Attachment, ChangeData, CreateMessage, CreateTicket, TicketStatus};
use futures::StreamExt;
use rand::Rng;
use uuid::Uuid;

use crate::api::ApiError;
use crate::desk::{ClientEvent, Inner, provisional_message, provisional_ticket};
use crate::error::Error;
use crate::local::{Op, OutboxItem, OutboxState};
use crate::notify::{Audience, decide};
use crate::sse::SseParser;

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
    tokio::spawn(events(inner));
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
        let pushed = push(&inner).await;
        let pulled = pull(&inner).await;
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

/// Sends what is due. Answers when the next deferred item is due, if any.
async fn push(inner: &Inner) -> Option<i64> {
    let items = match inner.local.items().await {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            return None;
        }
    };
    // Writes go in the order they were made. One the server refused for good holds back only
    // later writes to the same ticket (they depend on it); the rest go on.
    let mut held: HashSet<Uuid> = HashSet::new();
    for item in items {
        if inner.stop.is_cancelled() {
            return None;
        }
        if item.state == OutboxState::Failed || held.contains(&item.ticket_id) {
            held.insert(item.ticket_id);
            continue;
        }
        if item.next_attempt_at > now_ms() {
            // Backing off after a transient failure: later writes wait too, so that
            // everything reaches the server in the order it was written.
            return Some(item.next_attempt_at);
        }
        match send(inner, &item).await {
            Ok(()) => {
                set_online(inner, true);
                refresh_counts(inner).await;
                inner.emit(ClientEvent::ModelsChanged {
                    tickets: vec![item.ticket_id],
                    topics: false,
                    outbox: true,
                });
            }
            Err(e) if e.is_unauthorized() => {
                needs_sign_in(inner);
                return None;
            }
            Err(e) if e.is_transient() => {
                if matches!(e, ApiError::Transport(_)) {
                    set_online(inner, false);
                }
                let attempts = u32::try_from(item.attempts).unwrap_or(u32::MAX);
                let at = now_ms()
                    + backoff(attempts, Duration::from_secs(1), Duration::from_secs(300))
                        .as_millis() as i64;
                let _ = inner
                    .local
                    .retry_later(item.seq, at, &Error::from(e).message)
                    .await;
                // Nothing after it goes first.
                return Some(at);
            }
            Err(e) => {
                let code = e.code().map(|c| c.as_str()).unwrap_or("bad_request");
                let message = Error::from(e.clone()).message;
                tracing::warn!(seq = item.seq, code, %message, "the server refused a queued write");
                let _ = inner.local.fail(item.seq, code, &message).await;
                held.insert(item.ticket_id);
                refresh_counts(inner).await;
                inner.emit(ClientEvent::ModelsChanged {
                    tickets: vec![item.ticket_id],
                    topics: false,
                    outbox: true,
                });
            }
        }
    }
    None
}

/// Sends one item: its files first (each once), then the write; on acknowledgement the server's
/// answer replaces the provisional rows and the item leaves the outbox.
async fn send(inner: &Inner, item: &OutboxItem) -> Result<(), ApiError> {
    let mut attachment_ids = Vec::with_capacity(item.files.len());
    let mut uploaded = Vec::with_capacity(item.files.len());
    for f in &item.files {
        let id = match f.server_id {
            Some(id) => id,
            None => {
                let a = inner.api.upload(&f.path, &f.filename).await?;
                if a.sha256 != f.sha256 {
                    return Err(ApiError::Decode(format!(
                        "{} changed on the way: checksum mismatch",
                        f.filename
                    )));
                }
                let _ = inner.local.set_file_uploaded(f.id, a.id).await;
                a.id
            }
        };
        attachment_ids.push(id);
        uploaded.push((f, id));
    }
    let me = inner.me().id;
    let local_err = |e: anyhow::Error| ApiError::Decode(e.to_string());
    match &item.op {
        Op::CreateTicket {
            topic_id,
            subject,
            body,
        } => {
            let t = inner
                .api
                .create_ticket(&CreateTicket {
                    id: item.entity_id,
                    topic_id: topic_id.clone(),
                    subject: subject.clone(),
                    body: body.clone(),
                    attachment_ids,
                    organization_id: None,
                })
                .await?;
            // The server's first message, fetched now, takes the provisional one's place as it
            // is stored; when the fetch fails, the provisional one stays until the next pull
            // brings it, so the conversation never shows empty.
            let mut entities = vec![ChangeData::Ticket(t)];
            entities.extend(server_conversation(inner, item.entity_id).await);
            inner.cache.put_all(entities, me).await.map_err(local_err)?;
        }
        Op::AddMessage { body, internal } => {
            let m = inner
                .api
                .add_message(
                    item.ticket_id,
                    &CreateMessage {
                        id: item.entity_id,
                        body: body.clone(),
                        internal: *internal,
                        attachment_ids,
                    },
                )
                .await?;
            inner
                .cache
                .put(ChangeData::Message(m), me)
                .await
                .map_err(local_err)?;
        }
        Op::ReportOutage { kind, description } => {
            crate::incidents::send_report(inner, item, *kind, description, attachment_ids).await?;
        }
        Op::UpdateTicket { update } => {
            let t = inner.api.update_ticket(item.ticket_id, update).await?;
            inner
                .cache
                .put(ChangeData::Ticket(t), me)
                .await
                .map_err(local_err)?;
        }
    }
    inner.local.complete(item.seq).await.map_err(local_err)?;
    // What was sent is now the server's attachment: keep the copy as its verified download.
    for (f, server_id) in uploaded {
        keep_as_download(inner, server_id, &f.path, &f.filename, &f.sha256).await;
    }
    Ok(())
}

async fn keep_as_download(
    inner: &Inner,
    attachment: Uuid,
    path: &std::path::Path,
    filename: &str,
    sha256: &str,
) {
    let dir = inner.downloads_dir().join(attachment.simple().to_string());
    if tokio::fs::create_dir_all(&dir).await.is_err() {
        return;
    }
    let dest = dir.join(safe_name(filename));
    if tokio::fs::rename(path, &dest).await.is_ok() {
        let _ = inner.cache.put_file(attachment, &dest, sha256).await;
    }
}

fn safe_name(name: &str) -> String {
    let n: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let n = n.trim_matches('.').trim();
    if n.is_empty() {
        "file".into()
    } else {
        n.to_owned()
    }
}

/// Pulls every page after the cursor, applying each in one transaction.
async fn pull(inner: &Inner) -> Result<(), ApiError> {
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
    page: &crate::api::PulledPage,
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
    crate::incidents::emit_changes(inner, &applied.outages);
    Ok((apply, t0.elapsed() - apply))
}

/// Keeps one SSE connection open; a poke newer than the cache wakes the engine.
async fn events(inner: Arc<Inner>) {
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

/// Shows a queued write in the cache (idempotent).
pub(crate) async fn project(inner: &Inner, item: &OutboxItem) -> Result<(), Error> {
    let at = ts(item.created_at);
    match &item.op {
        Op::CreateTicket {
            topic_id,
            subject,
            body,
        } => {
            if let Some(existing) = inner.cache.ticket(item.entity_id).await?
                && existing.ticket.number != 0
            {
                return Ok(());
            }
            let topics = inner.cache.topics().await?;
            let topic = topics
                .iter()
                .find(|t| &t.id == topic_id)
                .cloned()
                .unwrap_or_else(|| desk_domain::Topic {
                    id: topic_id.clone(),
                    title: desk_domain::Localized {
                        uk: topic_id.clone(),
                        en: topic_id.clone(),
                    },
                    guidance: desk_domain::Localized {
                        uk: String::new(),
                        en: String::new(),
                    },
                    urgent: false,
                    position: 0,
                    active: true,
                    updated_at: at,
                });
            let t = provisional_ticket(inner, item.entity_id, &topic, subject, at);
            inner.cache.put_provisional_ticket(&t).await?;
            // The first message stands under the ticket's id until the server's copy arrives.
            let m = provisional_message(
                inner,
                item.entity_id,
                item.entity_id,
                body,
                false,
                &item.files,
                at,
            );
            inner.cache.put_provisional_message(&m).await?;
        }
        Op::AddMessage { body, internal } => {
            let m = provisional_message(
                inner,
                item.entity_id,
                item.ticket_id,
                body,
                *internal,
                &item.files,
                at,
            );
            inner.cache.put_provisional_message(&m).await?;
        }
        Op::ReportOutage { kind, description } => {
            crate::incidents::project_report(inner, item, *kind, description, at).await?;
        }
        Op::UpdateTicket { update } => {
            let Some(mut cached) = inner.cache.ticket(item.ticket_id).await? else {
                return Ok(());
            };
            if let Some(status) = update.status {
                cached.ticket.resolved_at = match status {
                    TicketStatus::Resolved | TicketStatus::Closed => {
                        cached.ticket.resolved_at.or(Some(at))
                    }
                    _ => None,
                };
                cached.ticket.status = status;
            }
            if let Some(assignee) = update.assignee_id {
                cached.ticket.assignee = match assignee {
                    Some(id) if id == inner.me().id => {
                        let me = inner.me();
                        Some(desk_domain::PersonRef {
                            id: me.id,
                            name: me.name.clone(),
                            role: me.role,
                        })
                    }
                    Some(id) => cached.ticket.assignee.filter(|a| a.id == id),
                    None => None,
                };
            }
            inner.cache.put_provisional_ticket(&cached.ticket).await?;
        }
    }
    Ok(())
}

/// The server's messages of a ticket just created, to stand in for its provisional first
/// message at once. Empty when they cannot be had right now: the next pull brings them.
pub(crate) async fn server_conversation(inner: &Inner, ticket: Uuid) -> Vec<ChangeData> {
    match inner.api.messages(ticket).await {
        Ok(messages) => messages.into_iter().map(ChangeData::Message).collect(),
        Err(e) => {
            tracing::debug!(%ticket, error = %e, "the new ticket's messages come with the next pull");
            Vec::new()
        }
    }
}

/// Takes a discarded write's provisional rows back out of the cache.
pub(crate) async fn unproject(inner: &Inner, item: &OutboxItem) -> Result<(), Error> {
    match &item.op {
        Op::CreateTicket { .. } | Op::ReportOutage { .. } => {
            inner
                .cache
                .remove_provisional(Some(item.entity_id), Some(item.entity_id))
                .await?
        }
        Op::AddMessage { .. } => {
            inner
                .cache
                .remove_provisional(None, Some(item.entity_id))
                .await?
        }
        Op::UpdateTicket { .. } => {
            // The server's state comes back with a fresh copy of the ticket.
            if let Ok(t) = inner.api.ticket(item.ticket_id).await {
                inner
                    .cache
                    .put(ChangeData::Ticket(t), inner.me().id)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Re-applies queued writes on top of the server's state of `tickets`, so a pull never hides a
/// change the user made and has not yet sent.
async fn reproject_tickets(inner: &Inner, tickets: &[Uuid]) {
    let Ok(items) = inner.local.items().await else {
        return;
    };
    for item in items.iter().filter(|i| tickets.contains(&i.ticket_id)) {
        if let Err(e) = project(inner, item).await {
            tracing::warn!(error = %e, "cannot show a queued write");
        }
    }
}

/// At open (and after a cache rebuild) every queued write is shown again.
pub(crate) async fn reproject_all(inner: &Inner) -> Result<(), Error> {
    for item in inner.local.items().await? {
        project(inner, &item).await?;
    }
    Ok(())
}

/// A verified local copy of attachment `a`, downloading it on first use (once, however many
/// ask for it at the same time).
pub(crate) async fn attachment_file(inner: &Inner, a: &Attachment) -> Result<PathBuf, Error> {
    let lock = inner
        .downloads
        .lock()
        .map(|mut m| m.entry(a.id).or_default().clone())
        .unwrap_or_default();
    let got = {
        let _one_at_a_time = lock.lock().await;
        local_or_download(inner, a).await
    };
    // The last one out forgets the lock (the map holds one reference, each caller another).
    if let Ok(mut m) = inner.downloads.lock()
        && m.get(&a.id).is_some_and(|l| Arc::strong_count(l) <= 2)
    {
        m.remove(&a.id);
    }
    got
}

async fn local_or_download(inner: &Inner, a: &Attachment) -> Result<PathBuf, Error> {
    if let Some((path, sha)) = inner.cache.file(a.id).await?
        && sha == a.sha256
        && tokio::fs::metadata(&path)
            .await
            .map(|m| m.len() == a.size)
            .unwrap_or(false)
    {
        return Ok(path);
    }
    // Not yet sent: the provisional attachment is our own copy.
    if let Some(f) = inner
        .local
        .items()
        .await?
        .iter()
        .flat_map(|i| i.files.iter())
        .find(|f| f.id == a.id)
    {
        return Ok(f.path.clone());
    }
    let dir = inner.downloads_dir().join(a.id.simple().to_string());
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(Error::storage)?;
    let dest = dir.join(safe_name(&a.filename));
    let part = dir.join(".download.part");
    let (size, sha) = match inner.api.download(a.id, &part).await {
        Ok(v) => v,
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e.into());
        }
    };
    if size != a.size || sha != a.sha256 {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(Error::new(
            "checksum_mismatch",
            if inner.config.lang.starts_with("en") {
                format!(
                    "“{}” arrived damaged (checksum mismatch). Try opening it again.",
                    a.filename
                )
            } else {
                format!(
                    "Файл «{}» надійшов пошкодженим (контрольна сума не збігається). Спробуйте відкрити ще раз.",
                    a.filename
                )
            },
        ));
    }
    tokio::fs::rename(&part, &dest)
        .await
        .map_err(Error::storage)?;
    inner.cache.put_file(a.id, &dest, &sha).await?;
    Ok(dest)
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
