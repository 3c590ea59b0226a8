//! The waiting clock kept on each ticket: how long it has waited for support in working time.
//! It runs while the ticket is new or in progress (in working hours, or around the clock for
//! urgent tickets), pauses while waiting for the customer and stops when resolved or closed.
//! Write jobs call [`status_written`] after changing a ticket's status; the status history
//! itself is kept by triggers (migration 0003), so every writer records it.

use desk_domain::calendar::waiting_runs;
use desk_domain::{TicketStatus, WaitClock};
use uuid::Uuid;

use super::rows::ts;
use super::writer::WriteCtx;
use crate::error::ApiError;
use crate::store::StoreResult;

#[derive(sqlx::FromRow)]
struct ClockRow {
    status: String,
    urgent: bool,
    wait_ms: i64,
    wait_since: i64,
    wait_running: bool,
}

/// Brings ticket `id`'s clock in line with its (just written) status at `now_ms`: a clock that
/// stops banks the working time since it last started; one that starts begins at `now_ms`.
/// Harmless to call when nothing changed.
pub async fn status_written(ctx: &mut WriteCtx, id: Uuid, now_ms: i64) -> StoreResult<()> {
    let row: Option<ClockRow> = sqlx::query_as(
        "SELECT status, urgent, wait_ms, COALESCE(wait_since, created_at) AS wait_since, \
         wait_running FROM tickets WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut ctx.conn)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let status = TicketStatus::parse(&row.status)
        .ok_or_else(|| ApiError::internal(format!("unknown status {}", row.status)))?;
    let runs = waiting_runs(status);
    if runs == row.wait_running {
        return Ok(());
    }
    let mut waited = row.wait_ms;
    if row.wait_running {
        let cal = ctx.calendar.get();
        waited += cal
            .hours
            .waited_ms(ts(row.wait_since), ts(now_ms), row.urgent);
    }
    sqlx::query("UPDATE tickets SET wait_ms = ?, wait_since = ?, wait_running = ? WHERE id = ?")
        .bind(waited)
        .bind(now_ms)
        .bind(runs)
        .bind(id)
        .execute(&mut ctx.conn)
        .await?;
    Ok(())
}

/// The clock as the wire shows it, from the ticket row's columns.
pub fn clock(status: TicketStatus, wait_ms: i64, wait_since: i64, running: bool) -> WaitClock {
    WaitClock {
        accumulated_ms: wait_ms,
        // A status written without [`status_written`] still stops the clock on screen.
        running: running && waiting_runs(status),
        since: ts(wait_since),
    }
}
