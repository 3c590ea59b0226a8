//! Native notifications (freedesktop, over D-Bus) for what the core's policy decided. An
//! outage page rings with critical urgency (the `urgency` hint 2 on Linux: no timeout, meant to
//! get through do-not-disturb). Clicking one (its default action) brings the window up on what
//! it is about: the incident for pages and for incident news with no report of mine, the
//! Telegram requests for an unverified report, else the ticket.

use desk_client::{Notification, NotificationKind};
use notify_rust::{Hint, Timeout, Urgency};
use tauri::{AppHandle, Emitter, Manager};

pub const OPEN_TICKET: &str = "desk://open-ticket";
pub const OPEN_INCIDENT: &str = "desk://open-incident";
pub const OPEN_TELEGRAM_REQUEST: &str = "desk://open-telegram-request";

/// Where a click leads: the event to emit and its payload (an id).
fn target(n: &Notification) -> (&'static str, String) {
    if n.kind == NotificationKind::UnverifiedReport {
        // Its key is `telegram-request:<id>:<round>`; it has no ticket or incident yet.
        let rest = n.key.strip_prefix("telegram-request:").unwrap_or_default();
        let id = rest.split(':').next().unwrap_or_default();
        return (OPEN_TELEGRAM_REQUEST, id.to_owned());
    }
    match n.incident_id {
        // A page is answered on the incidents screen (acknowledge is one click there).
        Some(i) if n.kind == NotificationKind::OutagePage || n.ticket_id.is_nil() => {
            (OPEN_INCIDENT, i.to_string())
        }
        _ => (OPEN_TICKET, n.ticket_id.to_string()),
    }
}

pub fn show(app: &AppHandle, n: Notification, sound: bool, open_label: &str) {
    let app = app.clone();
    let open_label = open_label.to_owned();
    // Showing and waiting for the click block on D-Bus: a thread of its own.
    std::thread::spawn(move || {
        let critical = n.is_critical();
        let mut note = notify_rust::Notification::new();
        note.appname("Desk")
            .summary(&n.title)
            .body(&n.body)
            .icon(if critical {
                "dialog-warning"
            } else {
                "mail-message-new"
            })
            .action("default", &open_label)
            .hint(Hint::Category(if critical {
                "im.error".into()
            } else {
                "im.received".into()
            }))
            .urgency(if critical {
                Urgency::Critical
            } else {
                Urgency::Normal
            })
            .timeout(if critical {
                Timeout::Never
            } else {
                Timeout::Default
            });
        if sound {
            note.hint(Hint::SoundName(
                if critical {
                    "alarm-clock-elapsed"
                } else {
                    "message-new-instant"
                }
                .into(),
            ));
        } else {
            note.hint(Hint::SuppressSound(true));
        }
        let (event, id) = target(&n);
        match note.show() {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.unminimize();
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                    let _ = app.emit(event, id.clone());
                }
            }),
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_client::NotificationUrgency;
    use uuid::Uuid;

    fn note(kind: NotificationKind, ticket: Uuid, incident: Option<Uuid>) -> Notification {
        Notification {
            key: "k".into(),
            kind,
            ticket_id: ticket,
            ticket_number: 7,
            title: "t".into(),
            body: "b".into(),
            urgency: NotificationUrgency::Normal,
            incident_id: incident,
        }
    }

    #[test]
    fn a_click_opens_the_incident_for_pages_and_ticketless_news_else_the_ticket() {
        let (t, i) = (Uuid::now_v7(), Uuid::now_v7());
        let page = note(NotificationKind::OutagePage, t, Some(i));
        assert_eq!(target(&page), (OPEN_INCIDENT, i.to_string()));
        let news = note(NotificationKind::IncidentUpdate, Uuid::nil(), Some(i));
        assert_eq!(target(&news), (OPEN_INCIDENT, i.to_string()));
        let mine = note(NotificationKind::IncidentResolved, t, Some(i));
        assert_eq!(target(&mine), (OPEN_TICKET, t.to_string()));
        let reply = note(NotificationKind::SupportReplied, t, None);
        assert_eq!(target(&reply), (OPEN_TICKET, t.to_string()));
        let mut unverified = note(NotificationKind::UnverifiedReport, Uuid::nil(), None);
        unverified.key = format!("telegram-request:{i}:2");
        assert_eq!(target(&unverified), (OPEN_TELEGRAM_REQUEST, i.to_string()));
    }

    #[test]
    fn critical_urgency_rings_critical() {
        let mut n = note(NotificationKind::OutagePage, Uuid::now_v7(), None);
        assert!(!n.is_critical());
        n.urgency = NotificationUrgency::Critical;
        assert!(n.is_critical());
    }
}
