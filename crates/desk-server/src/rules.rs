//! The ticket rules every store applies inside its write transaction: who may move a ticket to
//! which status, what a reply does to the status, and input validation. Pure, so it is tested
//! table-style here and both stores share it.

use desk_domain::{Role, TicketStatus, limits};

use crate::error::ApiError;

/// Who is acting: what the store needs to scope reads and check writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: uuid::Uuid,
    pub role: Role,
    pub organization_id: Option<uuid::Uuid>,
}

impl Viewer {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// Whether this viewer may see a ticket of `org`.
    pub fn sees_org(&self, org: uuid::Uuid) -> bool {
        self.is_staff() || self.organization_id == Some(org)
    }
}

/// The status a ticket takes when `actor` asks for `requested` while it is `current`.
pub fn status_change(
    actor: Role,
    current: TicketStatus,
    requested: TicketStatus,
    has_assignee: bool,
) -> Result<TicketStatus, ApiError> {
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
        (Closed, _) => Err(ApiError::ticket_closed()),
        _ => Err(ApiError::invalid_transition(current, requested)),
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

/// The status a ticket takes when a public message is added. Internal notes change nothing.
pub fn status_after_message(
    author: Role,
    current: TicketStatus,
    has_assignee: bool,
    internal: bool,
) -> Result<TicketStatus, ApiError> {
    if internal {
        return Ok(current);
    }
    match (author.is_staff(), current) {
        (false, TicketStatus::Closed) => Err(ApiError::ticket_closed()),
        (false, TicketStatus::Resolved) => Ok(reopened(has_assignee)),
        (false, TicketStatus::WaitingForCustomer) => Ok(TicketStatus::InProgress),
        _ => Ok(current),
    }
}

/// `resolved_at` after a status change: set when the ticket becomes done, kept while it stays
/// done (resolved → closed), cleared when it reopens.
pub fn resolved_at_after(status: TicketStatus, previous: Option<i64>, now_ms: i64) -> Option<i64> {
    if status.is_open() {
        None
    } else {
        Some(previous.unwrap_or(now_ms))
    }
}

/// Trimmed subject, or a validation error a person can act on.
pub fn subject(raw: &str) -> Result<String, ApiError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ApiError::validation(
            "Вкажіть тему звернення: кілька слів про суть проблеми.",
            "Enter a subject: a few words about the problem.",
        ));
    }
    if s.chars().count() > limits::SUBJECT_MAX_CHARS {
        return Err(ApiError::validation(
            format!(
                "Тема задовга: щонайбільше {} символів. Скоротіть її, а подробиці напишіть в описі.",
                limits::SUBJECT_MAX_CHARS
            ),
            format!(
                "The subject is too long: at most {} characters. Shorten it and put the details in the description.",
                limits::SUBJECT_MAX_CHARS
            ),
        ));
    }
    Ok(s.to_owned())
}

/// Message text with surrounding blank space removed, or a validation error.
pub fn body(raw: &str) -> Result<String, ApiError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ApiError::validation(
            "Повідомлення порожнє. Напишіть, що сталося.",
            "The message is empty. Write what happened.",
        ));
    }
    let n = s.chars().count();
    if n > limits::BODY_MAX_CHARS {
        return Err(ApiError::validation(
            format!(
                "Повідомлення задовге: {n} символів, можна щонайбільше {}. Розбийте його на кілька або додайте текст файлом.",
                limits::BODY_MAX_CHARS
            ),
            format!(
                "The message is too long: {n} characters, at most {} allowed. Split it or attach the text as a file.",
                limits::BODY_MAX_CHARS
            ),
        ));
    }
    Ok(s.to_owned())
}

/// At most [`limits::ATTACHMENTS_PER_MESSAGE`] distinct attachments.
pub fn attachment_ids(ids: &[uuid::Uuid]) -> Result<Vec<uuid::Uuid>, ApiError> {
    let mut out: Vec<uuid::Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    if out.len() > limits::ATTACHMENTS_PER_MESSAGE {
        return Err(ApiError::validation(
            format!(
                "Забагато файлів: щонайбільше {} в одному повідомленні.",
                limits::ATTACHMENTS_PER_MESSAGE
            ),
            format!(
                "Too many files: at most {} per message.",
                limits::ATTACHMENTS_PER_MESSAGE
            ),
        ));
    }
    Ok(out)
}

/// Lowercased text for case-insensitive matching of Ukrainian and English.
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus::*;

    #[test]
    fn customer_transitions() {
        let c = Role::Customer;
        let table = [
            (New, Resolved, false, Ok(Resolved)),
            (InProgress, Resolved, true, Ok(Resolved)),
            (WaitingForCustomer, Resolved, true, Ok(Resolved)),
            (Resolved, New, false, Ok(New)),
            (Resolved, New, true, Ok(InProgress)),
            (Resolved, InProgress, false, Ok(New)),
            (New, InProgress, false, Err("invalid_transition")),
            (New, Closed, false, Err("invalid_transition")),
            (Closed, New, false, Err("ticket_closed")),
            (Closed, Resolved, false, Err("ticket_closed")),
        ];
        for (cur, req, assigned, want) in table {
            let got = status_change(c, cur, req, assigned).map_err(|e| e.code.as_str());
            assert_eq!(got, want, "{cur:?} -> {req:?}");
        }
    }

    #[test]
    fn staff_may_set_any_status() {
        for cur in TicketStatus::ALL {
            for req in TicketStatus::ALL {
                assert_eq!(status_change(Role::Agent, cur, req, false).ok(), Some(req));
            }
        }
    }

    #[test]
    fn replies_move_status() {
        let c = Role::Customer;
        assert_eq!(
            status_after_message(c, Resolved, true, false).ok(),
            Some(InProgress)
        );
        assert_eq!(
            status_after_message(c, Resolved, false, false).ok(),
            Some(New)
        );
        assert_eq!(
            status_after_message(c, WaitingForCustomer, true, false).ok(),
            Some(InProgress)
        );
        assert!(status_after_message(c, Closed, true, false).is_err());
        assert_eq!(
            status_after_message(Role::Agent, Resolved, true, false).ok(),
            Some(Resolved)
        );
        assert_eq!(
            status_after_message(Role::Agent, Closed, true, true).ok(),
            Some(Closed)
        );
        assert_eq!(status_after_message(c, New, false, false).ok(), Some(New));
    }

    #[test]
    fn resolved_at_is_kept_right() {
        assert_eq!(resolved_at_after(Resolved, None, 5), Some(5));
        assert_eq!(resolved_at_after(Closed, Some(3), 5), Some(3));
        assert_eq!(resolved_at_after(InProgress, Some(3), 5), None);
    }

    #[test]
    fn text_validation() {
        assert!(subject("   ").is_err());
        assert_eq!(subject("  Не працює  ").ok().as_deref(), Some("Не працює"));
        assert!(subject(&"ї".repeat(201)).is_err());
        assert!(subject(&"ї".repeat(200)).is_ok());
        assert!(body("\n\t ").is_err());
        assert!(body(&"a".repeat(limits::BODY_MAX_CHARS + 1)).is_err());
        assert_eq!(fold("ТАКСІ Ї"), "таксі ї");
    }
}
