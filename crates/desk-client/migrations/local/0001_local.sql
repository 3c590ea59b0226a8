-- What only this device knows and no server can give back: the outbox of unsent writes, drafts,
-- and which notifications were already shown. Kept apart from the cache so that rebuilding
-- a damaged cache never touches it.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The ticket or message this write creates or changes.
    entity_id        TEXT NOT NULL,
    ticket_id        TEXT NOT NULL,
    op               TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    error_code       TEXT,
    error_message    TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX outbox_ticket ON outbox(ticket_id);

-- Files of outbox writes and of drafts: copies in the app's data dir, so the originals may go.
CREATE TABLE local_files (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,      -- 'outbox:<seq>' or 'draft:<key>'
    position     INTEGER NOT NULL,
    path         TEXT NOT NULL,
    filename     TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    -- Set once uploaded, so a retry does not upload it again.
    server_id    TEXT
);
CREATE INDEX local_files_owner ON local_files(owner, position);

CREATE TABLE drafts (
    key         TEXT PRIMARY KEY,    -- 'new-ticket' or 'reply:<ticket id>'
    topic_id    TEXT,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    internal    INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE notified (
    key  TEXT PRIMARY KEY,
    at   INTEGER NOT NULL
);
