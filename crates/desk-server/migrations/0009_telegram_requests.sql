-- Chats that wrote to a bot without a link code (the help page's own flow: Start, then the
-- service's name, and at night what happened). Kept until the service's own users approve
-- (or an agent attaches it to an organisation, or dismisses it); until then the chat gets
-- nothing of any organisation. To the alert bot such a message is an unverified outage
-- report: the agents paged for it are kept here, as for a page.
CREATE TABLE telegram_requests (
    id                 BLOB PRIMARY KEY,
    bot                TEXT NOT NULL CHECK (bot IN ('support', 'alert')),
    chat_id            INTEGER NOT NULL,
    chat_kind          TEXT NOT NULL,
    chat_title         TEXT NOT NULL,
    -- Who wrote, as Telegram names them; whether their Telegram is set to English.
    author             TEXT NOT NULL,
    english            INTEGER NOT NULL,
    -- Everything written while it waited, one message per paragraph.
    body               TEXT NOT NULL,
    kind               TEXT CHECK (kind IN ('program', 'telephony', 'driver_app', 'other')),
    report             INTEGER NOT NULL,
    -- The one organisation the text names, if any: its users may approve.
    suggested_org      BLOB REFERENCES organizations(id),
    status             TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'dismissed')),
    all_agents         INTEGER NOT NULL,
    -- JSON array of the agents paged (empty when `all_agents`, or not a report).
    recipients         TEXT NOT NULL,
    -- Paging state of a report, as for an incident: while it waits undecided every agent is
    -- paged again each re-page interval, so a restart carries on where it stopped.
    last_paged_at      INTEGER,
    page_round         INTEGER NOT NULL DEFAULT 0,
    decided_by         BLOB REFERENCES users(id),
    decided_at         INTEGER,
    attached_to        BLOB REFERENCES organizations(id),
    ticket_id          BLOB REFERENCES tickets(id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
-- One request waits per chat and bot; later messages join it.
CREATE UNIQUE INDEX telegram_requests_waiting ON telegram_requests(bot, chat_id) WHERE status = 'pending';
CREATE INDEX telegram_requests_suggested ON telegram_requests(suggested_org, status);
CREATE INDEX telegram_requests_created ON telegram_requests(status, created_at);
CREATE INDEX telegram_requests_paged ON telegram_requests(last_paged_at) WHERE status = 'pending' AND report = 1;
