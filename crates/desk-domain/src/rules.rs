//! The ticket rules every part applies the same way: who may move a ticket to which status,
//! what a reply does to it, when `resolved_at` is set, and what an outage report is called. Pure,
//! so the server's services, the client's optimistic projections and the UI's test answers
//! (generated from here) cannot drift apart. Tested table-style.

use crate::{ErrorCode, OutageKind, Role, TicketStatus};

/// Why a status change or a reply is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusRefusal {
    /// The ticket is closed: it takes no more replies and is not reopened (file a new one).
    Closed,
    /// This role may not move a ticket from `from` to `to`.
    NotAllowed {
        from: TicketStatus,
        to: TicketStatus,
    },
}

impl StatusRefusal {
    /// The code the server answers the refusal with.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::Closed => ErrorCode::TicketClosed,
            Self::NotAllowed { .. } => ErrorCode::InvalidTransition,
        }
    }
}

/// The status a ticket takes when `actor` asks for `requested` while it is `current`.
pub fn status_change(
    actor: Role,
    current: TicketStatus,
    requested: TicketStatus,
    has_assignee: bool,
) -> Result<TicketStatus, StatusRefusal> {
    use TicketStatus::*;
    if current == requested {
        return Ok(current);
    }
    if actor.is_staff() {
        return Ok(requested);
    }
    // Customers may resolve their open ticket and reopen a resolved one; closing and the
    // working states belong to support.
    match (current, requested) {
        (c, Resolved) if c.is_open() => Ok(Resolved),
        (Resolved, r) if r.is_open() => Ok(reopened(has_assignee)),
        (Closed, _) => Err(StatusRefusal::Closed),
        _ => Err(StatusRefusal::NotAllowed {
            from: current,
            to: requested,
        }),
    }
}

/// Status after a reopen: back to whoever had it, or to the queue.
pub fn reopened(has_assignee: bool) -> TicketStatus {
    if has_assignee {
        TicketStatus::InProgress
    } else {
        TicketStatus::New
    }
}

/// The status a ticket takes when a message is added. Internal notes change nothing; a
/// customer's reply reopens a resolved ticket and answers a question support asked.
pub fn status_after_message(
    author: Role,
    current: TicketStatus,
    has_assignee: bool,
    internal: bool,
) -> Result<TicketStatus, StatusRefusal> {
    if internal {
        return Ok(current);
    }
    match (author.is_staff(), current) {
        (false, TicketStatus::Closed) => Err(StatusRefusal::Closed),
        (false, TicketStatus::Resolved) => Ok(reopened(has_assignee)),
        (false, TicketStatus::WaitingForCustomer) => Ok(TicketStatus::InProgress),
        _ => Ok(current),
    }
}

/// `resolved_at` after a status change: set when the ticket becomes done, kept while it stays
/// done (resolved → closed), cleared when it reopens. `T` is whatever time the caller keeps
/// (milliseconds in a store, a timestamp in the client's cache).
pub fn resolved_at_after<T>(status: TicketStatus, previous: Option<T>, now: T) -> Option<T> {
    if status.is_open() {
        None
    } else {
        Some(previous.unwrap_or(now))
    }
}

/// What an outage of `kind` is called: an incident's default title (shown to dispatchers of
/// many organisations, so in Ukrainian) and a report ticket's subject in its reporter's
/// language (`lang` starting with `en` for English, Ukrainian otherwise).
pub fn outage_title(kind: OutageKind, lang: &str) -> &'static str {
    match (kind, lang.starts_with("en")) {
        (OutageKind::Program, false) => "Не працює диспетчерська програма",
        (OutageKind::Program, true) => "The dispatch program is down",
        (OutageKind::Telephony, false) => "Не працює телефонія",
        (OutageKind::Telephony, true) => "Telephony is down",
        (OutageKind::DriverApp, false) => "Водії не отримують замовлень",
        (OutageKind::DriverApp, true) => "Drivers do not get orders",
        (OutageKind::Other, false) => "Критична несправність",
        (OutageKind::Other, true) => "Critical failure",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus::*;

    #[test]
    fn customer_transitions() {
        let c = Role::Customer;
        let invalid = |from, to| Err(StatusRefusal::NotAllowed { from, to });
        let table = [
            (New, Resolved, false, Ok(Resolved)),
            (InProgress, Resolved, true, Ok(Resolved)),
            (WaitingForCustomer, Resolved, true, Ok(Resolved)),
            (Resolved, New, false, Ok(New)),
            (Resolved, New, true, Ok(InProgress)),
            (Resolved, InProgress, false, Ok(New)),
            (New, InProgress, false, invalid(New, InProgress)),
            (New, Closed, false, invalid(New, Closed)),
            (Closed, New, false, Err(StatusRefusal::Closed)),
            (Closed, Resolved, false, Err(StatusRefusal::Closed)),
        ];
        for (cur, req, assigned, want) in table {
            assert_eq!(
                status_change(c, cur, req, assigned),
                want,
                "{cur:?} -> {req:?}"
            );
        }
    }

    #[test]
    fn staff_may_set_any_status() {
        for cur in TicketStatus::ALL {
            for req in TicketStatus::ALL {
                assert_eq!(status_change(Role::Agent, cur, req, false), Ok(req));
            }
        }
    }

    #[test]
    fn replies_move_status() {
        let c = Role::Customer;
        assert_eq!(
            status_after_message(c, Resolved, true, false),
            Ok(InProgress)
        );
        assert_eq!(status_after_message(c, Resolved, false, false), Ok(New));
        assert_eq!(
            status_after_message(c, WaitingForCustomer, true, false),
            Ok(InProgress)
        );
        assert_eq!(
            status_after_message(c, Closed, true, false),
            Err(StatusRefusal::Closed)
        );
        assert_eq!(
            status_after_message(Role::Agent, Resolved, true, false),
            Ok(Resolved)
        );
        assert_eq!(
            status_after_message(Role::Agent, Closed, true, true),
            Ok(Closed)
        );
        assert_eq!(status_after_message(c, New, false, false), Ok(New));
    }

    #[test]
    fn resolved_at_is_kept_right() {
        assert_eq!(resolved_at_after(Resolved, None, 5), Some(5));
        assert_eq!(resolved_at_after(Closed, Some(3), 5), Some(3));
        assert_eq!(resolved_at_after(InProgress, Some(3), 5), None);
    }

    #[test]
    fn every_outage_has_a_title_in_both_languages() {
        for kind in OutageKind::ALL {
            assert_ne!(outage_title(kind, "uk"), outage_title(kind, "en"));
            assert_eq!(outage_title(kind, ""), outage_title(kind, "uk"));
        }
    }
}
