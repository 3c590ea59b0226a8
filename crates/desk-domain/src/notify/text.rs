//! The words of notifications: Ukrainian or English, long texts cut to an excerpt.

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
