//! Load driver: a fixed number of requests spread over a fixed number of concurrent workers,
//! each request timed, stopping early at a deadline so every run stays bounded.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::stats::micros;

/// What a run produced: the latency of every request that succeeded, their results, and the
/// failures.
pub struct Outcome<T> {
    pub latencies_us: Vec<u64>,
    pub ok: Vec<T>,
    pub errors: usize,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// The deadline came before all requests were sent.
    pub cut_short: bool,
}

impl<T> Outcome<T> {
    /// Successful requests per second over the whole run.
    pub fn rate(&self) -> f64 {
        self.ok.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `f(0..total)` with `concurrency` requests in flight; no new request starts after
/// `deadline` has passed.
pub async fn run<T, F, Fut>(
    concurrency: usize,
    total: usize,
    deadline: Duration,
    f: F,
) -> anyhow::Result<Outcome<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<T>> + Send,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let stop_at = start + deadline;
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.max(1) {
        let (f, next) = (f.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut ok = Vec::new();
            let mut errors = 0usize;
            let mut first_error = None;
            let mut cut_short = false;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                if Instant::now() >= stop_at {
                    cut_short = true;
                    break;
                }
                let t0 = Instant::now();
                match f(i).await {
                    Ok(v) => {
                        lat.push(micros(t0.elapsed()));
                        ok.push(v);
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            (lat, ok, errors, first_error, cut_short)
        }));
    }
    let mut out = Outcome {
        latencies_us: Vec::with_capacity(total),
        ok: Vec::with_capacity(total),
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        cut_short: false,
    };
    for w in workers {
        let (lat, ok, errors, first_error, cut_short) = w.await?;
        out.latencies_us.extend(lat);
        out.ok.extend(ok);
        out.errors += errors;
        if out.first_error.is_none() {
            out.first_error = first_error;
        }
        out.cut_short |= cut_short;
    }
    out.elapsed = start.elapsed();
    Ok(out)
}
