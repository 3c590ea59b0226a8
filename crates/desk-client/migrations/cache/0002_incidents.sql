-- Outages: incidents (their timeline rides in `data`, the wire JSON, oldest entry first), the
-- pages that ring agents' apps, and the agents' duty roster. Applied from the same `changes`
-- pages as tickets, in the same transaction. A handful of rows each: reads filter with
-- json_each over `data` rather than keeping join tables.

CREATE TABLE incidents (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL,
    -- open, resolved, merged
    status             TEXT NOT NULL,
    all_organizations  INTEGER NOT NULL,
    started_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    data               TEXT NOT NULL
);
CREATE INDEX incidents_status_started ON incidents(status, started_at);

-- Staff only.
CREATE TABLE pages (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL,
    ticket_id    TEXT NOT NULL,
    round        INTEGER NOT NULL,
    all_agents   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    data         TEXT NOT NULL
);
CREATE INDEX pages_created ON pages(created_at);

-- Staff only: one row per agent on the roster.
CREATE TABLE duty (
    agent_id  TEXT PRIMARY KEY,
    on_duty   INTEGER NOT NULL,
    since     INTEGER NOT NULL,
    data      TEXT NOT NULL
);
