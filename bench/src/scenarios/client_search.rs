//! `client-search`: `Cache::search` over 1,000,000 cached messages (100,000 tickets of 10),
//! filled with `Cache::apply` from generated Ukrainian and English text whose words follow a
//! Zipf distribution, with «будь ласка», «замовлення» and «водій» (and their English
//! counterparts) in a large share of messages. Timed per query kind: one word, a 3–4 letter
//! prefix, two words, very common words; queries interleaved round by round.

use std::time::{Duration, Instant};

use anyhow::bail;
use uuid::Uuid;

use super::Sizes;
use super::corpus::{self, Counter, Feed, Text};
use super::device;
use crate::report::{Report, Target};
use crate::stats::{self, micros};

const PER_TICKET: u64 = 10;
const FILL_PAGE: usize = 1000;
/// What the UI asks for.
const LIMIT: u32 = 50;
const TARGET_MS: f64 = 15.0;
const KINDS: [&str; 4] = ["one word", "prefix", "two words", "very common"];

struct Query {
    kind: usize,
    text: String,
}

fn queries(text: &Text) -> Vec<Query> {
    let q = |kind: usize, t: &str| Query {
        kind,
        text: t.to_owned(),
    };
    vec![
        q(0, "диспетчер"),
        q(0, "тариф"),
        q(0, "invoice"),
        q(0, text.rare_word(100)),
        q(1, "дисп"),
        q(1, "опла"),
        q(1, "тар"),
        q(1, "inv"),
        q(2, "оплата карткою"),
        q(2, "не працює"),
        q(2, "driver cancelled"),
        q(2, "маршрут адреса"),
        q(3, "замовлення"),
        q(3, "будь ласка"),
        q(3, "водій"),
        q(3, "замовлення водій"),
    ]
}

