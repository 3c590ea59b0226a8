//! Paging: a report that opens (or reopens) an incident pages the agents on duty — everyone
//! when nobody is — and while it stays unacknowledged every agent is paged again each
//! `repage` interval. The state (last page, round) is stored, so a restart carries on where it
//! stopped; the server's background task only decides when to call [`Core::repage_due`].

use tracing::instrument;
use uuid::Uuid;

use crate::Core;
use crate::error::Result;
use crate::storage::{Audience, Entity, PageInsert, Tx};

/// Characters of the report a page carries for the notification's text.
const SUMMARY_CHARS: usize = 140;

/// What one re-paging pass did, and when the next page falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepageOutcome {
    pub paged: usize,
    /// Milliseconds since the epoch; `None` when no open incident waits for acknowledgement.
    pub next_due_ms: Option<i64>,
}

/// Pages for `ticket_id`'s incident: round 1 to the agents on duty (everyone when nobody is),
/// later rounds to every agent.
pub(crate) async fn page(
    tx: &mut dyn Tx,
    incident_id: Uuid,
    ticket_id: Uuid,
    round: i64,
    at_ms: i64,
) -> Result<()> {
    let recipients = if round <= 1 {
        tx.on_duty_agents().await?
    } else {
        Vec::new()
    };
    let first = tx.first_public_body(ticket_id).await?.unwrap_or_default();
    let mut summary: String = first.chars().take(SUMMARY_CHARS).collect();
    if first.chars().count() > SUMMARY_CHARS {
        summary.push('…');
    }
    let id = Uuid::now_v7();
    tx.insert_page(&PageInsert {
        id,
        incident_id,
        ticket_id,
        round,
        all_agents: recipients.is_empty(),
        recipients,
        summary,
        at_ms,
    })
    .await?;
    if let Some(mut i) = tx.incident_row(incident_id).await? {
        i.last_paged_at_ms = Some(at_ms);
        i.page_round = round;
        tx.write_incident(&i).await?;
    }
    tx.record_changes(&[Entity::Page(id)], Audience::STAFF)
        .await
}

fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.into_iter().chain(b).min()
}

impl Core {
    /// Pages every agent again for each open, unacknowledged incident, and each unverified
    /// report nobody decided, last paged at least `repage_ms` ago.
    #[instrument(skip_all, err)]
    pub async fn repage_due(&self, repage_ms: i64) -> Result<RepageOutcome> {
        let now = self.clock.now_ms();
        // Look first on a read: most passes find nothing due and need no write.
        let incidents = self.storage.oldest_unanswered_page().await?;
        let reports = self.storage.oldest_request_page().await?;
        let next = earliest(incidents, reports).map(|t| t + repage_ms);
        if next.is_none_or(|due| due > now) {
            return Ok(RepageOutcome {
                paged: 0,
                next_due_ms: next,
            });
        }
        // Checked again inside the write, so an acknowledgement that just landed stops it.
        self.write(move |tx| {
            Box::pin(async move {
                let mut paged = 0;
                for (id, round) in tx.due_for_page(now - repage_ms).await? {
                    // After a merge the report may live in another incident now; page with the
                    // oldest report still linked here.
                    let ticket = match tx.last_paged_ticket(id).await? {
                        Some(t) => Some(t),
                        None => tx.linked_tickets(id).await?.first().map(|t| t.id),
                    };
                    let Some(ticket) = ticket else { continue };
                    page(tx, id, ticket, round + 1, now).await?;
                    paged += 1;
                }
                // Unverified reports from chats not linked: every agent again, until someone
                // attaches or dismisses it.
                for (id, round) in tx.due_request_pages(now - repage_ms).await? {
                    tx.repage_request(id, round + 1, now).await?;
                    tx.record_changes(&[Entity::TelegramRequest(id)], Audience::STAFF)
                        .await?;
                    paged += 1;
                }
                let incidents = tx.oldest_unanswered_page_in_tx().await?;
                let reports = tx.oldest_request_page_in_tx().await?;
                let next_due_ms = earliest(incidents, reports).map(|t| t + repage_ms);
                Ok(RepageOutcome { paged, next_due_ms })
            })
        })
        .await
    }
}
