//! `client-sync`: a fresh client's first sync. The real server is seeded through its HTTP API
//! (tickets, then replies, at concurrency 64); a new `Desk` signs in and is timed from the
//! sign-in call until its engine reports the first pull done (`SyncState::last_synced`, set
//! after the last page is applied: every row is in the cache and every list and conversation
//! read answers from it — "rows applied", the target), and, as a figure of its own,
//! until the search index is ready too (built in bulk right after the pull; timed until a
//! search answers); then the cache's rows are counted. Separately, the cache's
//! apply rate on its own: the same number of rows built in memory as 1,000-change pages and
//! applied one after the other with `Cache::apply`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use desk_client::cache::Cache;
use desk_domain::{ChangeData, ChangesPage};
use uuid::Uuid;

use super::corpus::{self, Feed, Rng, Text};
use super::device::{self, Device};
use super::{PHASE_LIMIT, Sizes, file_tickets};
use crate::client::{self, Api, Session};
use crate::load::{self, Outcome};
use crate::report::{Report, Target};
use crate::server::Server;
use crate::stats::{self, micros};

const SEED_CONCURRENCY: usize = 64;
const ORGS: usize = 1;
const PER_ORG: usize = 4;
/// Changes per page, as the engine pulls them (the server's largest page).
const APPLY_PAGE: usize = desk_domain::limits::CHANGES_PAGE_MAX as usize;
const RATE: f64 = 50_000.0;

