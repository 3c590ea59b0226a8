-- The local mirror of what the server sent, plus provisional rows for writes still in the
-- outbox. Everything here can be rebuilt from the server and the outbox; ids are UUID text (so a
-- whole page can be applied with json_each in a few statements), times Unix milliseconds, `data`
-- the entity's wire JSON.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE topics (
    id        TEXT PRIMARY KEY,
    position  INTEGER NOT NULL,
    active    INTEGER NOT NULL,
    data      TEXT NOT NULL
);

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,
    number           INTEGER NOT NULL,
    subject          TEXT NOT NULL,
    topic_id         TEXT NOT NULL,
    status           TEXT NOT NULL,
    urgent           INTEGER NOT NULL,
    organization_id  TEXT NOT NULL,
    assignee_id      TEXT,
    created_at       INTEGER NOT NULL,
    last_message_at  INTEGER NOT NULL,
    data             TEXT NOT NULL,
    -- 1 while the row shows a write that waits in the outbox.
    provisional      INTEGER NOT NULL DEFAULT 0,
    -- When the user last opened it, for unread marks.
    read_at          INTEGER
);
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_status_created ON tickets(status, created_at);

CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    ticket_id    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    data         TEXT NOT NULL,
    provisional  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_ticket ON messages(ticket_id, created_at);

-- Full-text search over subjects and message bodies: Unicode word splitting, case- and
-- diacritics-insensitive, prefix indexes for as-you-type search. Row ids match the source rows.
CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, tokenize = "unicode61 remove_diacritics 2", prefix = '2 3');
CREATE VIRTUAL TABLE messages_fts USING fts5(body, tokenize = "unicode61 remove_diacritics 2", prefix = '2 3');

-- Downloaded attachments, verified against the server's SHA-256.
CREATE TABLE files (
    attachment_id  TEXT PRIMARY KEY,
    path           TEXT NOT NULL,
    sha256         TEXT NOT NULL
);
