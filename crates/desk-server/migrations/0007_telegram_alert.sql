-- The alert bot. A dispatcher's message waits here until it is filed as an outage report:
-- either the kind was already known (a command such as /telephony) and the text follows, or
-- the text came first and the bot asks which kind with buttons. Written in the transaction
-- that handles the update, so a crash loses no report and files none twice; a draft nobody
-- chose a kind for is filed as «інше» after a few minutes, so nothing written at night is
-- left lying here.
CREATE TABLE telegram_alert_drafts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL,
    -- NULL until the kind is known.
    kind        TEXT CHECK (kind IN ('program', 'telephony', 'driver_app', 'other')),
    body        TEXT NOT NULL,
    -- Who wrote it, as Telegram names them (the report's text says so in a group).
    author      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- The report ticket it became; NULL while it waits.
    ticket_id   BLOB REFERENCES tickets(id)
);
CREATE INDEX telegram_alert_drafts_waiting ON telegram_alert_drafts(chat_id, id) WHERE ticket_id IS NULL;
CREATE INDEX telegram_alert_drafts_stale ON telegram_alert_drafts(updated_at) WHERE ticket_id IS NULL;

-- Incident news already told to the alert chats: an incident's change-log row is rewritten
-- with its whole timeline at every change, so each event is announced once by its id.
CREATE TABLE telegram_announced (
    event_id  BLOB PRIMARY KEY,
    at        INTEGER NOT NULL
);