pub async fn run(bin: &Path, sizes: &Sizes) -> anyhow::Result<Report> {
    let mut srv = Server::new(bin, &[])?;
    client::create_accounts(&srv, ORGS, PER_ORG).await?;
    srv.start().await?;
    let api = Api::new(&srv.base)?;
    let cast = client::sign_in(&api, ORGS, PER_ORG).await?;
    let customers = Arc::new(cast.customers);

    eprintln!(
        "client-sync: seeding {} tickets at concurrency {SEED_CONCURRENCY}…",
        sizes.sync_tickets
    );
    let filed = file_tickets(&api, &customers, 0, sizes.sync_tickets, SEED_CONCURRENCY).await?;
    seeded("tickets", &filed)?;
    let replies = sizes.sync_messages.saturating_sub(filed.ok.len());
    eprintln!("client-sync: seeding {replies} replies at concurrency {SEED_CONCURRENCY}…");
    let replied = seed_replies(&api, &customers, &cast.agent, &filed, replies).await?;
    seeded("replies", &replied)?;
    let seeded_messages = (filed.ok.len() + replied.ok.len()) as i64;
    tokio::time::sleep(Duration::from_secs(1)).await;

    eprintln!("client-sync: first sync by a fresh client…");
    let load_before = device::loadavg();
    let dev = Device::new()?;
    let who = &customers[0];
    let cpu_sync = device::Cpu::start(&[srv.pid()?]);
    let started = Instant::now();
    let desk = dev.sign_in(&srv.base, &who.email).await?;
    let signed_in = started.elapsed();
    device::synced(&desk, PHASE_LIMIT).await?;
    let sync_time = started.elapsed();
    let cpu_sync = cpu_sync.finish();
    // The engine builds the search index right after the first pull; a search waits for it.
    let found = desk.search("замовлення", 1).await?.len();
    let index_time = started.elapsed();
    let (cache, _) = Cache::open(&desk.data_dir().join("cache.sqlite3")).await?;
    let (have_tickets, have_messages) = cache.counts().await?;
    cache.close().await;
    desk.close().await;

    eprintln!("client-sync: the same pull over HTTP alone (no cache)…");
    let (fetch_time, fetch_pages, fetch_items, want_tickets, want_messages) =
        fetch_all(&api, who).await?;
    // What the server holds for this customer: the seeded rows, plus the system message
    // (after-hours notice) the server adds to a ticket filed outside working hours.
    let rows = want_tickets + want_messages;
    let e2e_rate = rows as f64 / sync_time.as_secs_f64().max(1e-9);
    let searchable_rate = rows as f64 / index_time.as_secs_f64().max(1e-9);

    eprintln!("client-sync: cache apply alone, {rows} rows in pages of {APPLY_PAGE}…");
    let per_ticket = u64::try_from(want_messages / want_tickets.max(1)).unwrap_or(10);
    let tickets = u64::try_from(want_tickets).unwrap_or(0);
    let cpu_apply = device::Cpu::start(&[]);
    let mine = apply_alone(tickets, per_ticket, true).await?;
    let others = apply_alone(tickets, per_ticket, false).await?;
    let cpu_apply = cpu_apply.finish();
    let load_after = device::loadavg();

    let mut r = Report::new("client-sync");
    r.figure(
        "first sync, rows applied (readable), end to end",
        e2e_rate,
        "rows/s",
        Some(Target::AtLeast(RATE)),
    );
    r.figure("first sync time", sync_time.as_secs_f64(), "s", None);
    r.figure(
        "first sync, rows applied and searchable, end to end",
        searchable_rate,
        "rows/s",
        None,
    );
    r.figure(
        "search index ready (since sign-in)",
        index_time.as_secs_f64(),
        "s",
        None,
    );
    r.figure(
        "  of which sign-in (login, me, open files)",
        signed_in.as_secs_f64() * 1000.0,
        "ms",
        None,
    );
    r.figure(
        "same pages over HTTP alone (no cache)",
        fetch_items as f64 / fetch_time.as_secs_f64().max(1e-9),
        "rows/s",
        None,
    );
    r.figure(
        "cache apply alone",
        mine.rate,
        "rows/s",
        Some(Target::AtLeast(RATE)),
    );
    r.figure(
        "  then the search index built in bulk",
        mine.index.as_secs_f64(),
        "s",
        None,
    );
    r.figure(
        "cache apply alone, none written by me",
        others.rate,
        "rows/s",
        None,
    );
    r.figure(
        &format!("apply one {APPLY_PAGE}-change page p50"),
        mine.pages.p50_ms,
        "ms",
        None,
    );
    r.figure(
        &format!("apply one {APPLY_PAGE}-change page p95"),
        mine.pages.p95_ms,
        "ms",
        None,
    );
    r.figure(
        "seeding rate",
        rows as f64 / seed_secs(&filed, &replied),
        "writes/s",
        None,
    );
    r.check(
        "the cache holds every row",
        have_tickets == want_tickets && have_messages == want_messages && found == 1,
        format!(
            "{have_tickets} tickets and {have_messages} messages cached; the server holds \
             {want_tickets} and {want_messages}; a search after the sync found {found} ticket(s)"
        ),
    );
    r.note(format!(
        "rows applied (readable), end to end: Desk::sign_in (fresh data dir, file token store) \
         to the engine's first pull done (SyncState.last_synced, set after the last page is \
         applied: every list and conversation read answers from the cache; search waits for \
         its index); searchable: the same start to the first search answering after the \
         index is built in bulk; {rows} rows = \
         {want_tickets} tickets + {want_messages} messages ({} tickets' first messages + {} \
         replies seeded, {} system messages added by the server), pulled as pages of {APPLY_PAGE} ({fetch_pages} pages), counted in the \
         cache afterwards",
        filed.ok.len(),
        replied.ok.len(),
        want_messages - seeded_messages
    ));
    r.note(format!(
        "the client signs in as a customer of the one organisation that filed every ticket; \
         replies alternate between the agent and the organisation's {PER_ORG} customers; \
         seeded through POST /api/v1/tickets and /messages at concurrency {SEED_CONCURRENCY}"
    ));
    r.note(format!(
        "HTTP alone: the same {fetch_pages} GET /changes?limit={APPLY_PAGE} pages fetched and decoded \
         in {:.2} s without a cache, for the server's and the wire's share",
        fetch_time.as_secs_f64()
    ));
    r.note(format!(
        "the engine fetches the next page while it applies the current one; a first sync does \
         not index rows for search page by page: the index is built in bulk right after the \
         last page ({:.2} s later; a search waits for it)",
        (index_time - sync_time).as_secs_f64()
    ));
    r.note(format!(
        "apply alone: {} rows ({tickets} tickets with {per_ticket} messages each) generated in \
         memory, applied as {} pages of {APPLY_PAGE} changes into a fresh cache in {:.2} s \
         (then its search index built in bulk in {:.2} s); \
         the account is the customer who wrote half of the messages (each of which also \
         updates its ticket's read mark); 'none written by me' is the same pages for a \
         colleague ({:.2} s)",
        mine.rows,
        mine.page_count,
        mine.elapsed.as_secs_f64(),
        mine.index.as_secs_f64(),
        others.elapsed.as_secs_f64()
    ));
    r.note(format!(
        "client, server and load generator share this machine ({} cores, shared with other \
         work; load average {load_before} before, {load_after} after); during the first sync: \
         {cpu_sync}; during apply alone: {cpu_apply}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    r.detail("tickets", want_tickets);
    r.detail("messages", want_messages);
    r.detail("sync_seconds", sync_time.as_secs_f64());
    r.detail("search_index_ready_seconds", index_time.as_secs_f64());
    r.detail(
        "search_index_build_seconds",
        (index_time - sync_time).as_secs_f64(),
    );
    r.detail("sign_in_ms", signed_in.as_secs_f64() * 1000.0);
    r.detail("http_only_seconds", fetch_time.as_secs_f64());
    r.detail("http_only_pages", fetch_pages);
    r.detail("apply_alone_seconds", mine.elapsed.as_secs_f64());
    r.detail("apply_alone_index_seconds", mine.index.as_secs_f64());
    r.detail("apply_alone_page", mine.pages);
    r.detail("apply_alone_other_seconds", others.elapsed.as_secs_f64());
    r.detail("seed_concurrency", SEED_CONCURRENCY);
    r.detail("seed_ticket_seconds", filed.elapsed.as_secs_f64());
    r.detail("seed_reply_seconds", replied.elapsed.as_secs_f64());
    r.detail(
        "seed_reply_latency",
        stats::summarize(&replied.latencies_us),
    );
    r.detail("loadavg_before", load_before);
    r.detail("loadavg_after", load_after);
    r.detail("cpu_during_sync", cpu_sync);
    r.detail("cpu_during_apply", cpu_apply);
    Ok(r)
}

fn seeded<T>(what: &str, o: &Outcome<T>) -> anyhow::Result<()> {
    if o.errors > 0 || o.cut_short {
        bail!(
            "seeding {what}: {} failed{}; first: {}",
            o.errors,
            if o.cut_short { ", cut short" } else { "" },
            o.first_error.as_deref().unwrap_or("none")
        );
    }
    Ok(())
}

fn seed_secs<A, B>(a: &Outcome<A>, b: &Outcome<B>) -> f64 {
    (a.elapsed + b.elapsed).as_secs_f64().max(1e-9)
}

/// Replies spread round-robin over the filed tickets, alternating between the agent and the
/// customers, each with generated text.
async fn seed_replies(
    api: &Api,
    customers: &Arc<Vec<Session>>,
    agent: &Session,
    filed: &Outcome<(usize, Uuid)>,
    count: usize,
) -> anyhow::Result<Outcome<()>> {
    let tickets: Arc<Vec<Uuid>> = Arc::new(filed.ok.iter().map(|(_, id)| *id).collect());
    if tickets.is_empty() {
        bail!("no tickets to reply to");
    }
    let text = Arc::new(Text::new());
    let (api, customers, agent) = (api.clone(), customers.clone(), agent.clone());
    load::run(SEED_CONCURRENCY, count, PHASE_LIMIT, move |i| {
        let (api, customers, agent, tickets, text) = (
            api.clone(),
            customers.clone(),
            agent.clone(),
            tickets.clone(),
            text.clone(),
        );
        async move {
            let ticket = tickets[i % tickets.len()];
            let author = if i % 2 == 0 {
                agent
            } else {
                customers[(i / 2) % customers.len()].clone()
            };
            let body = text.message(&mut Rng::new(i as u64));
            api.add_message(&author, ticket, Uuid::now_v7(), body)
                .await
                .map(|_| ())
        }
    })
    .await
}

/// Pulls every change page (as many at a time as the engine) and decodes it, nothing more.
async fn fetch_all(api: &Api, who: &Session) -> anyhow::Result<(Duration, usize, usize, i64, i64)> {
    let started = Instant::now();
    let (mut after, mut pages, mut items, mut tickets, mut messages) = (0, 0, 0, 0, 0);
    loop {
        let page: ChangesPage = api
            .get_json(
                who,
                &format!("/api/v1/changes?after={after}&limit={APPLY_PAGE}"),
            )
            .await?;
        pages += 1;
        items += page.items.len();
        for c in &page.items {
            match c.entity {
                ChangeData::Ticket(_) => tickets += 1,
                ChangeData::Message(_) => messages += 1,
                _ => {}
            }
        }
        after = page.next;
        if !page.has_more {
            return Ok((started.elapsed(), pages, items, tickets, messages));
        }
    }
}

struct Applied {
    rows: u64,
    page_count: usize,
    elapsed: Duration,
    index: Duration,
    rate: f64,
    pages: stats::Summary,
}

/// Applies `tickets` generated tickets with `per_ticket` messages each to a fresh cache in
/// pages of `APPLY_PAGE`, built beforehand; `as_author` signs in as the customer who wrote
/// half of them.
async fn apply_alone(tickets: u64, per_ticket: u64, as_author: bool) -> anyhow::Result<Applied> {
    let text = Text::new();
    let cast = corpus::Cast::default();
    let mut feed = Feed::new(&text, &cast, tickets, per_ticket, 1);
    let rows = feed.rows();
    let mut pages = Vec::new();
    while let Some(p) = feed.next_page(APPLY_PAGE) {
        pages.push(p);
    }
    let dir = device::scratch("desk-bench-cache-")?;
    let (cache, _) = device::open_cache(dir.path(), "cache.sqlite3").await?;
    let me = if as_author {
        cast.customer.id
    } else {
        Uuid::now_v7()
    };
    let mut lat = Vec::with_capacity(pages.len());
    let started = Instant::now();
    for p in &pages {
        let t0 = Instant::now();
        cache.apply(p, me).await?;
        lat.push(micros(t0.elapsed()));
    }
    let elapsed = started.elapsed();
    let t0 = Instant::now();
    cache.build_search_index().await?;
    let index = t0.elapsed();
    let (t, m) = cache.counts().await?;
    cache.close().await;
    if u64::try_from(t + m).unwrap_or(0) != rows {
        bail!("applied {rows} rows but the cache holds {t} tickets and {m} messages");
    }
    Ok(Applied {
        rows,
        page_count: pages.len(),
        elapsed,
        index,
        rate: rows as f64 / elapsed.as_secs_f64().max(1e-9),
        pages: stats::summarize(&lat),
    })
}
