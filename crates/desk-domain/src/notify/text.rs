//! The words of notifications: Ukrainian or English, long texts cut to an excerpt.

use crate::OutageKind;

pub(super) fn excerpt(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

pub(super) fn text(lang: &str, uk: String, en: String) -> String {
    if lang.starts_with("en") { en } else { uk }
}

/// What a report of `kind` is called until the server answers (the provisional ticket's
/// subject), in the app's language.
pub fn outage_title(kind: OutageKind, lang: &str) -> &'static str {
    let en = lang.starts_with("en");
    match (kind, en) {
        (OutageKind::Program, false) => "Не працює диспетчерська програма",
        (OutageKind::Program, true) => "The dispatch program is down",
        (OutageKind::Telephony, false) => "Не працює телефонія",
        (OutageKind::Telephony, true) => "Telephony is down",
        (OutageKind::DriverApp, false) => "Водії не отримують замовлень",
        (OutageKind::DriverApp, true) => "Drivers do not get orders",
        (OutageKind::Other, false) => "Критичний збій",
        (OutageKind::Other, true) => "Critical outage",
    }
}
