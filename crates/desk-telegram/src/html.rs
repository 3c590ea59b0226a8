//! Escaping for `parse_mode = HTML`. Telegram parses `<`, `>` and `&` in text (and `"` inside
//! attribute values) as markup, so text from a customer or a specialist goes through [`escape`]
//! before it is put into a message; otherwise a «<» in a complaint makes `sendMessage` fail with
//! "can't parse entities".

/// Text safe anywhere in an HTML message: between tags and inside a quoted attribute value.
/// Uses only the four named entities Telegram knows (`&lt;`, `&gt;`, `&amp;`, `&quot;`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The characters `escape(c)` puts in a message for `c`, in UTF-16 code units as Telegram
/// counts message length.
pub(crate) fn escaped_units(c: char) -> usize {
    match c {
        '<' | '>' => 4,
        '&' => 5,
        '"' => 6,
        c => c.len_utf16(),
    }
}

/// `<b>text</b>` with `text` escaped.
pub fn bold(text: &str) -> String {
    format!("<b>{}</b>", escape(text))
}

/// `<i>text</i>` with `text` escaped.
pub fn italic(text: &str) -> String {
    format!("<i>{}</i>", escape(text))
}

/// A link; both the address and the text are escaped.
pub fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", escape(href), escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            escape("a<b & c>d \"e\" 'f'"),
            "a&lt;b &amp; c&gt;d &quot;e&quot; 'f'"
        );
        assert_eq!(
            escape("&amp;"),
            "&amp;amp;",
            "already-escaped text is escaped again"
        );
        assert_eq!(escape("Таксі «Ластівка» 🚕"), "Таксі «Ластівка» 🚕");
    }

    #[test]
    fn attribute_quotes_cannot_end_the_attribute() {
        assert_eq!(
            link("https://x.example/?a=1&b=\"2\"", "<click>"),
            "<a href=\"https://x.example/?a=1&amp;b=&quot;2&quot;\">&lt;click&gt;</a>"
        );
        assert_eq!(bold("1 < 2"), "<b>1 &lt; 2</b>");
        assert_eq!(italic("a&b"), "<i>a&amp;b</i>");
    }

    #[test]
    fn escaped_units_match_escape() {
        for c in ['<', '>', '&', '"', 'a', 'ї', '🚕'] {
            let s = c.to_string();
            assert_eq!(escaped_units(c), escape(&s).encode_utf16().count(), "{c}");
        }
    }
}
