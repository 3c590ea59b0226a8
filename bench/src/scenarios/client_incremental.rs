//! `client-incremental`: what an incremental sync of 10 changes costs with 1,000 and with
//! 100,000 tickets cached. In memory: two caches filled through `Cache::apply`, then the same
//! fresh page (10 replies and their tickets' new state) applied to both, alternating which
//! goes first. End to end: two real servers seeded through the API, a cache synced from each,
//! then rounds of 10 agent replies followed by the engine's pull step (`GET /changes` from the
//! cursor with `desk_client::api::Api`, then `Cache::apply`), alternating between the two.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use desk_client::cache::Cache;
use uuid::Uuid;

use super::corpus::{self, Feed, Text};
use super::device;
use super::{Sizes, file_tickets};
use crate::client::{self, Api, Session};
use crate::report::{Report, Target};
use crate::server::Server;
use crate::stats::{self, micros};

const REPLIES: u64 = 10;
/// Messages per cached ticket (its first message and one reply).
const PER_TICKET: u64 = 2;
const FILL_PAGE: usize = 1000;
/// The engine's page size.
const PULL_PAGE: u32 = 500;
const SEED_CONCURRENCY: usize = 64;
const ORGS: usize = 1;
const PER_ORG: usize = 2;
const RATIO: f64 = 1.5;

