//! Latency samples and their percentiles (nearest rank over the exact, sorted samples).

use std::time::Duration;

use serde::Serialize;

/// Percentiles of one measurement, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub count: usize,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Summarises latencies given in microseconds. An empty set summarises to zeros.
pub fn summarize(samples_us: &[u64]) -> Summary {
    let mut s = samples_us.to_vec();
    s.sort_unstable();
    let ms = |us: u64| us as f64 / 1000.0;
    let sum: u64 = s.iter().sum();
    Summary {
        count: s.len(),
        mean_ms: if s.is_empty() {
            0.0
        } else {
            ms(sum) / s.len() as f64
        },
        p50_ms: ms(percentile(&s, 50.0)),
        p95_ms: ms(percentile(&s, 95.0)),
        p99_ms: ms(percentile(&s, 99.0)),
        max_ms: ms(s.last().copied().unwrap_or(0)),
    }
}

/// Nearest-rank percentile of sorted samples: the smallest sample with at least `p`% at or
/// below it.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Microseconds of a duration, saturating.
pub fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=100).map(|x| x * 1000).collect();
        let s = summarize(&v);
        assert_eq!(s.count, 100);
        assert_eq!(s.p50_ms, 50.0);
        assert_eq!(s.p95_ms, 95.0);
        assert_eq!(s.p99_ms, 99.0);
        assert_eq!(s.max_ms, 100.0);
        assert_eq!(summarize(&[]).p99_ms, 0.0);
        assert_eq!(summarize(&[7000]).p50_ms, 7.0);
    }
}
