//! Telegram's HTML check: the tags it knows, balanced; the entities it knows. Answers the
//! visible length in UTF-16 units.

const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "tg-emoji",
    "blockquote",
];

pub(super) fn check_html(t: &str) -> Result<usize, String> {
    let mut open: Vec<String> = Vec::new();
    let mut visible = 0;
    let mut rest = t;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or_else(|| {
                    format!("unclosed start tag at byte offset {}", t.len() - rest.len())
                })?;
                let inner = &rest[1..end];
                if let Some(name) = inner.strip_prefix('/') {
                    if open.pop().as_deref() != Some(name.trim()) {
                        return Err(format!("unexpected end tag \"{name}\""));
                    }
                } else {
                    let name = inner.split_whitespace().next().unwrap_or("");
                    if !TAGS.contains(&name) {
                        return Err(format!("unsupported start tag \"{name}\""));
                    }
                    open.push(name.to_owned());
                }
                rest = &rest[end + 1..];
            }
            '>' => return Err("character '>' is reserved".into()),
            '&' => {
                let end = rest.find(';').filter(|e| *e <= 10);
                let entity = end.map(|e| &rest[1..e]);
                let known = entity.is_some_and(|e| {
                    matches!(e, "lt" | "gt" | "amp" | "quot")
                        || e.strip_prefix('#').is_some_and(|n| {
                            n.strip_prefix('x').map_or_else(
                                || n.parse::<u32>().is_ok(),
                                |h| u32::from_str_radix(h, 16).is_ok(),
                            )
                        })
                });
                match (known, end) {
                    (true, Some(e)) => {
                        visible += 1;
                        rest = &rest[e + 1..];
                    }
                    _ => return Err("character '&' must be escaped as &amp;".into()),
                }
            }
            c => {
                visible += c.len_utf16();
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(tag) = open.pop() {
        return Err(format!(
            "can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(visible)
}
