-- Search without copies and without scanning whole doclists.
--
-- The full-text indexes keep no copy of the text (`content = ''`; snippets and ranking read the
-- source rows), so writing them costs less; `contentless_delete` still allows deleting a row.
-- `search_terms` holds every word either index holds, one document per batch of indexed rows,
-- so that a typed prefix is expanded into the words it stands for (`search_vocab`, a handful of
-- postings per word) instead of merging the doclists of every completion over the whole index.
--
-- A first sync does not index row by row: it leaves `search_pending` set and the index is
-- built in bulk afterwards, in chunks of rows past `search_upto_*` (rowids); a search waits
-- for it. Existing caches are re-indexed the same way.

DROP TABLE IF EXISTS tickets_fts;
DROP TABLE IF EXISTS messages_fts;

CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, tokenize = "unicode61 remove_diacritics 2", prefix = '2 3', content = '', contentless_delete = 1);
CREATE VIRTUAL TABLE messages_fts USING fts5(body, tokenize = "unicode61 remove_diacritics 2", prefix = '2 3', content = '', contentless_delete = 1);
CREATE VIRTUAL TABLE search_terms USING fts5(words, tokenize = "unicode61 remove_diacritics 2", content = '', detail = none);
CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_terms, 'row');

INSERT INTO meta (key, value) VALUES ('search_pending', '1'), ('search_upto_tickets', '0'), ('search_upto_messages', '0')
ON CONFLICT (key) DO UPDATE SET value = excluded.value;
