//! Cutting a long text into messages Telegram accepts (at most 4,096 characters each, counted
//! in UTF-16 code units as Telegram counts: «ї» is one, «🚕» is two).
//!
//! Approach: a message is a fixed HTML `header` (the caller's, e.g. `<b>#1042 · Subject</b>\n`)
//! followed by plain text that is escaped here. The plain text is what gets split, so a cut can
//! never fall inside a tag or an entity, and every part is valid HTML on its own: the header is
//! repeated at the top of each part, so each part says which ticket it belongs to. Markup inside
//! the body (a specialist's bold) is not carried; Desk's bodies are plain text.
//!
//! A part's length is counted on its HTML source (tags and entities in full). Telegram counts
//! the text after parsing, which is never longer, so a part that fits here fits there; the cost
//! is that a text full of `&` is cut slightly earlier than it had to be.
//!
//! Where to cut: the last paragraph break (blank line) in the second half of the room, else the
//! last line break there, else the last space there, else as much as fits (never splitting a
//! character, and backing off so an emoji with its modifiers stays whole).

use crate::html::{escape, escaped_units};

/// Longest `sendMessage` text.
pub const MESSAGE_LIMIT: usize = 4096;
/// Longest caption of a photo or document.
pub const CAPTION_LIMIT: usize = 1024;

/// The header would leave too little room for the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the message header takes {header} of the {limit} characters a message may have; shorten \
     it (it may take at most half)"
)]
pub struct HeaderTooLong {
    pub header: usize,
    pub limit: usize,
}

/// Length as Telegram counts it.
pub fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `header_html` + escaped `body`, in as many messages of at most [`MESSAGE_LIMIT`] as needed.
pub fn split_message(header_html: &str, body: &str) -> Result<Vec<String>, HeaderTooLong> {
    split_with_limit(header_html, body, MESSAGE_LIMIT)
}

/// The same with another limit (e.g. [`CAPTION_LIMIT`]).
pub fn split_with_limit(
    header_html: &str,
    body: &str,
    limit: usize,
) -> Result<Vec<String>, HeaderTooLong> {
    let header = units(header_html);
    if header * 2 > limit {
        return Err(HeaderTooLong { header, limit });
    }
    // At least 6 units (the longest escape, `&quot;`), since limit ≥ 12 here for any useful call.
    let room = (limit - header).max(6);
    let mut parts = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let (piece, next) = cut(rest, room);
        parts.push(format!("{header_html}{}", escape(piece.trim_end())));
        rest = next.trim_start();
    }
    if parts.is_empty() && !header_html.trim().is_empty() {
        parts.push(header_html.trim_end().to_owned());
    }
    Ok(parts)
}

/// The first piece of `text` whose escaped form fits `room`, and the rest.
fn cut(text: &str, room: usize) -> (&str, &str) {
    let half = room / 2;
    let mut used = 0;
    let (mut paragraph, mut line, mut word) = (None, None, None);
    let mut overflow_at = None;
    for (i, c) in text.char_indices() {
        let u = escaped_units(c);
        if used + u > room {
            overflow_at = Some(i);
            break;
        }
        used += u;
        if used < half {
            continue;
        }
        let end = i + c.len_utf8();
        if c == '\n' {
            if text[..i].trim_end_matches('\r').ends_with('\n') {
                paragraph = Some(end);
            }
            line = Some(end);
        } else if c.is_whitespace() {
            word = Some(end);
        }
    }
    let Some(hard) = overflow_at else {
        return (text, "");
    };
    let at = paragraph
        .or(line)
        .or(word)
        .unwrap_or_else(|| keep_cluster(text, hard));
    text.split_at(at)
}

