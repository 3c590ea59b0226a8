//! Re-paging: while an outage stays unacknowledged, every agent is paged again each
//! `outage_repage_secs`. The state (last page, round) lives in the database, so a restart carries on
//! where it stopped; this task only decides when to look again. It sleeps on the server's clock,
//! so a test that moves a manual clock past the timeout gets its page at once.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use desk_core::Core;

/// Longest sleep between looks on the system clock (a new incident is due only after the
/// timeout, so this only bounds how stale the plan can get).
const MAX_SLEEP: Duration = Duration::from_secs(30);
/// On a manual clock real time means nothing: look again this often, and whenever it moves.
const MANUAL_SLEEP: Duration = Duration::from_millis(500);
/// After a failed pass (database busy, disk full), try again after this long.
const RETRY: Duration = Duration::from_secs(5);

/// Runs until `stopping` is cancelled.
pub async fn run(core: Core, repage_secs: u64, stopping: CancellationToken) {
    let repage_ms = i64::try_from(repage_secs.max(1).saturating_mul(1000)).unwrap_or(i64::MAX);
    let clock = core.clock().clone();
    loop {
        let wait = match core.repage_due(repage_ms).await {
            Ok(outcome) => {
                if outcome.paged > 0 {
                    tracing::warn!(
                        incidents = outcome.paged,
                        "outage still unacknowledged: paged every agent again"
                    );
                }
                if clock.is_manual() {
                    MANUAL_SLEEP
                } else {
                    match outcome.next_due_ms {
                        Some(due) => {
                            let ms = u64::try_from(due - clock.now_ms()).unwrap_or(0);
                            Duration::from_millis(ms).min(MAX_SLEEP)
                        }
                        None => MAX_SLEEP,
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e.en, cause = ?e.cause, "re-paging pass failed");
                RETRY
            }
        };
        tokio::select! {
            _ = stopping.cancelled() => return,
            _ = clock.sleep(wait) => {},
        }
    }
}
