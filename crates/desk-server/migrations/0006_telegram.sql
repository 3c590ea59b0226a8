-- Telegram: one-time link codes (only their SHA-256 is kept; one row per bot the code may be
-- used with, each usable once) and the chats linked to an organisation through a bot. Rows of
-- links are never deleted: `active = 0` once unlinked or refused by Telegram, so the page can
-- say what happened and a re-link reuses the row.

CREATE TABLE telegram_link_codes (
    code_hash        BLOB NOT NULL,
    bot              TEXT NOT NULL CHECK (bot IN ('support', 'alert')),
    user_id          BLOB NOT NULL REFERENCES users(id),
    organization_id  BLOB NOT NULL REFERENCES organizations(id),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER,
    PRIMARY KEY (code_hash, bot)
);
CREATE INDEX telegram_link_codes_expiry ON telegram_link_codes(expires_at);

CREATE TABLE telegram_links (
    id               BLOB PRIMARY KEY,
    bot              TEXT NOT NULL CHECK (bot IN ('support', 'alert')),
    chat_id          INTEGER NOT NULL,
    chat_kind        TEXT NOT NULL,
    chat_title       TEXT NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id),
    linked_by        BLOB NOT NULL REFERENCES users(id),
    linked_at        INTEGER NOT NULL,
    active           INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (bot, chat_id)
);
CREATE INDEX telegram_links_org ON telegram_links(organization_id, active);

-- Where each bot's `getUpdates` goes on: the next update id. A handled update moves it in the
-- same transaction as the update's effect (a message added, a report filed), so a crash at any
-- point neither loses an update nor applies one twice.
CREATE TABLE telegram_offsets (
    bot     TEXT PRIMARY KEY CHECK (bot IN ('support', 'alert')),
    next_update_id  INTEGER NOT NULL
);

-- The send queue: written in the transaction that decided to tell a chat something, sent in
-- order per chat, marked sent only on the Bot API's answer, kept across restarts.
CREATE TABLE telegram_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    bot              TEXT NOT NULL CHECK (bot IN ('support', 'alert')),
    chat_id          INTEGER NOT NULL,
    -- The method and its parameters as the Bot API takes them (JSON).
    request          TEXT NOT NULL,
    -- The ticket a message is about, so a reply to it lands there.
    ticket_id        BLOB REFERENCES tickets(id),
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    not_before       INTEGER NOT NULL,
    sent_at          INTEGER,
    telegram_message_id INTEGER,
    -- Set when it will never be sent (the chat refused the bot, or unlinked): why.
    dropped          TEXT
);
CREATE INDEX telegram_outbox_pending ON telegram_outbox(bot, chat_id, id) WHERE sent_at IS NULL AND dropped IS NULL;
CREATE INDEX telegram_outbox_sent ON telegram_outbox(bot, chat_id, telegram_message_id) WHERE telegram_message_id IS NOT NULL;

-- How far the bridge has read the change log for what to tell chats (a specialist's reply…):
-- moved in the same transaction as the messages it queued, so each is queued once.
CREATE TABLE telegram_cursors (
    name  TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL
);
