-- Staff only: requests of Telegram chats that wrote to a bot without being linked (to the alert
-- bot: unverified outage reports). Applied from the same `changes` pages as incidents, the
-- last state of each by `updated_at`; a handful of rows, read whole from `data`.
CREATE TABLE telegram_requests (
    id          TEXT PRIMARY KEY,
    -- pending, approved, dismissed
    status      TEXT NOT NULL,
    report      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    data        TEXT NOT NULL
);
CREATE INDEX telegram_requests_status_created ON telegram_requests(status, created_at);
