//! Full-text search over subjects and messages: typed words expanded into indexed words,
//! candidates taken newest first, ranked with BM25, and a snippet cut around the first hit.

use sqlx::Row;

use super::{Cache, CachedTicket, SearchHit};

/// Matches of each kind (subjects, messages) taken newest first and ranked.
const CANDIDATES: i64 = 120;
/// A typed word standing for more indexed words than this is matched as a prefix by FTS5.
const MAX_EXPANSION: usize = 48;

impl Cache {
    /// Tickets whose subject or messages match `text`, best first. Every word matches as a
    /// prefix (`дисп` finds `диспетчер`), case and diacritics ignored. A typed word is first
    /// expanded into the indexed words it begins (`search_vocab`), so the index is walked
    /// newest first and stops after the newest 120 matches of each kind, however common the
    /// words; those are ranked (BM25 over their text, subjects weighing double) and snippets
    /// cut only for the hits returned.
    pub async fn search(&self, text: &str, limit: u32) -> anyhow::Result<Vec<SearchHit>> {
        // A ticket number (`1042` or `#1042`) finds that ticket first.
        let mut hits = Vec::new();
        if let Ok(n) = text.trim().trim_start_matches('#').parse::<i64>() {
            let row = sqlx::query(
                "SELECT data, provisional, (read_at IS NULL OR read_at < last_message_at) AS unread \
                 FROM tickets WHERE number = ?1 AND number > 0",
            )
            .bind(n)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(r) = row {
                let ticket = Self::cached_ticket(&r)?;
                let snippet = format!("#{n} {}", ticket.ticket.subject);
                hits.push(SearchHit { ticket, snippet });
            }
        }
        let words = query_words(text);
        if words.is_empty() {
            return Ok(hits);
        }
        // After a first sync the index is built in bulk; a search that comes first builds it.
        self.build_search_index().await?;
        let mut conn = self.pool.acquire().await?;
        let mut parts = Vec::with_capacity(words.len());
        for w in &words {
            match word_query(&mut conn, w).await? {
                Some(q) => parts.push(q),
                // No indexed word begins so: nothing can match.
                None => return Ok(hits),
            }
        }
        let query = parts.join(" AND ");
        let messages = candidates(
            &mut conn,
            "SELECT m.ticket_id, json_extract(m.data, '$.body') FROM \
               (SELECT rowid AS r FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f \
             JOIN messages m ON m.rowid = f.r",
            &query,
        )
        .await?;
        let subjects = candidates(
            &mut conn,
            "SELECT t.id, t.subject FROM \
               (SELECT rowid AS r FROM tickets_fts WHERE tickets_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f \
             JOIN tickets t ON t.rowid = f.r",
            &query,
        )
        .await?;

        // Best source per ticket, best first.
        let folded: Vec<Vec<char>> = words.iter().map(|w| w.chars().collect()).collect();
        let mut best: std::collections::HashMap<String, (f64, String)> =
            std::collections::HashMap::new();
        for (rows, weight) in [(messages, 1.0), (subjects, 2.0)] {
            for (tid, score, source) in rank(rows, &folded, weight) {
                let e = best.entry(tid).or_insert((f64::MIN, String::new()));
                if score > e.0 {
                    *e = (score, source);
                }
            }
        }
        let mut order: Vec<(String, (f64, String))> = best.into_iter().collect();
        order.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
        order.truncate(limit as usize);
        let ids = serde_json::to_string(&order.iter().map(|(id, _)| id).collect::<Vec<_>>())?;
        let rows = sqlx::query(
            "SELECT id, data, provisional, (read_at IS NULL OR read_at < last_message_at) AS unread \
             FROM tickets WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
        let mut by_id: std::collections::HashMap<String, CachedTicket> =
            std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            by_id.insert(r.try_get("id")?, Self::cached_ticket(r)?);
        }
        for (id, (_, source)) in order {
            let Some(ticket) = by_id.remove(&id) else {
                continue;
            };
            if hits
                .iter()
                .any(|h: &SearchHit| h.ticket.ticket.id == ticket.ticket.id)
            {
                continue;
            }
            hits.push(SearchHit {
                ticket,
                snippet: snippet(&source, &folded),
            });
        }
        Ok(hits)
    }
}

/// The newest matches of `query` in one index (`sql` binds it and the limit), as `(ticket id,
/// text)`.
async fn candidates(
    conn: &mut sqlx::SqliteConnection,
    sql: &'static str,
    query: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(sql)
        .bind(query)
        .bind(CANDIDATES)
        .fetch_all(conn)
        .await?)
}

