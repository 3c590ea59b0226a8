//! The scenarios, their sizes, and the helpers they share: filing tickets under load and timing
//! one GET repeated sequentially. `create`, `read` and `upload` measure the server;
//! `client_*` measure the client core (desk-client) against it and on its own.

pub mod client_incremental;
pub mod client_outage;
pub mod client_push;
pub mod client_search;
pub mod client_sync;
mod corpus;
pub mod create;
mod device;
pub mod read;
pub mod telegram;
mod telegram_alert;
pub mod upload;

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use uuid::Uuid;

use crate::client::{Api, Session, ticket_text};
use crate::load::{self, Outcome};
use crate::stats::{self, Summary};

/// How much each scenario does. The defaults are the benchmark; smaller values are for trying
/// the benchmark itself out.
#[derive(Debug, Clone, clap::Args)]
pub struct Sizes {
    /// Tickets created in the measured part of `create`.
    #[arg(long, default_value_t = 20_000)]
    pub creates: usize,
    /// Tickets created before measuring `create`.
    #[arg(long, default_value_t = 500)]
    pub create_warmup: usize,
    /// Tickets stored for the big half of `read`.
    #[arg(long, default_value_t = 100_000)]
    pub stored: usize,
    /// Tickets stored for the small half of `read` (the `changes` pull baseline).
    #[arg(long, default_value_t = 1_000)]
    pub stored_small: usize,
    /// Sequential requests timed per read measurement.
    #[arg(long, default_value_t = 3_000)]
    pub requests: usize,
    /// Sequential requests before each read measurement, not timed.
    #[arg(long, default_value_t = 300)]
    pub read_warmup: usize,
    /// Size of the uploaded file, in MiB.
    #[arg(long, default_value_t = 1024)]
    pub upload_mib: u64,
    /// Tickets on the server for `client-sync`.
    #[arg(long, default_value_t = 10_000)]
    pub sync_tickets: usize,
    /// Messages on the server for `client-sync`, the tickets' first messages included.
    #[arg(long, default_value_t = 100_000)]
    pub sync_messages: usize,
    /// Tickets cached for the small half of `client-incremental`.
    #[arg(long, default_value_t = 1_000)]
    pub cached_small: usize,
    /// Tickets cached for the big half of `client-incremental`.
    #[arg(long, default_value_t = 100_000)]
    pub cached_big: usize,
    /// Timed rounds of the in-memory 10-change apply in `client-incremental`.
    #[arg(long, default_value_t = 1_000)]
    pub incremental_reps: usize,
    /// Timed rounds of the end-to-end 10-change pull in `client-incremental`.
    #[arg(long, default_value_t = 300)]
    pub incremental_pulls: usize,
    /// Messages cached for `client-search`.
    #[arg(long, default_value_t = 1_000_000)]
    pub search_messages: usize,
    /// Timed searches per query in `client-search`.
    #[arg(long, default_value_t = 200)]
    pub searches: usize,
    /// Replies timed in `client-push`.
    #[arg(long, default_value_t = 200)]
    pub push_samples: usize,
    /// Other clients connected (event streams) during `client-outage`.
    #[arg(long, default_value_t = 1_000)]
    pub outage_clients: usize,
    /// Outage reports timed in `client-outage`.
    #[arg(long, default_value_t = 100)]
    pub outage_samples: usize,
}

/// No load phase runs longer than this; a phase that would is cut short and says so.
pub const PHASE_LIMIT: Duration = Duration::from_secs(300);
/// Timed sequential reads of one measurement stop after this long (warm-ups after a quarter),
/// so one slow endpoint cannot stretch the run; the summary's count says how many were done.
pub const READ_LIMIT: Duration = Duration::from_secs(40);

/// Files `count` tickets numbered from `first`, `concurrency` at a time, spread round-robin over
/// `customers`. Each success yields (customer index, ticket id).
pub async fn file_tickets(
    api: &Api,
    customers: &Arc<Vec<Session>>,
    first: usize,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Outcome<(usize, Uuid)>> {
    let (api, customers) = (api.clone(), customers.clone());
    load::run(concurrency, count, PHASE_LIMIT, move |i| {
        let (api, customers) = (api.clone(), customers.clone());
        async move {
            let n = first + i;
            let who = n % customers.len();
            let (subject, body) = ticket_text(n);
            let id = Uuid::now_v7();
            let t = api
                .create_ticket(&customers[who], id, subject, body)
                .await?;
            if t.id != id {
                bail!("created ticket {id} but the answer names {}", t.id);
            }
            Ok((who, id))
        }
    })
    .await
}

/// Times `requests` sequential GETs of `path` after `warmup` untimed ones (fewer if
/// `READ_LIMIT` runs out); every one must answer 2xx.
pub async fn time_get(
    api: &Api,
    s: &Session,
    path: &str,
    warmup: usize,
    requests: usize,
) -> anyhow::Result<Summary> {
    let go = |n: usize, limit: Duration| {
        let (api, s, path) = (api.clone(), s.clone(), path.to_owned());
        load::run(1, n, limit, move |_| {
            let (api, s, path) = (api.clone(), s.clone(), path.clone());
            async move { api.get_ok(&s, &path).await }
        })
    };
    go(warmup, READ_LIMIT / 4).await?;
    let out = go(requests, READ_LIMIT).await?;
    if let Some(e) = out.first_error {
        bail!("{} of {requests} GET {path} failed: {e}", out.errors);
    }
    Ok(stats::summarize(&out.latencies_us))
}
