//! Native notifications (freedesktop, over D-Bus) for what the core's policy decided. Clicking
//! one (its default action) brings the window up on that ticket.

use desk_client::Notification;
use notify_rust::{Hint, Timeout, Urgency};
use tauri::{AppHandle, Emitter, Manager};

pub const OPEN_TICKET: &str = "desk://open-ticket";

pub fn show(app: &AppHandle, n: Notification, sound: bool, open_label: &str) {
    let app = app.clone();
    let open_label = open_label.to_owned();
    // Showing and waiting for the click block on D-Bus: a thread of its own.
    std::thread::spawn(move || {
        let mut note = notify_rust::Notification::new();
        note.appname("Desk")
            .summary(&n.title)
            .body(&n.body)
            .icon("mail-message-new")
            .action("default", &open_label)
            .hint(Hint::Category(if n.critical {
                "im.error".into()
            } else {
                "im.received".into()
            }))
            .urgency(if n.critical {
                Urgency::Critical
            } else {
                Urgency::Normal
            })
            .timeout(if n.critical {
                Timeout::Never
            } else {
                Timeout::Default
            });
        if sound {
            note.hint(Hint::SoundName("message-new-instant".into()));
        } else {
            note.hint(Hint::SuppressSound(true));
        }
        match note.show() {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.unminimize();
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                    let _ = app.emit(OPEN_TICKET, n.ticket_id.to_string());
                }
            }),
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
        }
    });
}
