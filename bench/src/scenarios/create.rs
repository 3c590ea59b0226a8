//! `create`: tickets (each with its first message) filed at concurrency 8 by several customers
//! of a few organisations; then `kill -9` right after the last answer, a restart on the same
//! data, and a check that every ticket acknowledged with a 2xx is there.

use std::collections::HashSet;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use uuid::Uuid;

use super::{Sizes, file_tickets};
use crate::client::{self, Api};
use crate::report::{Report, Target};
use crate::server::Server;
use crate::stats::{self, Summary};

const CONCURRENCY: usize = 8;
const ORGS: usize = 3;
const PER_ORG: usize = 2;

pub async fn run(bin: &Path, sizes: &Sizes) -> anyhow::Result<Report> {
    let mut srv = Server::new(bin, &[])?;
    client::create_accounts(&srv, ORGS, PER_ORG).await?;
    srv.start().await?;
    let api = Api::new(&srv.base)?;
    let cast = client::sign_in(&api, ORGS, PER_ORG).await?;
    let customers = Arc::new(cast.customers);
    let probe_dir = srv.data_dir();
    let fsync = tokio::task::spawn_blocking(move || fsync_probe(probe_dir)).await??;

    eprintln!("create: {} warm-up tickets…", sizes.create_warmup);
    let warm = file_tickets(&api, &customers, 0, sizes.create_warmup, CONCURRENCY).await?;
    eprintln!(
        "create: {} tickets at concurrency {CONCURRENCY}…",
        sizes.creates
    );
    let main = file_tickets(
        &api,
        &customers,
        sizes.create_warmup,
        sizes.creates,
        CONCURRENCY,
    )
    .await?;
    // Right after the last answer: nothing gets a chance to flush or finish.
    srv.kill9().await?;

    let acked: HashSet<Uuid> = warm.ok.iter().chain(&main.ok).map(|(_, id)| *id).collect();
    let restart = Instant::now();
    srv.start().await?;
    let restart_ms = restart.elapsed().as_secs_f64() * 1000.0;
    let api = Api::new(&srv.base)?;
    let agent = api.login(&cast.agent.email).await?;
    let stored = api.all_tickets(&agent).await?;
    let stored_ids: HashSet<Uuid> = stored.iter().map(|t| t.id).collect();
    let found = acked.iter().filter(|id| stored_ids.contains(id)).count();
    let mut numbers: Vec<i64> = stored.iter().map(|t| t.number).collect();
    numbers.sort_unstable();
    let gap_free = numbers.iter().enumerate().all(|(i, n)| *n == i as i64 + 1);

    let s = stats::summarize(&main.latencies_us);
    let mut r = Report::new("create");
    r.figure(
        "tickets created per second",
        main.rate(),
        "tickets/s",
        Some(Target::AtLeast(2000.0)),
    );
    r.latencies("create latency", &s, Some(Target::AtMost(25.0)));
    r.figure(
        "disk: 4 KiB write + fdatasync p50",
        fsync.p50_ms,
        "ms",
        None,
    );
    r.figure(
        "failed creates",
        main.errors as f64,
        "",
        Some(Target::AtMost(0.0)),
    );
    r.check(
        "durable across kill -9",
        found == acked.len(),
        format!(
            "acked {}, found {found} after kill -9 ({} stored, numbers 1..{} {})",
            acked.len(),
            stored.len(),
            numbers.last().copied().unwrap_or(0),
            if gap_free { "gap-free" } else { "WITH GAPS" }
        ),
    );
    r.note(format!(
        "{} tickets (+{} warm-up) at concurrency {CONCURRENCY} from {} customers of {ORGS} \
         organisations, topic {}, each with its first message; {:.1} s",
        main.ok.len(),
        warm.ok.len(),
        customers.len(),
        client::TOPIC,
        main.elapsed.as_secs_f64()
    ));
    r.note(
        "The server runs SQLite in WAL mode with synchronous=FULL and group commit: one fsync \
         per batch of writes, before any of them is answered.",
    );
    r.note(format!(
        "With one fsync per batch and {CONCURRENCY} requests in flight, a batch holds at most \
         {CONCURRENCY} tickets: this disk's fsync (p50 {:.2} ms, measured in the data \
         directory) bounds the rate near {CONCURRENCY} / (fsync + the batch's work); mean \
         latency was {:.2} ms",
        fsync.p50_ms, s.mean_ms
    ));
    r.note(
        "Client and server share this machine's cores; latency is measured by the client, \
         request sent to answer read.",
    );
    if let Some(e) = &main.first_error {
        r.note(format!("first failure: {e}"));
    }
    if main.cut_short {
        r.note("cut short by the phase time limit");
    }
    r.note(crate::SCALE);
    r.detail("concurrency", CONCURRENCY);
    r.detail("count", main.ok.len());
    r.detail("warmup", warm.ok.len());
    r.detail("elapsed_s", main.elapsed.as_secs_f64());
    r.detail("latency", s);
    r.detail("acked", acked.len());
    r.detail("found_after_kill9", found);
    r.detail("numbers_gap_free", gap_free);
    r.detail("restart_to_healthy_ms", restart_ms);
    r.detail("disk_fsync", fsync);
    Ok(r)
}

/// How long this disk takes to make a small write durable: 200 times a 4 KiB write and
/// fdatasync, in `dir` (where the server keeps its data).
fn fsync_probe(dir: PathBuf) -> anyhow::Result<Summary> {
    let path = dir.join("fsync-probe");
    let f = std::fs::File::create(&path).context("creating the fsync probe file")?;
    let block = [0x5a_u8; 4096];
    let mut lat = Vec::with_capacity(200);
    for i in 0..200u64 {
        f.write_all_at(&block, (i % 16) * 4096)?;
        let t0 = Instant::now();
        f.sync_data().context("fdatasync of the probe file")?;
        lat.push(stats::micros(t0.elapsed()));
    }
    drop(f);
    std::fs::remove_file(&path).context("removing the fsync probe file")?;
    Ok(stats::summarize(&lat))
}
