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

/// Words every service's name may carry that name no service in particular.
const GENERIC_NAME_WORDS: [&str; 8] = [
    "таксі",
    "taxi",
    "такси",
    "служба",
    "service",
    "тов",
    "фоп",
    "llc",
];

/// The words of a name or a message: lower-case runs of letters and digits (an apostrophe
/// inside a Ukrainian word keeps it whole).
fn name_words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '’' | 'ʼ')))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `written` is `word` as a dispatcher may write it: the same word, or the same stem
/// with another ending (Ukrainian declines names: «Оптима», «Оптими», «в Оптимі»).
fn same_word(word: &str, written: &str) -> bool {
    if word == written {
        return true;
    }
    let (w, x): (Vec<char>, Vec<char>) = (word.chars().collect(), written.chars().collect());
    if w.len() < 4 || x.len() < 3 {
        return false;
    }
    let stem = w.len() - 1;
    x.len() >= stem
        && x[..stem] == w[..stem]
        && CASE_ENDINGS.contains(&x[stem..].iter().collect::<String>().as_str())
}

/// The endings a Ukrainian name takes in its cases (after the stem loses its last letter).
const CASE_ENDINGS: [&str; 22] = [
    "", "а", "и", "і", "у", "ю", "я", "е", "є", "ї", "о", "ою", "ею", "ій", "ої", "ом", "ем",
    "ові", "еві", "ах", "ям", "ами",
];

/// How well `text` names a service called `name`: the number of its distinctive words all
/// written in `text`, or 0 when one is missing (a service named only with generic words, e.g.
/// «Таксі», is never matched).
pub fn names_service(text: &str, name: &str) -> usize {
    let written = name_words(text);
    let words: Vec<String> = name_words(name)
        .into_iter()
        .filter(|w| !GENERIC_NAME_WORDS.contains(&w.as_str()))
        .collect();
    if words.is_empty() {
        return 0;
    }
    let all = words
        .iter()
        .all(|w| written.iter().any(|x| same_word(w, x)));
    if all { words.len() } else { 0 }
}

/// The one service `text` names among `services` (id, name): the best match, or `None` when
/// none matches or two match equally well (then an agent decides).
pub fn named_service<'a, I>(text: &str, services: I) -> Option<uuid::Uuid>
where
    I: IntoIterator<Item = (uuid::Uuid, &'a str)>,
{
    let mut best: Option<(usize, uuid::Uuid)> = None;
    let mut tied = false;
    for (id, name) in services {
        let score = names_service(text, name);
        if score == 0 {
            continue;
        }
        match best {
            Some((b, _)) if score < b => {}
            Some((b, _)) if score == b => tied = true,
            _ => {
                best = Some((score, id));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(_, id)| id)
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

    #[test]
    fn a_message_names_a_service_in_any_case_and_declension() {
        assert_eq!(
            names_service("Таксі Оптима, не працює телефонія", "Таксі «Оптима»"),
            1
        );
        assert_eq!(names_service("це оптими диспетчер", "Таксі Оптима"), 1);
        assert_eq!(names_service("служба Лідер-Авто", "Лідер Авто"), 2);
        assert_eq!(names_service("таксі не працює", "Таксі"), 0);
        assert_eq!(names_service("Оптимус", "Оптима"), 0);
        assert_eq!(names_service("лідер", "Лідер Авто"), 0);
    }

    #[test]
    fn only_one_service_is_ever_suggested() {
        let (a, b, c) = (
            uuid::Uuid::from_u128(1),
            uuid::Uuid::from_u128(2),
            uuid::Uuid::from_u128(3),
        );
        let services = [(a, "Таксі Оптима"), (b, "Лідер"), (c, "Лідер Авто")];
        assert_eq!(named_service("оптима: впала програма", services), Some(a));
        assert_eq!(named_service("Лідер Авто", services), Some(c));
        assert_eq!(named_service("лідер", services), Some(b));
        assert_eq!(named_service("доброго вечора", services), None);
        let twins = [(a, "Оптима"), (b, "Таксі Оптима")];
        assert_eq!(named_service("оптима", twins), None);
    }
}
