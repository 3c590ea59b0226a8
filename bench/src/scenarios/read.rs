//! `read`: with many tickets stored (seeded through the API at concurrency 32), sequential
//! timings of a customer's ticket list, an agent's open-ticket list, and a `changes` pull that
//! returns 10 fresh changes. The pull is timed on a small store and on the large one, two
//! servers side by side with requests alternating between them, so the ratio shows how its cost
//! follows the number of tickets stored rather than the machine's moment-to-moment drift.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use desk_domain::ChangesPage;
use uuid::Uuid;

use super::{READ_LIMIT, Sizes, file_tickets, time_get};
use crate::client::{self, Api, Session};
use crate::load::Outcome;
use crate::report::{Report, Target};
use crate::server::Server;
use crate::stats::{self, Summary, micros};

const SEED_CONCURRENCY: usize = 32;
const ORGS: usize = 3;
const PER_ORG: usize = 2;
const CHANGES: usize = 10;

/// A server with its accounts and seeded tickets.
struct Site {
    _srv: Server,
    api: Api,
    agent: Session,
    /// Customer 0, who pulls; consecutive customers belong to different organisations.
    puller: Session,
    /// Tickets the puller filed, oldest first.
    pullers_tickets: Vec<Uuid>,
    stored: usize,
    seeding: Outcome<(usize, Uuid)>,
}

impl Site {
    async fn seeded(bin: &Path, tickets: usize) -> anyhow::Result<Self> {
        let mut srv = Server::new(bin, &[])?;
        client::create_accounts(&srv, ORGS, PER_ORG).await?;
        srv.start().await?;
        let api = Api::new(&srv.base)?;
        let cast = client::sign_in(&api, ORGS, PER_ORG).await?;
        let customers = Arc::new(cast.customers);
        eprintln!("read: seeding {tickets} tickets at concurrency {SEED_CONCURRENCY}…");
        let seeding = file_tickets(&api, &customers, 0, tickets, SEED_CONCURRENCY).await?;
        Ok(Self {
            api,
            agent: cast.agent,
            puller: customers[0].clone(),
            pullers_tickets: seeding
                .ok
                .iter()
                .filter(|(who, _)| *who == 0)
                .map(|(_, id)| *id)
                .collect(),
            stored: seeding.ok.len(),
            seeding,
            _srv: srv,
        })
    }

    /// Moves the puller's cursor to the head, makes `CHANGES` replies on their newest tickets,
    /// and answers the pull path that returns just those changes, checked once.
    async fn fresh_changes(&self) -> anyhow::Result<(String, usize)> {
        if self.pullers_tickets.len() < CHANGES {
            bail!(
                "the pulling customer has {} tickets; {CHANGES} are needed",
                self.pullers_tickets.len()
            );
        }
        let cursor = self.api.changes_head(&self.puller).await?;
        for t in self.pullers_tickets.iter().rev().take(CHANGES) {
            self.api
                .reply(
                    &self.puller,
                    *t,
                    "Перевірили ще раз після перезапуску: замовлення досі не йдуть.",
                )
                .await?;
        }
        let path = format!("/api/v1/changes?after={cursor}&limit=100");
        let page: ChangesPage = self.api.get_json(&self.puller, &path).await?;
        if page.has_more {
            bail!("the pull after {cursor} has more than one page");
        }
        Ok((path, page.items.len()))
    }
}

