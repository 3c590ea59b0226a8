-- Desk server schema, SQLite flavour. Ids are 16-byte UUID blobs; times are Unix milliseconds UTC.

CREATE TABLE organizations (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    name_fold   TEXT NOT NULL UNIQUE,
    timezone    TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id              BLOB PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
    organization_id BLOB REFERENCES organizations(id),
    password_hash   TEXT,
    locale          TEXT NOT NULL DEFAULT 'uk',
    created_at      INTEGER NOT NULL,
    CHECK ((role = 'customer') = (organization_id IS NOT NULL))
);

CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY,
    user_id     BLOB NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE invitations (
    code_hash   BLOB PRIMARY KEY,
    user_id     BLOB NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

CREATE TABLE topics (
    id           TEXT PRIMARY KEY,
    title_uk     TEXT NOT NULL,
    title_en     TEXT NOT NULL,
    guidance_uk  TEXT NOT NULL,
    guidance_en  TEXT NOT NULL,
    urgent       INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    active       INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE tickets (
    id               BLOB PRIMARY KEY,
    number           INTEGER NOT NULL UNIQUE,
    subject          TEXT NOT NULL,
    subject_fold     TEXT NOT NULL,
    topic_id         TEXT NOT NULL REFERENCES topics(id),
    urgent           INTEGER NOT NULL,
    status           TEXT NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id),
    requester_id     BLOB NOT NULL REFERENCES users(id),
    assignee_id      BLOB REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    resolved_at      INTEGER,
    last_message_at  INTEGER NOT NULL,
    message_count    INTEGER NOT NULL
);
CREATE INDEX tickets_org_number ON tickets(organization_id, number);
CREATE INDEX tickets_status_number ON tickets(status, number);
CREATE INDEX tickets_assignee_number ON tickets(assignee_id, number);
CREATE INDEX tickets_topic_number ON tickets(topic_id, number);

CREATE TABLE messages (
    id          BLOB PRIMARY KEY,
    ticket_id   BLOB NOT NULL REFERENCES tickets(id),
    author_id   BLOB NOT NULL REFERENCES users(id),
    body        TEXT NOT NULL,
    internal    INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX messages_ticket ON messages(ticket_id, created_at);

CREATE TABLE attachments (
    id           BLOB PRIMARY KEY,
    filename     TEXT NOT NULL,
    size         INTEGER NOT NULL,
    media_type   TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    uploader_id  BLOB NOT NULL REFERENCES users(id),
    message_id   BLOB REFERENCES messages(id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);

-- One row per entity at the seq of its latest change (INSERT OR REPLACE moves it forward), so a
-- pull returns each changed entity once, in its current state. organization_id NULL = everyone;
-- staff_only = agents and admins only (internal notes).
CREATE TABLE changes (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    entity_id        BLOB NOT NULL,
    organization_id  BLOB,
    staff_only       INTEGER NOT NULL,
    UNIQUE (kind, entity_id)
);
CREATE INDEX changes_org_seq ON changes(organization_id, seq);
