//! Input rules: what a subject, a message, a file name, an incident title or an organisation's
//! name must be, with errors a person can act on. Every entry point validates through here.

use desk_domain::{IncidentStatus, OutageKind, limits};

use crate::error::{Error, Result};

/// Trimmed subject, or a validation error a person can act on.
pub fn subject(raw: &str) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Error::validation(
            "Вкажіть тему звернення: кілька слів про суть проблеми.",
            "Enter a subject: a few words about the problem.",
        ));
    }
    if s.chars().count() > limits::SUBJECT_MAX_CHARS {
        return Err(Error::validation(
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
pub fn body(raw: &str) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Error::validation(
            "Повідомлення порожнє. Напишіть, що сталося.",
            "The message is empty. Write what happened.",
        ));
    }
    let n = s.chars().count();
    if n > limits::BODY_MAX_CHARS {
        return Err(Error::validation(
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
pub fn attachment_ids(ids: &[uuid::Uuid]) -> Result<Vec<uuid::Uuid>> {
    let mut out: Vec<uuid::Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    if out.len() > limits::ATTACHMENTS_PER_MESSAGE {
        return Err(Error::validation(
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

/// An incident's title: trimmed, or the kind's default when empty.
pub fn incident_title(raw: &str, kind: OutageKind) -> Result<String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(desk_domain::rules::outage_title(kind, "uk").to_owned());
    }
    if t.chars().count() > limits::SUBJECT_MAX_CHARS {
        return Err(Error::validation(
            format!(
                "Назва інциденту задовга: щонайбільше {} символів.",
                limits::SUBJECT_MAX_CHARS
            ),
            format!(
                "The incident title is too long: at most {} characters.",
                limits::SUBJECT_MAX_CHARS
            ),
        ));
    }
    Ok(t.to_owned())
}

/// What is down, as the person chose it: an unknown kind answers a message a person can act on
/// rather than a parser's complaint.
pub fn outage_kind(raw: &str) -> Result<OutageKind> {
    OutageKind::parse(raw.trim()).ok_or_else(|| {
        Error::validation(
            format!(
                "Невідомо, що саме не працює («{raw}»). Оберіть: диспетчерська програма, телефонія, застосунок водія або інше."
            ),
            format!(
                "Unknown outage kind “{raw}”. Choose the dispatch program, telephony, the driver app or other."
            ),
        )
    })
}

/// An incident list's `status` filter: open by default, `all` for every status.
pub fn incident_status_filter(raw: Option<&str>) -> Result<Option<IncidentStatus>> {
    match raw.map(str::trim) {
        None | Some("") | Some("open") => Ok(Some(IncidentStatus::Open)),
        Some("all") => Ok(None),
        Some(s) => IncidentStatus::parse(s).map(Some).ok_or_else(|| {
            Error::bad_request(format!(
                "unknown status filter `{s}` (use open, resolved, merged or all)"
            ))
        }),
    }
}

/// An organisation's name, trimmed.
pub fn organization_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::validation(
            "Назва організації має містити від 1 до 200 символів.",
            "An organization name must be 1 to 200 characters.",
        ));
    }
    Ok(name.to_owned())
}

/// A file name safe to store and show: last path component, no control characters.
pub fn filename(raw: &str) -> Result<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().trim_matches('.').trim();
    if cleaned.is_empty() {
        return Err(Error::validation(
            "Файл не має назви. Перейменуйте його й додайте ще раз.",
            "The file has no name. Rename it and attach it again.",
        ));
    }
    if cleaned.chars().count() > limits::FILENAME_MAX_CHARS {
        return Err(Error::validation(
            "Назва файлу задовга (понад 255 символів). Перейменуйте файл.",
            "The file name is too long (over 255 characters). Rename the file.",
        ));
    }
    Ok(cleaned.to_owned())
}

/// A `LIKE` pattern matching `text` anywhere in a folded subject (`\\` escapes).
pub fn like_pattern(text: &str) -> String {
    let escaped = fold(text)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_cleaned() {
        assert_eq!(filename("../../etc/passwd").ok().as_deref(), Some("passwd"));
        assert_eq!(
            filename("C:\\Users\\x\\Знімок екрана.png").ok().as_deref(),
            Some("Знімок екрана.png")
        );
        assert!(filename("dir/").is_err());
        assert!(filename("..").is_err());
        assert_eq!(filename("a\u{0}b\n.txt").ok().as_deref(), Some("ab.txt"));
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