pub async fn run(bin: &Path, sizes: &Sizes) -> anyhow::Result<Report> {
    let load_before = device::loadavg();
    let dir = device::scratch("desk-bench-incremental-")?;
    let text = Text::new();
    let cast = corpus::Cast::default();
    let me = Uuid::now_v7();
    let (small_n, big_n) = (sizes.cached_small as u64, sizes.cached_big as u64);
    eprintln!("client-incremental: filling caches of {small_n} and {big_n} tickets…");
    let (small, small_fill) = fill(dir.path(), "small.sqlite3", &text, &cast, small_n, me).await?;
    let (big, big_fill) = fill(dir.path(), "big.sqlite3", &text, &cast, big_n, me).await?;

    eprintln!(
        "client-incremental: applying {REPLIES}-reply pages, {} rounds alternating…",
        sizes.incremental_reps
    );
    let warm = (sizes.incremental_reps / 10).max(5);
    let cpu_mem = device::Cpu::start(&[]);
    let within = small_n.min(big_n);
    let mut lat = [Vec::new(), Vec::new()];
    for round in 0..(warm + sizes.incremental_reps) as u64 {
        let page = corpus::replies_page(
            &cast,
            round,
            REPLIES,
            within,
            PER_TICKET,
            10_000_000 + i64::try_from(round * 100).unwrap_or(0),
        );
        for j in 0..2 {
            let k = if round % 2 == 0 { j } else { 1 - j };
            let cache = if k == 0 { &small } else { &big };
            let t0 = Instant::now();
            let applied = cache.apply(&page, me).await?;
            let us = micros(t0.elapsed());
            if applied.new_messages.len() as u64 != REPLIES {
                bail!(
                    "a {REPLIES}-reply page brought {} new messages",
                    applied.new_messages.len()
                );
            }
            if round >= warm as u64 {
                lat[k].push(us);
            }
        }
    }
    let [mem_small, mem_big] = [stats::summarize(&lat[0]), stats::summarize(&lat[1])];
    let cpu_mem = cpu_mem.finish();
    small.close().await;
    big.close().await;

    eprintln!(
        "client-incremental: end to end, seeding servers with {small_n} and {big_n} tickets…"
    );
    let site_small = Site::seeded(bin, sizes.cached_small, dir.path(), "e2e-small.sqlite3").await?;
    let site_big = Site::seeded(bin, sizes.cached_big, dir.path(), "e2e-big.sqlite3").await?;
    eprintln!(
        "client-incremental: {} rounds of {REPLIES} replies + one pull, alternating…",
        sizes.incremental_pulls
    );
    let warm = (sizes.incremental_pulls / 10).max(5);
    let cpu_e2e = device::Cpu::start(&[site_small.pid, site_big.pid]);
    let mut lat = [Vec::new(), Vec::new()];
    let mut items_seen = [0usize, 0usize];
    for round in 0..warm + sizes.incremental_pulls {
        for j in 0..2 {
            let k = if round % 2 == 0 { j } else { 1 - j };
            let site = if k == 0 { &site_small } else { &site_big };
            site.reply_round(round).await?;
            let t0 = Instant::now();
            let items = site.pull().await?;
            let us = micros(t0.elapsed());
            items_seen[k] = items;
            if round >= warm {
                lat[k].push(us);
            }
        }
    }
    let [e2e_small, e2e_big] = [stats::summarize(&lat[0]), stats::summarize(&lat[1])];
    let cpu_e2e = cpu_e2e.finish();
    let load_after = device::loadavg();

    let k = |n: u64| {
        if n >= 1000 && n.is_multiple_of(1000) {
            format!("{}k", n / 1000)
        } else {
            n.to_string()
        }
    };
    let (s, b) = (k(small_n), k(big_n));
    let mut r = Report::new("client-incremental");
    for (what, m) in [
        (format!("apply 10 changes, {s} cached"), &mem_small),
        (format!("apply 10 changes, {b} cached"), &mem_big),
    ] {
        r.figure(&format!("{what} p50"), m.p50_ms, "ms", None);
        r.figure(&format!("{what} p95"), m.p95_ms, "ms", None);
    }
    r.figure(
        &format!("apply p50 ratio {b}/{s}"),
        mem_big.p50_ms / mem_small.p50_ms.max(1e-6),
        "",
        Some(Target::AtMost(RATIO)),
    );
    r.figure(
        &format!("apply p95 ratio {b}/{s}"),
        mem_big.p95_ms / mem_small.p95_ms.max(1e-6),
        "",
        None,
    );
    for (what, m) in [
        (format!("pull 10 changes e2e, {s} cached"), &e2e_small),
        (format!("pull 10 changes e2e, {b} cached"), &e2e_big),
    ] {
        r.figure(&format!("{what} p50"), m.p50_ms, "ms", None);
        r.figure(&format!("{what} p95"), m.p95_ms, "ms", None);
    }
    r.figure(
        &format!("pull e2e p50 ratio {b}/{s}"),
        e2e_big.p50_ms / e2e_small.p50_ms.max(1e-6),
        "",
        Some(Target::AtMost(RATIO)),
    );
    r.figure(
        &format!("pull e2e p95 ratio {b}/{s}"),
        e2e_big.p95_ms / e2e_small.p95_ms.max(1e-6),
        "",
        None,
    );
    r.check(
        "each pull brought the 10 replies and their tickets",
        items_seen == [20, 20],
        format!(
            "last pull: {} changes at {s}, {} at {b} (20 expected)",
            items_seen[0], items_seen[1]
        ),
    );
    r.note(format!(
        "in memory: caches filled with Cache::apply ({s}: {} rows in {:.1} s; {b}: {} rows in \
         {:.1} s; each ticket with {PER_TICKET} messages); then {} timed rounds (after {}) of \
         one fresh page — {REPLIES} new agent replies and their tickets' new state, 20 \
         changes — applied to both caches, which goes first alternating every round",
        small_fill.0,
        small_fill.1.as_secs_f64(),
        big_fill.0,
        big_fill.1.as_secs_f64(),
        sizes.incremental_reps,
        (sizes.incremental_reps / 10).max(5)
    ));
    r.note(format!(
        "end to end: two real servers ({s} and {b} tickets, seeded through the API at \
         concurrency {SEED_CONCURRENCY}); a customer's cache synced from each \
         ({s}: {:.1} s, {b}: {:.1} s); each round the agent posts {REPLIES} replies (not timed), \
         then the engine's pull step is timed: read the cursor, GET /changes?after=<cursor>&\
         limit={PULL_PAGE} with desk_client::api::Api, Cache::apply; {} timed rounds after {warm}",
        site_small.synced_in.as_secs_f64(),
        site_big.synced_in.as_secs_f64(),
        sizes.incremental_pulls
    ));
    r.note(
        "the Desk's own engine is not used for the end-to-end rounds: its SSE connection \
         would pull after the first reply's poke, so a pull would not hold all 10 changes",
    );
    r.note(format!(
        "machine shared with other work ({} cores); load average {load_before} before, \
         {load_after} after; in memory: {cpu_mem}; end to end: {cpu_e2e}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    r.detail("apply_small", mem_small);
    r.detail("apply_big", mem_big);
    r.detail("pull_small", e2e_small);
    r.detail("pull_big", e2e_big);
    r.detail("fill_rows_small", small_fill.0);
    r.detail("fill_rows_big", big_fill.0);
    r.detail("fill_seconds_big", big_fill.1.as_secs_f64());
    r.detail("server_sync_seconds_big", site_big.synced_in.as_secs_f64());
    r.detail("loadavg_before", load_before);
    r.detail("loadavg_after", load_after);
    r.detail("cpu_in_memory", cpu_mem);
    r.detail("cpu_end_to_end", cpu_e2e);
    Ok(r)
}

/// A fresh cache holding `tickets` generated tickets; answers it with (rows, time taken).
async fn fill(
    dir: &Path,
    name: &str,
    text: &Text,
    cast: &corpus::Cast,
    tickets: u64,
    me: Uuid,
) -> anyhow::Result<(Cache, (u64, Duration))> {
    let (cache, _) = device::open_cache(dir, name).await?;
    let mut feed = Feed::new(text, cast, tickets, PER_TICKET, 2);
    let rows = feed.rows();
    let started = Instant::now();
    while let Some(p) = feed.next_page(FILL_PAGE) {
        cache.apply(&p, me).await?;
    }
    Ok((cache, (rows, started.elapsed())))
}

/// A real server with tickets, and a customer's cache synced from it.
struct Site {
    _srv: Server,
    pid: u32,
    api: Api,
    agent: Session,
    tickets: Vec<Uuid>,
    puller: desk_client::api::Api,
    me: Uuid,
    cache: Cache,
    synced_in: Duration,
}

impl Site {
    async fn seeded(bin: &Path, tickets: usize, dir: &Path, name: &str) -> anyhow::Result<Self> {
        let mut srv = Server::new(bin, &[])?;
        client::create_accounts(&srv, ORGS, PER_ORG).await?;
        srv.start().await?;
        let api = Api::new(&srv.base)?;
        let cast = client::sign_in(&api, ORGS, PER_ORG).await?;
        let customers = Arc::new(cast.customers);
        let filed = file_tickets(&api, &customers, 0, tickets, SEED_CONCURRENCY).await?;
        if filed.errors > 0 || filed.cut_short {
            bail!(
                "seeding {tickets} tickets: {} failed; first: {}",
                filed.errors,
                filed.first_error.as_deref().unwrap_or("none")
            );
        }
        let puller = desk_client::api::Api::new(&srv.base, "en")?.with_token(&customers[0].token);
        let me = puller.me().await?.user.id;
        let (cache, _) = device::open_cache(dir, name).await?;
        let started = Instant::now();
        loop {
            let page = puller.changes(cache.cursor().await?, 1000).await?;
            cache.apply(&page, me).await?;
            if !page.has_more {
                break;
            }
        }
        let synced_in = started.elapsed();
        let (t, _) = cache.counts().await?;
        if usize::try_from(t).unwrap_or(0) != filed.ok.len() {
            bail!("synced {t} tickets of {}", filed.ok.len());
        }
        Ok(Self {
            pid: srv.pid()?,
            _srv: srv,
            api,
            agent: cast.agent,
            tickets: filed.ok.iter().map(|(_, id)| *id).collect(),
            puller,
            me,
            cache,
            synced_in,
        })
    }

    /// The agent replies to `REPLIES` tickets at once; answers when all are committed.
    async fn reply_round(&self, round: usize) -> anyhow::Result<()> {
        let within = self.tickets.len().min(1000);
        let posts = (0..REPLIES as usize).map(|k| {
            let ticket = self.tickets[(round * REPLIES as usize + k) % within];
            self.api.add_message(
                &self.agent,
                ticket,
                Uuid::now_v7(),
                format!("Перевірили ваше замовлення, водій уже на лінії (раунд {round}, {k})."),
            )
        });
        for r in futures::future::join_all(posts).await {
            r.context("an agent reply")?;
        }
        Ok(())
    }

    /// The engine's pull step: every page after the cursor, each applied in one transaction.
    async fn pull(&self) -> anyhow::Result<usize> {
        let mut items = 0;
        loop {
            let cursor = self.cache.cursor().await?;
            let page = self.puller.changes(cursor, PULL_PAGE).await?;
            items += page.items.len();
            self.cache.apply(&page, self.me).await?;
            if !page.has_more {
                return Ok(items);
            }
        }
    }
}
