//! What follows every status write, whoever made it: the status history and the waiting clock
//! kept on each ticket — how long it has waited for support in working time. The clock runs
//! while the ticket is new or in progress (in working hours, or around the clock for urgent
//! tickets), pauses while waiting for the customer and stops when resolved or closed.

use desk_domain::TicketStatus;
use desk_domain::calendar::waiting_runs;

use crate::calendar::CalendarHandle;
use crate::clock::ts;
use crate::error::Result;
use crate::storage::{TicketState, TicketWrite, Tx};

/// Writes the ticket's new status and assignee, records the status in its history when it
/// changed, and brings its waiting clock in line: a clock that stops banks the working time
/// since it last started; one that starts begins now.
pub(crate) async fn write(
    tx: &mut dyn Tx,
    calendar: &CalendarHandle,
    before: &TicketState,
    w: &TicketWrite,
) -> Result<()> {
    tx.write_ticket(w).await?;
    if w.status == before.status {
        return Ok(());
    }
    tx.record_status(w.id, w.status, w.updated_at_ms).await?;
    clock_after(tx, calendar, w.id, before, w.status, w.updated_at_ms).await
}

async fn clock_after(
    tx: &mut dyn Tx,
    calendar: &CalendarHandle,
    id: uuid::Uuid,
    before: &TicketState,
    status: TicketStatus,
    now_ms: i64,
) -> Result<()> {
    let runs = waiting_runs(status);
    if runs == before.wait_running {
        return Ok(());
    }
    let mut waited = before.wait_ms;
    if before.wait_running {
        waited +=
            calendar
                .get()
                .hours
                .waited_ms(ts(before.wait_since_ms), ts(now_ms), before.urgent);
    }
    tx.set_wait_clock(id, waited, now_ms, runs).await
}