/// Moves a hard cut back before characters that join the one before them (a variation
/// selector, a skin tone, a zero-width joiner and what it joins, a combining accent), unless
/// that would leave nothing.
fn keep_cluster(text: &str, mut at: usize) -> usize {
    let joins = |c: char| matches!(c, '\u{200D}' | '\u{FE0E}' | '\u{FE0F}' | '\u{0300}'..='\u{036F}' | '\u{1F3FB}'..='\u{1F3FF}');
    let start = at;
    for _ in 0..16 {
        let next = text[at..].chars().next();
        let prev = text[..at].chars().next_back();
        let inside = next.is_some_and(joins) || prev == Some('\u{200D}');
        match prev {
            Some(p) if inside && at > p.len_utf8() => at -= p.len_utf8(),
            _ => break,
        }
    }
    if at == 0 { start } else { at }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tag closed in order and every `&` one of Telegram's entities.
    fn assert_valid_html(part: &str) {
        let mut open: Vec<String> = Vec::new();
        let mut rest = part;
        while let Some(i) = rest.find(['<', '&']) {
            assert!(!rest[..i].contains('>'), "stray > in {part:?}");
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix('&') {
                assert!(
                    ["lt;", "gt;", "amp;", "quot;"]
                        .iter()
                        .any(|e| after.starts_with(e)),
                    "bad entity in {part:?}"
                );
                rest = after;
                continue;
            }
            let end = tail
                .find('>')
                .unwrap_or_else(|| panic!("unclosed tag in {part:?}"));
            let tag = &tail[1..end];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "{part:?}");
            } else {
                open.push(tag.split(' ').next().unwrap_or("").to_owned());
            }
            rest = &tail[end + 1..];
        }
        assert!(open.is_empty(), "unclosed {open:?} in {part:?}");
        assert!(!rest.contains('>'), "stray > in {part:?}");
    }

    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    }

    /// The parts, header removed and unescaped, are the body in order, losing only whitespace
    /// at the cuts.
    fn assert_reassembles(header: &str, body: &str, parts: &[String]) {
        let mut joined = String::new();
        for p in parts {
            assert!(p.starts_with(header), "{p:?}");
            assert!(units(p) <= MESSAGE_LIMIT, "{} units", units(p));
            assert_valid_html(p);
            joined.push_str(&unescape(&p[header.len()..]));
        }
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squash(&joined), squash(body));
    }

    const HEADER: &str = "<b>#1042 · Не працює телефонія</b>\n";

    #[test]
    fn a_short_text_is_one_part() {
        let parts = split_message(HEADER, "  Перевірте, будь ласка, <SIP> & «лінію».\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            parts,
            vec![format!(
                "{HEADER}Перевірте, будь ласка, &lt;SIP&gt; &amp; «лінію»."
            )]
        );
    }

    #[test]
    fn cuts_at_a_paragraph_then_a_line_then_a_word() {
        let para = "Речення про збій. ".repeat(50); // 900 chars
        let body = [para.as_str(); 6].join("\n\n");
        let parts = split_message(HEADER, &body).unwrap_or_else(|e| panic!("{e}"));
        assert!(parts.len() >= 2);
        // Each part ends where a paragraph ended.
        for p in &parts[..parts.len() - 1] {
            assert!(p.ends_with("збій."), "{:?}", &p[p.len() - 20..]);
        }
        assert_reassembles(HEADER, &body, &parts);

        let lines = ["рядок журналу 0123456789"; 400].join("\n");
        let parts = split_message(HEADER, &lines).unwrap_or_else(|e| panic!("{e}"));
        assert!(parts.len() >= 3);
        for p in &parts[..parts.len() - 1] {
            assert!(p.ends_with("0123456789"));
        }
        assert_reassembles(HEADER, &lines, &parts);

        let words = "слово ".repeat(2000);
        let parts = split_message(HEADER, &words).unwrap_or_else(|e| panic!("{e}"));
        for p in &parts {
            assert!(p.ends_with("слово"), "cut inside a word");
        }
        assert_reassembles(HEADER, &words, &parts);
    }

    #[test]
    fn counts_utf16_units_like_telegram() {
        // 3,000 taxis are 6,000 units: two parts, not one.
        let body = "🚕".repeat(3000);
        let parts = split_message("", &body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parts.len(), 2);
        assert_eq!(units(&parts[0]), MESSAGE_LIMIT);
        assert_reassembles("", &body, &parts);
        // 4,096 Cyrillic letters fit exactly in one.
        let body = "ї".repeat(4096);
        assert_eq!(split_message("", &body).map(|p| p.len()), Ok(1));
    }

    #[test]
    fn never_cuts_inside_an_entity() {
        let body = "&<>\"".repeat(1500);
        let parts = split_message(HEADER, &body).unwrap_or_else(|e| panic!("{e}"));
        assert!(parts.len() >= 6);
        assert_reassembles(HEADER, &body, &parts);
    }

    #[test]
    fn keeps_an_emoji_with_its_modifiers() {
        // 👍🏽 is two code points (4 units); a hard cut must not separate the tone.
        // The leading «a» puts the hard cut between 👍 and its tone.
        let body = format!("a{}", "👍🏽".repeat(1500));
        let parts = split_message("", &body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parts.len(), 2);
        assert!(parts[1].starts_with('👍'), "split a cluster");
        assert!(
            parts.iter().all(|p| p.ends_with('\u{1F3FD}')),
            "split a cluster"
        );
        assert_reassembles("", &body, &parts);
    }

    #[test]
    fn a_header_too_long_is_refused_and_empty_bodies_keep_the_header() {
        let long = "x".repeat(3000);
        assert_eq!(
            split_message(&long, "text"),
            Err(HeaderTooLong {
                header: 3000,
                limit: MESSAGE_LIMIT
            })
        );
        assert_eq!(
            split_message(HEADER, " \n "),
            Ok(vec![HEADER.trim_end().to_owned()])
        );
        assert_eq!(split_message("", ""), Ok(vec![]));
        let caption = split_with_limit("", &"a ".repeat(800), CAPTION_LIMIT)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(caption.iter().all(|c| units(c) <= CAPTION_LIMIT) && caption.len() == 2);
    }
}