/// The part of `text` around the first word starting with one of `words` (lowercased), that
/// word between `[` and `]`; the text's start when none is found (a diacritics-only match).
pub fn snippet(text: &str, words: &[Vec<char>]) -> String {
    let chars: Vec<char> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let found = (0..lower.len()).find(|&i| {
        let at_word_start = i == 0 || !lower[i - 1].is_alphanumeric();
        at_word_start
            && words
                .iter()
                .any(|w| !w.is_empty() && lower[i..].starts_with(w))
    });
    let Some(i) = found else {
        let head: String = chars.iter().take(120).collect();
        return if chars.len() > 120 {
            format!("{head}…")
        } else {
            head
        };
    };
    let mut end_word = i;
    while end_word < chars.len() && chars[end_word].is_alphanumeric() {
        end_word += 1;
    }
    let start = i.saturating_sub(40);
    let end = (end_word + 80).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..i]);
    out.push('[');
    out.extend(&chars[i..end_word]);
    out.push(']');
    out.extend(&chars[end_word..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// The words of what a person typed, lowercased (at most 8).
pub fn query_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

/// Characters whose lowercase form is exactly what the index's tokenizer (`unicode61
/// remove_diacritics 2`) makes of them: ASCII letters and digits, and Cyrillic letters (no
/// diacritics are removed from those). A word of only these can be looked up in the index's
/// vocabulary as typed; any other is left to FTS5's own prefix matching.
pub(super) fn folds_as_typed(c: char) -> bool {
    c.is_ascii_alphanumeric() || (('\u{0400}'..='\u{04FF}').contains(&c) && c.is_alphabetic())
}

/// The FTS5 query for one typed word (lowercased), matching every indexed word it begins:
/// the words themselves when there are few (found in `search_vocab`; each is then walked
/// newest first, stopping early), else the prefix. `None`: no indexed word begins so.
async fn word_query(
    conn: &mut sqlx::SqliteConnection,
    word: &str,
) -> anyhow::Result<Option<String>> {
    let prefix = format!("\"{}\"*", word.replace('"', ""));
    // Two and three letters have prefix indexes of their own.
    if word.chars().count() <= 3 || !word.chars().all(folds_as_typed) {
        return Ok(Some(prefix));
    }
    let terms: Vec<String> =
        sqlx::query_scalar("SELECT term FROM search_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3")
            .bind(word)
            .bind(format!("{word}\u{10FFFF}"))
            .bind(MAX_EXPANSION as i64 + 1)
            .fetch_all(&mut *conn)
            .await?;
    Ok(match terms.len() {
        0 => None,
        n if n > MAX_EXPANSION => Some(prefix),
        _ => Some(format!(
            "({})",
            terms
                .iter()
                .map(|t| format!("\"{}\"", t.replace('"', "")))
                .collect::<Vec<_>>()
                .join(" OR ")
        )),
    })
}

/// Lowercase, with the marks of Latin letters dropped (as the index's tokenizer does).
pub(super) fn fold(c: char) -> char {
    let c = c.to_lowercase().next().unwrap_or(c);
    const FROM: &str =
        "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž";
    const TO: &str =
        "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz";
    match FROM.chars().position(|f| f == c) {
        Some(i) => TO.chars().nth(i).unwrap_or(c),
        None => c,
    }
}

/// BM25 (k1 = 1.2, b = 0.75) of each candidate `(ticket id, text)` for `words` (each matching
/// as a prefix of a word of the text), times `weight`; every candidate holds every word, so
/// each counts alike. Answers `(ticket id, score, text)`.
pub(super) fn rank(
    rows: Vec<(String, String)>,
    words: &[Vec<char>],
    weight: f64,
) -> Vec<(String, f64, String)> {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let counted: Vec<(Vec<usize>, usize)> = rows
        .iter()
        .map(|(_, text)| {
            let mut tf = vec![0usize; words.len()];
            let mut len = 0;
            for token in text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
            {
                len += 1;
                let token: Vec<char> = token.chars().map(fold).collect();
                for (i, w) in words.iter().enumerate() {
                    if token.starts_with(w) {
                        tf[i] += 1;
                    }
                }
            }
            (tf, len)
        })
        .collect();
    let avg = counted.iter().map(|(_, l)| *l as f64).sum::<f64>() / counted.len().max(1) as f64;
    rows.into_iter()
        .zip(counted)
        .map(|((tid, text), (tf, len))| {
            let norm = K1 * (1.0 - B + B * len as f64 / avg.max(1.0));
            let score: f64 = tf
                .iter()
                .map(|&f| {
                    let f = f.max(1) as f64;
                    f * (K1 + 1.0) / (f + norm)
                })
                .sum();
            (tid, score * weight, text)
        })
        .collect()
}
