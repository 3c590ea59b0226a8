//! What the alert bot says, in Ukrainian first and in English for a Telegram client set to
//! English. HTML for `parse_mode = HTML`: whatever came from people is escaped.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use desk_core::services::{AlertOutcome, FiledReport};
use desk_domain::{Incident, IncidentEvent, IncidentEventKind, OutageKind};

use crate::html::{bold, escape};

/// The kinds a dispatcher picks from, in the help page's order, with their commands.
pub const KINDS: [(OutageKind, &str); 4] = [
    (OutageKind::Program, "program"),
    (OutageKind::Telephony, "telephony"),
    (OutageKind::DriverApp, "drivers"),
    (OutageKind::Other, "other"),
];

/// The kind a command names (`/telephony`…).
pub fn kind_of_command(command: &str) -> Option<OutageKind> {
    KINDS
        .iter()
        .find(|(_, c)| c.eq_ignore_ascii_case(command))
        .map(|(k, _)| *k)
}

/// A button's label.
pub fn kind_label(kind: OutageKind, en: bool) -> &'static str {
    match (kind, en) {
        (OutageKind::Program, false) => "Програма",
        (OutageKind::Program, true) => "The program",
        (OutageKind::Telephony, false) => "Телефонія",
        (OutageKind::Telephony, true) => "Telephony",
        (OutageKind::DriverApp, false) => "Водії не отримують замовлення",
        (OutageKind::DriverApp, true) => "Drivers get no orders",
        (OutageKind::Other, false) => "Інше",
        (OutageKind::Other, true) => "Something else",
    }
}

pub fn ask_kind(en: bool) -> String {
    if en {
        "What is down? Pick one and the on-duty specialist is alerted at once.".into()
    } else {
        "Що саме не працює? Оберіть кнопкою — і черговий спеціаліст одразу отримає сигнал.".into()
    }
}

/// A file joined the message that waits for its kind.
pub fn files_added(en: bool) -> &'static str {
    if en {
        "📎 Added to your outage message."
    } else {
        "📎 Додано до вашого повідомлення про збій."
    }
}

/// What the chat hears about its message.
pub fn outcome(o: &AlertOutcome, en: bool) -> Option<String> {
    Some(match (o, en) {
        (AlertOutcome::Filed(r), _) => filed(r, en),
        (AlertOutcome::AskKind { .. }, _) => ask_kind(en),
        (AlertOutcome::Added { number, .. }, false) => format!("✓ Додано до звернення #{number}."),
        (AlertOutcome::Added { number, .. }, true) => format!("✓ Added to report #{number}."),
        (AlertOutcome::AlreadyFiled { number }, false) => {
            format!("Це повідомлення вже передано: звернення #{number}.")
        }
        (AlertOutcome::AlreadyFiled { number }, true) => {
            format!("This message was already passed on: report #{number}.")
        }
        (AlertOutcome::NotLinked, _) => super::text::not_linked(en),
        (AlertOutcome::Refused(e), false) => escape(&e.uk),
        (AlertOutcome::Refused(e), true) => escape(&e.en),
        (AlertOutcome::AlreadyHandled, _) => return None,
    })
}

fn filed(r: &FiledReport, en: bool) -> String {
    let number = bold(&format!("#{}", r.number));
    match (r.already_known, en) {
        (true, false) => format!(
            "Про збій уже відомо, працюємо. Ваше повідомлення додано: звернення {number}.\nЯк тільки буде новина — напишемо сюди."
        ),
        (true, true) => format!(
            "We already know about this outage and are working on it. Your message is added: report {number}.\nWe will write here as soon as there is news."
        ),
        (false, false) => format!(
            "Прийнято: звернення {number} — {}.\nСигнал передано черговому спеціалісту; як тільки він візьметься, напишемо сюди. Подробиці можна дописати відповіддю на це повідомлення.",
            escape(&r.title)
        ),
        (false, true) => format!(
            "Received: report {number} — {}.\nThe on-duty specialist is alerted; we will write here when they take it. Reply to this message to add details.",
            escape(&r.title)
        ),
    }
}

/// What the linked alert chat hears when it writes something the bot cannot file.
pub fn help(en: bool) -> String {
    if en {
        "Write here when something is down, at any hour: what happened and since when, then pick what is down. A screenshot or a file helps too: it is attached to the report. Or send a command: /program — the dispatch program, /telephony — telephony, /drivers — drivers get no orders, /other — something else.\nWhen a specialist takes the outage, every update and when it is fixed arrive here.".into()
    } else {
        "Пишіть сюди, коли щось не працює, хоч уночі: що сталося і з якого часу, а потім оберіть, що саме. Фото екрана чи файл теж можна надіслати — їх додамо до звернення. Або одразу командою: /program — не працює програма, /telephony — телефонія, /drivers — водії не отримують замовлення, /other — інше.\nКоли спеціаліст візьме збій у роботу, сюди прийдуть усі новини про нього і повідомлення, що все відновлено.".into()
    }
}

fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// An incident's event as its alert chats hear it; `None` for events they do not hear of.
pub fn news(i: &Incident, e: &IncidentEvent, tz: Tz) -> Option<String> {
    let title = bold(&i.title);
    let at = local_time(e.at, tz);
    let who = escape(&e.author.name);
    Some(match e.kind {
        IncidentEventKind::Acknowledged => {
            format!("{title}\nПрийнято: {who} о {at}. Працюємо над відновленням.")
        }
        IncidentEventKind::Update => format!("{title}\n{at}, {who}: {}", escape(&e.body)),
        IncidentEventKind::Resolved => {
            let body = if e.body.trim().is_empty() {
                String::new()
            } else {
                format!("\n{}", escape(&e.body))
            };
            format!("✅ {title}\nВідновлено о {at}.{body}")
        }
        IncidentEventKind::Reported | IncidentEventKind::Reopened => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_name_kinds_and_every_kind_has_a_command() {
        assert_eq!(kind_of_command("telephony"), Some(OutageKind::Telephony));
        assert_eq!(kind_of_command("Drivers"), Some(OutageKind::DriverApp));
        assert_eq!(kind_of_command("tickets"), None);
        for k in [
            OutageKind::Program,
            OutageKind::Telephony,
            OutageKind::DriverApp,
            OutageKind::Other,
        ] {
            assert!(KINDS.iter().any(|(x, _)| *x == k));
        }
    }

    #[test]
    fn local_time_is_the_service_zone() {
        let at = "2026-12-04T00:14:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(local_time(at, chrono_tz::Europe::Kyiv), "02:14");
    }
}
