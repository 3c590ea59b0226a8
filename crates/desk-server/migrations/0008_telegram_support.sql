-- The support bot's memory of a conversation, so every step of it is handled once and survives
-- a restart: which Telegram message became part of which ticket (an edit of it adds
-- «(виправлено) …» there; the rest of an album follows its first part), a message that
-- answered no ticket held until the chat says where it belongs, and a `/new` in progress.

CREATE TABLE telegram_received (
    bot                  TEXT NOT NULL CHECK (bot IN ('support', 'alert')),
    chat_id              INTEGER NOT NULL,
    telegram_message_id  INTEGER NOT NULL,
    -- Telegram's id of the album the message came in, if it came in one.
    media_group_id       TEXT,
    ticket_id            BLOB NOT NULL REFERENCES tickets(id),
    created_at           INTEGER NOT NULL,
    PRIMARY KEY (bot, chat_id, telegram_message_id)
);
CREATE INDEX telegram_received_album ON telegram_received(bot, chat_id, media_group_id)
    WHERE media_group_id IS NOT NULL;

-- A message (its text and the attachments already stored from it) waiting for the chat to
-- pick its ticket on the keyboard; `used_at` is set, once, when it goes somewhere.
CREATE TABLE telegram_held (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    bot                  TEXT NOT NULL CHECK (bot IN ('support', 'alert')),
    chat_id              INTEGER NOT NULL,
    telegram_message_id  INTEGER NOT NULL,
    media_group_id       TEXT,
    body                 TEXT NOT NULL,
    -- JSON array of attachment ids.
    attachment_ids       TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    used_at              INTEGER
);
CREATE INDEX telegram_held_album ON telegram_held(bot, chat_id, media_group_id)
    WHERE media_group_id IS NOT NULL AND used_at IS NULL;

-- A ticket being filed with `/new`: the topics its keyboard offered (buttons name them by
-- position, so an old keyboard cannot pick from a newer list), the topic once chosen, and the
-- text and files once given. One per chat; a new `/new` replaces it (and gets a new id).
CREATE TABLE telegram_drafts (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    bot                  TEXT NOT NULL CHECK (bot IN ('support', 'alert')),
    chat_id              INTEGER NOT NULL,
    -- JSON array of topic ids, in the keyboard's order.
    topics               TEXT NOT NULL,
    topic_id             TEXT,
    telegram_message_id  INTEGER,
    body                 TEXT,
    attachment_ids       TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    UNIQUE (bot, chat_id)
);
