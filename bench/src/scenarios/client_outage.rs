//! `client-outage`: an outage report committed on the real server until the on-duty agent's
//! connected client has applied it and decided to raise the (critical) page — with a thousand
//! other clients connected to the same server at the same time.
//!
//! The crowd: customers of many taxi services, each signed in on two devices, every device
//! holding its own `GET /events` stream and pulling `GET /changes` whenever it is poked, as the
//! app does. The agent is a real `desk_client::Desk` (its slow timer set to an hour, so only
//! pokes make it pull) on the duty roster. Reports come from a different taxi service each
//! time (a second report of a service with an open incident joins it and pages nobody), one at a
//! time; each is timed from the 2xx of `POST /outages` until the agent's `ClientEvent::Notify`
//! for that report's ticket.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use desk_client::ClientEvent;
use desk_client::sse::SseParser;
use desk_domain::{ChangesPage, OutageKind, OutageReport, Poke, ReportOutage, SetDuty};
use futures::StreamExt;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Sizes;
use super::device::{self, Device};
use crate::client::{self, Api, Session};
use crate::report::{Report, Target};
use crate::server::Server;
use crate::stats::{self, micros};

/// Customers per taxi service, and devices per customer: services × 2 × 2 streams.
const PER_ORG: usize = 2;
const DEVICES: usize = 2;
const WARMUP: usize = 5;
const TARGET_MS: f64 = 1000.0;
/// A page not decided by then counts as lost and ends the run.
const WAIT: Duration = Duration::from_secs(30);
const GAP: Duration = Duration::from_millis(50);

/// What the crowd did while it was connected.
#[derive(Default)]
struct Crowd {
    connected: AtomicU64,
    pokes: AtomicU64,
    pulls: AtomicU64,
    errors: AtomicU64,
}