pub async fn run(sizes: &Sizes) -> anyhow::Result<Report> {
    let load_before = device::loadavg();
    let text = Text::new();
    let cast = corpus::Cast::default();
    let qs = queries(&text);
    let dir = device::scratch("desk-bench-search-")?;
    let (cache, path) = device::open_cache(dir.path(), "cache.sqlite3").await?;
    let tickets = (sizes.search_messages as u64).div_ceil(PER_TICKET);
    let mut feed = Feed::new(&text, &cast, tickets, PER_TICKET, 3);
    let texts: Vec<&str> = qs.iter().map(|q| q.text.as_str()).collect();
    feed.counter = Some(Counter::new(&texts));
    let rows = feed.rows();
    let me = Uuid::now_v7();

    eprintln!(
        "client-search: filling a cache with {} messages in {tickets} tickets…",
        tickets * PER_TICKET
    );
    let cpu_fill = device::Cpu::start(&[]);
    let started = Instant::now();
    let mut applying = Duration::ZERO;
    while let Some(p) = feed.next_page(FILL_PAGE) {
        let t0 = Instant::now();
        cache.apply(&p, me).await?;
        applying += t0.elapsed();
    }
    let fill = started.elapsed();
    // Filled as a first sync fills it: the search index is then built in bulk.
    let t0 = Instant::now();
    cache.build_search_index().await?;
    let indexing = t0.elapsed();
    let cpu_fill = cpu_fill.finish();
    let (t, m) = cache.counts().await?;
    if u64::try_from(t + m).unwrap_or(0) != rows {
        bail!("filled {rows} rows but the cache holds {t} tickets and {m} messages");
    }
    let size = device::file_size(&path);
    let counter = feed.counter.take().map(|c| (c.hits, c.seen));

    eprintln!(
        "client-search: {} queries × {} searches each, interleaved…",
        qs.len(),
        sizes.searches
    );
    let warm = (sizes.searches / 10).max(3);
    let mut lat: Vec<Vec<u64>> = vec![Vec::with_capacity(sizes.searches); qs.len()];
    let mut found = vec![0usize; qs.len()];
    let cpu_search = device::Cpu::start(&[]);
    for round in 0..warm + sizes.searches {
        for j in 0..qs.len() {
            let i = (j + round) % qs.len();
            let t0 = Instant::now();
            let hits = cache.search(&qs[i].text, LIMIT).await?;
            let us = micros(t0.elapsed());
            found[i] = hits.len();
            if round >= warm {
                lat[i].push(us);
            }
        }
    }
    let cpu_search = cpu_search.finish();
    cache.close().await;
    let load_after = device::loadavg();

    let mut r = Report::new("client-search");
    for (k, kind) in KINDS.iter().enumerate() {
        let all: Vec<u64> = qs
            .iter()
            .zip(&lat)
            .filter(|(q, _)| q.kind == k)
            .flat_map(|(_, l)| l.iter().copied())
            .collect();
        let s = stats::summarize(&all);
        r.figure(&format!("{kind}: p50"), s.p50_ms, "ms", None);
        r.figure(
            &format!("{kind}: p95"),
            s.p95_ms,
            "ms",
            Some(Target::AtMost(TARGET_MS)),
        );
        r.figure(&format!("{kind}: p99"), s.p99_ms, "ms", None);
    }
    let mut per_query = Vec::new();
    for (i, q) in qs.iter().enumerate() {
        let s = stats::summarize(&lat[i]);
        let share = counter
            .as_ref()
            .map(|(hits, seen)| hits[i] as f64 * 100.0 / (*seen).max(1) as f64)
            .unwrap_or(0.0);
        r.figure(
            &format!("  «{}» ({share:.1}% of messages) p95", q.text),
            s.p95_ms,
            "ms",
            Some(Target::AtMost(TARGET_MS)),
        );
        per_query.push(serde_json::json!({
            "query": q.text,
            "kind": KINDS[q.kind],
            "messages_matching_pct": (share * 100.0).round() / 100.0,
            "tickets_returned": found[i],
            "latency": s,
        }));
    }
    r.figure("fill (generate + apply)", fill.as_secs_f64(), "s", None);
    r.figure(
        "search index built in bulk",
        indexing.as_secs_f64(),
        "s",
        None,
    );
    r.figure(
        "fill apply rate",
        rows as f64 / applying.as_secs_f64().max(1e-9),
        "rows/s",
        None,
    );
    r.figure(
        "cache file size",
        size as f64 / (1024.0 * 1024.0),
        "MiB",
        None,
    );
    r.check(
        "every query finds tickets",
        found.iter().all(|n| *n > 0),
        format!("tickets returned per query (limit {LIMIT}): {found:?}"),
    );
    r.note(format!(
        "{} messages in {tickets} tickets ({rows} rows) applied as pages of {FILL_PAGE} \
         changes: {:.1} s in all, {:.1} s of it in Cache::apply (as in a first sync, without \
         indexing row by row), then the search index built in bulk in {:.1} s; the cache file \
         (with its WAL) is {:.0} MiB",
        tickets * PER_TICKET,
        fill.as_secs_f64(),
        applying.as_secs_f64(),
        indexing.as_secs_f64(),
        size as f64 / (1024.0 * 1024.0)
    ));
    r.note(format!(
        "text: 8–40 words a message, {}% in English; words drawn by Zipf rank from a support \
         vocabulary (70%), 30,000 made-up rare words (23%) and numbers; «будь ласка»/please in \
         {}%, a form of «замовлення»/order in {}%, of «водій»/driver in {}% of messages",
        (corpus::ENGLISH_SHARE * 100.0) as u32,
        (corpus::P_PLEASE * 100.0) as u32,
        (corpus::P_ORDER * 100.0) as u32,
        (corpus::P_DRIVER * 100.0) as u32
    ));
    r.note(format!(
        "Cache::search(text, {LIMIT}) as the UI calls it (every word a prefix, expanded into \
         the indexed words it begins; the newest 120 matches of each kind ranked); {} \
         timed searches per query after {warm} untimed, all queries interleaved; a kind's \
         p50/p95/p99 pools its queries' samples; the share of messages matching is counted by \
         the generator",
        sizes.searches
    ));
    r.note(format!(
        "machine shared with other work ({} cores); load average {load_before} before, \
         {load_after} after; while filling: {cpu_fill}; while searching: {cpu_search}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    r.detail("messages", tickets * PER_TICKET);
    r.detail("tickets", tickets);
    r.detail("fill_seconds", fill.as_secs_f64());
    r.detail("apply_seconds", applying.as_secs_f64());
    r.detail("index_seconds", indexing.as_secs_f64());
    r.detail("cache_bytes", size);
    r.detail("queries", per_query);
    r.detail("loadavg_before", load_before);
    r.detail("loadavg_after", load_after);
    r.detail("cpu_while_filling", cpu_fill);
    r.detail("cpu_while_searching", cpu_search);
    Ok(r)
}
