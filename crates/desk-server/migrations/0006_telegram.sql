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