pub async fn run(bin: &Path, sizes: &Sizes) -> anyhow::Result<Report> {
    let streams = sizes.outage_clients;
    let orgs = streams.div_ceil(PER_ORG * DEVICES);
    let samples = sizes.outage_samples;
    if WARMUP + samples > orgs {
        bail!(
            "{} reports need as many taxi services, but {streams} clients make only {orgs}",
            WARMUP + samples
        );
    }
    check_open_files(streams)?;
    let load_before = device::loadavg();
    let mut srv = Server::new(bin, &[])?;
    eprintln!("client-outage: creating {orgs} taxi services with {PER_ORG} dispatchers each…");
    client::create_accounts(&srv, orgs, PER_ORG).await?;
    srv.start().await?;
    let api = Api::new(&srv.base)?;
    let cast = client::sign_in(&api, orgs, PER_ORG).await?;
    let _: desk_domain::DutyAgent = api
        .put_json(&cast.agent, "/api/v1/duty", &SetDuty { on_duty: true })
        .await
        .context("putting the agent on duty")?;

    let dev = Device::new()?;
    let desk = dev.sign_in(&srv.base, client::AGENT_EMAIL).await?;
    device::synced(&desk, Duration::from_secs(60)).await?;

    eprintln!("client-outage: connecting {streams} other clients…");
    let crowd = Arc::new(Crowd::default());
    let stop = CancellationToken::new();
    let sse = reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .build()
        .context("building the streaming HTTP client")?;
    let mut tasks = Vec::with_capacity(streams);
    for n in 0..streams {
        let who = cast.customers[n % cast.customers.len()].clone();
        tasks.push(tokio::spawn(stream_client(
            sse.clone(),
            api.clone(),
            who,
            crowd.clone(),
            stop.clone(),
        )));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while (crowd.connected.load(Ordering::SeqCst) as usize) < streams {
        if Instant::now() > deadline {
            bail!(
                "only {} of {streams} clients connected within 2 minutes",
                crowd.connected.load(Ordering::SeqCst)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    eprintln!("client-outage: {samples} outage reports, one at a time ({WARMUP} untimed first)…");
    let mut rx = desk.subscribe();
    let mut lat = Vec::with_capacity(samples);
    let cpu = device::Cpu::start(&[srv.pid()?]);
    // `sign_in` orders customers so the first `orgs` belong to different services.
    for i in 0..WARMUP + samples {
        let reporter = &cast.customers[i];
        let id = Uuid::now_v7();
        while !matches!(rx.try_recv(), Err(broadcast::error::TryRecvError::Empty)) {}
        let post = async {
            let r: OutageReport = api
                .post_json(
                    Some(reporter),
                    "/api/v1/outages",
                    &ReportOutage {
                        id,
                        kind: OutageKind::Telephony,
                        description: format!(
                            "Не проходять вхідні дзвінки, клієнти не можуть додзвонитися ({i})."
                        ),
                        attachment_ids: Vec::new(),
                        organization_id: None,
                    },
                )
                .await
                .context("the outage report")?;
            if r.already_known {
                bail!("report {i} joined an open incident, so it paged nobody");
            }
            Ok::<_, anyhow::Error>(Instant::now())
        };
        let seen = async {
            tokio::time::timeout(WAIT, paged(&mut rx, id))
                .await
                .with_context(|| {
                    format!("report {i} was not paged on the agent's client within {WAIT:?}")
                })?
        };
        let (committed, seen) = tokio::try_join!(post, seen)?;
        if i >= WARMUP {
            lat.push(micros(seen.saturating_duration_since(committed)));
        }
        tokio::time::sleep(GAP).await;
    }
    let cpu = cpu.finish();
    let still_connected = crowd.connected.load(Ordering::SeqCst);
    stop.cancel();
    for t in tasks {
        let _ = t.await;
    }
    desk.close().await;
    let load_after = device::loadavg();
    let s = stats::summarize(&lat);

    let mut r = Report::new("client-outage");
    let what = "outage report committed → on-duty agent's client decided to page";
    r.figure(&format!("{what} p50"), s.p50_ms, "ms", None);
    r.figure(
        &format!("{what} p95"),
        s.p95_ms,
        "ms",
        Some(Target::AtMost(TARGET_MS)),
    );
    r.figure(&format!("{what} p99"), s.p99_ms, "ms", None);
    r.figure(&format!("{what} max"), s.max_ms, "ms", None);
    r.check(
        "every report paged the agent",
        lat.len() == samples,
        format!("{} of {samples} reports paged", lat.len()),
    );
    r.check(
        "the crowd stayed connected",
        still_connected as usize == streams,
        format!("{still_connected} of {streams} event streams open at the end"),
    );
    r.note(format!(
        "{samples} reports (after {WARMUP} untimed), each from a different taxi service, one at \
         a time with {} ms between; timed from the 2xx of POST /outages to the agent's \
         ClientEvent::Notify for that report's ticket (the policy's decision, after its record \
         is fsynced)",
        GAP.as_millis()
    ));
    r.note(format!(
        "meanwhile {streams} other clients were connected: {orgs} taxi services × {PER_ORG} \
         dispatchers × {DEVICES} devices, each device with its own GET /events stream, pulling \
         GET /changes on every poke ({} pokes, {} pulls, {} errors in the crowd)",
        crowd.pokes.load(Ordering::SeqCst),
        crowd.pulls.load(Ordering::SeqCst),
        crowd.errors.load(Ordering::SeqCst),
    ));
    r.note(
        "path: server commit (ticket, incident, page) → SSE poke → the agent's engine wakes → \
         GET /changes → Cache::apply → notification policy → event",
    );
    r.note(format!(
        "loopback, one release server, the agent's client and the crowd on this machine ({} \
         cores, shared with other work; load average {load_before} before, {load_after} after; \
         {cpu})",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    r.detail("latency", s);
    r.detail("samples", lat.len());
    r.detail("other_clients", streams);
    r.detail("organizations", orgs);
    r.detail("loadavg_before", load_before);
    r.detail("loadavg_after", load_after);
    r.detail("cpu", cpu);
    Ok(r)
}

/// Waits until the agent's client decides to notify about report `ticket`; answers when.
async fn paged(rx: &mut broadcast::Receiver<ClientEvent>, ticket: Uuid) -> anyhow::Result<Instant> {
    loop {
        match rx.recv().await {
            Ok(ClientEvent::Notify { notification })
                if notification.ticket_id == ticket && notification.is_critical() =>
            {
                return Ok(Instant::now());
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => bail!("the agent's event channel closed"),
        }
    }
}

/// One device of the crowd: an event stream, and a pull of everything new on every poke.
async fn stream_client(
    http: reqwest::Client,
    api: Api,
    who: Session,
    crowd: Arc<Crowd>,
    stop: CancellationToken,
) {
    let res = http
        .get(api.url("/api/v1/events"))
        .bearer_auth(&who.token)
        .header("accept", "text/event-stream")
        .send()
        .await;
    let res = match res {
        Ok(r) if r.status().is_success() => r,
        _ => {
            crowd.errors.fetch_add(1, Ordering::SeqCst);
            return;
        }
    };
    crowd.connected.fetch_add(1, Ordering::SeqCst);
    let mut cursor = 0i64;
    let mut parser = SseParser::default();
    let mut body = res.bytes_stream();
    loop {
        let chunk = tokio::select! {
            _ = stop.cancelled() => break,
            c = body.next() => c,
        };
        let Some(Ok(chunk)) = chunk else {
            crowd.errors.fetch_add(1, Ordering::SeqCst);
            break;
        };
        for ev in parser.push(&chunk) {
            if ev.event != "poke" {
                continue;
            }
            crowd.pokes.fetch_add(1, Ordering::SeqCst);
            let head = serde_json::from_str::<Poke>(&ev.data).map_or(i64::MAX, |p| p.seq);
            while cursor < head {
                let page: anyhow::Result<ChangesPage> = api
                    .get_json(&who, &format!("/api/v1/changes?after={cursor}&limit=1000"))
                    .await;
                crowd.pulls.fetch_add(1, Ordering::SeqCst);
                match page {
                    Ok(p) => {
                        cursor = p.next;
                        if !p.has_more {
                            break;
                        }
                    }
                    Err(_) => {
                        crowd.errors.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                }
            }
        }
    }
    crowd.connected.fetch_sub(1, Ordering::SeqCst);
}

/// Both this process and the server (its child) hold one descriptor per stream.
fn check_open_files(streams: usize) -> anyhow::Result<()> {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse::<usize>().ok());
    match soft {
        Some(n) if n < streams * 2 + 256 => bail!(
            "this process may open only {n} files, too few for {streams} connections: raise the \
             limit first (`ulimit -n 65536`; scripts/bench.sh does it)"
        ),
        _ => Ok(()),
    }
}