pub async fn run(bin: &Path, sizes: &Sizes) -> anyhow::Result<Report> {
    let small = Site::seeded(bin, sizes.stored_small).await?;
    let big = Site::seeded(bin, sizes.stored).await?;

    eprintln!("read: timing lists at {} tickets…", big.stored);
    let list_customer = time_get(
        &big.api,
        &big.puller,
        "/api/v1/tickets",
        sizes.read_warmup,
        sizes.requests,
    )
    .await?;
    let list_agent = time_get(
        &big.api,
        &big.agent,
        "/api/v1/tickets?status=open",
        sizes.read_warmup,
        sizes.requests,
    )
    .await?;

    eprintln!(
        "read: timing the {CHANGES}-change pull at {} and {} tickets, alternating…",
        small.stored, big.stored
    );
    let (small_path, items_small) = small.fresh_changes().await?;
    let (big_path, items_big) = big.fresh_changes().await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pulls = time_alternating(
        [
            (&small.api, &small.puller, small_path.as_str()),
            (&big.api, &big.puller, big_path.as_str()),
        ],
        sizes.read_warmup,
        sizes.requests,
    )
    .await?;
    let [pull_small, pull_big] = pulls;
    let ratio = pull_big.p50_ms / pull_small.p50_ms.max(1e-6);

    let k = |n: usize| {
        if n >= 1000 && n.is_multiple_of(1000) {
            format!("{}k", n / 1000)
        } else {
            n.to_string()
        }
    };
    let (s, b) = (k(small.stored), k(big.stored));
    let seed_s = big.seeding.elapsed.as_secs_f64();
    let mut r = Report::new("read");
    r.figure(&format!("seeding {b} tickets"), seed_s, "s", None);
    r.figure("seeding rate", big.seeding.rate(), "tickets/s", None);
    let p99 = Some(Target::AtMost(10.0));
    r.latencies(&format!("list, customer, {b}"), &list_customer, p99);
    r.latencies(&format!("list open, agent, {b}"), &list_agent, p99);
    r.latencies(&format!("changes pull, {s}"), &pull_small, p99);
    r.latencies(&format!("changes pull, {b}"), &pull_big, p99);
    r.figure(
        &format!("pull p50 ratio {b}/{s}"),
        ratio,
        "",
        Some(Target::Between(0.67, 1.5)),
    );
    r.check(
        "pull returns the fresh changes",
        items_small == 2 * CHANGES && items_big == 2 * CHANGES,
        format!(
            "{items_small} items at {s}, {items_big} at {b} ({CHANGES} messages + their \
             {CHANGES} tickets expected)"
        ),
    );
    r.note(format!(
        "{} sequential requests per measurement after {} untimed; lists are the default page \
         of 50, newest first; customers see their organisation's tickets (1/{ORGS} of all)",
        sizes.requests, sizes.read_warmup
    ));
    r.note(format!(
        "pull: a customer's GET /api/v1/changes?after=<cursor>&limit=100 right after \
         {CHANGES} replies on their tickets; timed on two servers ({s} and {b} tickets) side \
         by side, alternating request by request"
    ));
    r.note(format!(
        "seeded through POST /api/v1/tickets at concurrency {SEED_CONCURRENCY}, each ticket \
         durable (fsynced) before its answer; all seeded tickets are open"
    ));
    for (what, m) in [
        ("customer list", &list_customer),
        ("agent open list", &list_agent),
        ("pulls", &pull_big),
    ] {
        if m.count < sizes.requests {
            r.note(format!(
                "{what}: only {} requests timed, cut at {} s",
                m.count,
                READ_LIMIT.as_secs()
            ));
        }
    }
    for site in [&small, &big] {
        if site.seeding.errors > 0 || site.seeding.cut_short {
            r.note(format!(
                "seeding {}: {} failures{}{}",
                site.stored,
                site.seeding.errors,
                if site.seeding.cut_short {
                    ", cut short by the phase time limit"
                } else {
                    ""
                },
                site.seeding
                    .first_error
                    .as_deref()
                    .map(|e| format!("; first: {e}"))
                    .unwrap_or_default()
            ));
        }
    }
    r.detail("stored", big.stored);
    r.detail("stored_small", small.stored);
    r.detail("seed_seconds", seed_s);
    r.detail("seed_concurrency", SEED_CONCURRENCY);
    r.detail("seed_latency", stats::summarize(&big.seeding.latencies_us));
    r.detail("requests_per_measurement", sizes.requests);
    r.detail("list_customer", list_customer);
    r.detail("list_open_agent", list_agent);
    r.detail("pull_small", pull_small);
    r.detail("pull_big", pull_big);
    r.detail("pull_p50_ratio", ratio);
    Ok(r)
}

/// Times sequential GETs on several servers in turn (the order flipping every round), after
/// `warmup` untimed rounds; stops early at twice `READ_LIMIT`.
async fn time_alternating<const N: usize>(
    targets: [(&Api, &Session, &str); N],
    warmup: usize,
    requests: usize,
) -> anyhow::Result<[Summary; N]> {
    let mut lat: [Vec<u64>; N] = std::array::from_fn(|_| Vec::with_capacity(requests));
    let start = Instant::now();
    for round in 0..warmup + requests {
        if start.elapsed() > READ_LIMIT * 2 {
            break;
        }
        for j in 0..N {
            let k = if round % 2 == 0 { j } else { N - 1 - j };
            let (api, s, path) = targets[k];
            let t0 = Instant::now();
            api.get_ok(s, path).await?;
            if round >= warmup {
                lat[k].push(micros(t0.elapsed()));
            }
        }
    }
    Ok(std::array::from_fn(|k| stats::summarize(&lat[k])))
}
