//! `client-push`: an agent's reply committed on the real server until it is applied in a
//! connected customer's cache. The customer's `Desk` pulls only when poked (its slow timer set
//! to an hour), so every pull is the SSE poke's doing. The agent posts replies over HTTP one at
//! a time; each is timed from its 2xx (committed) until the customer's
//! `ClientEvent::ModelsChanged` for that ticket has arrived and `Desk::ticket` shows the
//! message.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use desk_client::{ClientEvent, Desk, TicketQuery};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use super::device::{self, Device};
use super::{Sizes, file_tickets};
use crate::client::{self, Api};
use crate::report::{Report, Target};
use crate::server::Server;
use crate::stats::{self, micros};

const TICKETS: usize = 20;
const WARMUP: usize = 10;
const TARGET_MS: f64 = 100.0;
/// A reply not seen by then counts as lost and ends the run.
const WAIT: Duration = Duration::from_secs(10);
const GAP: Duration = Duration::from_millis(10);

pub async fn run(bin: &Path, sizes: &Sizes) -> anyhow::Result<Report> {
    let load_before = device::loadavg();
    let mut srv = Server::new(bin, &[])?;
    client::create_accounts(&srv, 1, 1).await?;
    srv.start().await?;
    let api = Api::new(&srv.base)?;
    let cast = client::sign_in(&api, 1, 1).await?;
    let customer = cast
        .customers
        .first()
        .context("no customer signed in")?
        .clone();
    let filed = file_tickets(&api, &Arc::new(vec![customer.clone()]), 0, TICKETS, 4).await?;
    let tickets: Vec<Uuid> = filed.ok.iter().map(|(_, id)| *id).collect();
    if tickets.len() != TICKETS {
        bail!("filed {} of {TICKETS} tickets", tickets.len());
    }

    let dev = Device::new()?;
    let desk = dev.sign_in(&srv.base, &customer.email).await?;
    device::synced(&desk, Duration::from_secs(60)).await?;
    let cached = desk
        .tickets(&TicketQuery {
            status: Some("all".into()),
            ..TicketQuery::default()
        })
        .await?;
    if cached.len() != TICKETS {
        bail!(
            "the customer's cache holds {} of {TICKETS} tickets",
            cached.len()
        );
    }
    let mut rx = desk.subscribe();

    eprintln!(
        "client-push: {} agent replies, one at a time ({WARMUP} untimed first)…",
        sizes.push_samples
    );
    let mut lat = Vec::with_capacity(sizes.push_samples);
    let mut before_answer = 0usize;
    let cpu = device::Cpu::start(&[srv.pid()?]);
    for i in 0..WARMUP + sizes.push_samples {
        let ticket = tickets[i % TICKETS];
        let id = Uuid::now_v7();
        while !matches!(rx.try_recv(), Err(broadcast::error::TryRecvError::Empty)) {}
        let post = async {
            api.add_message(
                &cast.agent,
                ticket,
                id,
                format!("Перевірили замовлення: водій уже в дорозі, будь ласка, зачекайте ({i})."),
            )
            .await
            .context("the agent's reply")?;
            Ok::<_, anyhow::Error>(Instant::now())
        };
        let seen = async {
            tokio::time::timeout(WAIT, applied(&desk, &mut rx, ticket, id))
                .await
                .with_context(|| {
                    format!("reply {i} did not reach the customer's cache within {WAIT:?}")
                })?
        };
        let (committed, seen) = tokio::try_join!(post, seen)?;
        if i >= WARMUP {
            if seen < committed {
                before_answer += 1;
            }
            lat.push(micros(seen.saturating_duration_since(committed)));
        }
        tokio::time::sleep(GAP).await;
    }
    let cpu = cpu.finish();
    desk.close().await;
    let load_after = device::loadavg();
    let s = stats::summarize(&lat);

    let mut r = Report::new("client-push");
    r.figure(
        "reply committed → in customer's cache p50",
        s.p50_ms,
        "ms",
        None,
    );
    r.figure(
        "reply committed → in customer's cache p95",
        s.p95_ms,
        "ms",
        Some(Target::AtMost(TARGET_MS)),
    );
    r.figure(
        "reply committed → in customer's cache p99",
        s.p99_ms,
        "ms",
        None,
    );
    r.figure(
        "reply committed → in customer's cache max",
        s.max_ms,
        "ms",
        None,
    );
    r.check(
        "every reply arrived",
        lat.len() == sizes.push_samples,
        format!(
            "{} of {} replies seen in the cache",
            lat.len(),
            sizes.push_samples
        ),
    );
    r.note(format!(
        "{} replies (after {WARMUP} untimed) by an agent over HTTP, one at a time with \
         {} ms between, spread over {TICKETS} tickets of the customer; timed from the 2xx of \
         POST /messages to the customer's ModelsChanged for the ticket plus Desk::ticket \
         showing the message (which also marks it read); {before_answer} were already in the \
         cache before the agent's 2xx was read (counted as 0 ms)",
        sizes.push_samples,
        GAP.as_millis()
    ));
    r.note(
        "path: server commit → SSE poke → the customer's engine wakes → GET /changes → \
         Cache::apply → notification policy (its first-time record is fsynced) → event",
    );
    r.note(format!(
        "loopback, one release server and the client on this machine ({} cores, shared with \
         other work; load average {load_before} before, {load_after} after; {cpu}); the \
         client's slow timer is 1 h, so only pokes trigger pulls",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    r.detail("latency", s);
    r.detail("samples", lat.len());
    r.detail("seen_before_answer", before_answer);
    r.detail("loadavg_before", load_before);
    r.detail("loadavg_after", load_after);
    r.detail("cpu", cpu);
    Ok(r)
}

/// Waits until a `ModelsChanged` naming `ticket` has arrived and the ticket's conversation
/// holds message `id`; answers when.
async fn applied(
    desk: &Desk,
    rx: &mut broadcast::Receiver<ClientEvent>,
    ticket: Uuid,
    id: Uuid,
) -> anyhow::Result<Instant> {
    loop {
        match rx.recv().await {
            Ok(ClientEvent::ModelsChanged { tickets, .. }) if tickets.contains(&ticket) => {
                let view = desk.ticket(ticket).await?;
                if view.is_some_and(|v| v.messages.iter().any(|m| m.cached.message.id == id)) {
                    return Ok(Instant::now());
                }
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => bail!("the client's event channel closed"),
        }
    }
}
