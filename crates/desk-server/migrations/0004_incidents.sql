-- Outages: incidents with their scope and timeline, report tickets linked to them, pages to
-- agents, and the duty roster. Ids are 16-byte UUID blobs; times are Unix milliseconds UTC.

CREATE TABLE incidents (
    id                 BLOB PRIMARY KEY,
    kind               TEXT NOT NULL,
    title              TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'merged')),
    all_organizations  INTEGER NOT NULL,
    -- Once announced to every organisation, every customer keeps seeing it (and so learns when
    -- the scope narrows or it is resolved).
    ever_all           INTEGER NOT NULL,
    started_at         INTEGER NOT NULL,
    acknowledged_at    INTEGER,
    acknowledged_by    BLOB REFERENCES users(id),
    resolved_at        INTEGER,
    updated_at         INTEGER NOT NULL,
    merged_into        BLOB REFERENCES incidents(id),
    created_by         BLOB NOT NULL REFERENCES users(id),
    -- Paging state lives here, so re-paging carries on after a restart.
    last_paged_at      INTEGER,
    page_round         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_status_started ON incidents(status, started_at);
CREATE INDEX incidents_kind_status ON incidents(kind, status);

-- Organisations an incident concerns. Rows are never deleted: `in_scope = 0` keeps a removed
-- organisation's customers able to see (and sync) that it no longer affects them.
CREATE TABLE incident_organizations (
    incident_id      BLOB NOT NULL REFERENCES incidents(id),
    organization_id  BLOB NOT NULL REFERENCES organizations(id),
    in_scope         INTEGER NOT NULL,
    PRIMARY KEY (incident_id, organization_id)
);
CREATE INDEX incident_organizations_org ON incident_organizations(organization_id, incident_id);

-- The timeline. `reported` entries carry the report's ticket and organisation: a customer sees
-- only their own organisation's reports.
CREATE TABLE incident_events (
    id               BLOB PRIMARY KEY,
    incident_id      BLOB NOT NULL REFERENCES incidents(id),
    kind             TEXT NOT NULL,
    body             TEXT NOT NULL,
    author_id        BLOB NOT NULL REFERENCES users(id),
    organization_id  BLOB REFERENCES organizations(id),
    ticket_id        BLOB REFERENCES tickets(id),
    -- For `reported`: the report joined an incident already open (the answer's `already_known`).
    joined           INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, created_at);

ALTER TABLE tickets ADD COLUMN incident_id BLOB REFERENCES incidents(id);
CREATE INDEX tickets_incident ON tickets(incident_id);

CREATE TABLE pages (
    id               BLOB PRIMARY KEY,
    incident_id      BLOB NOT NULL REFERENCES incidents(id),
    ticket_id        BLOB NOT NULL REFERENCES tickets(id),
    round            INTEGER NOT NULL,
    all_agents       INTEGER NOT NULL,
    -- JSON array of user ids (empty when `all_agents`).
    recipients       TEXT NOT NULL,
    summary          TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX pages_incident ON pages(incident_id, round);

-- An agent's roster state since `since`; an agent with no row is off duty.
CREATE TABLE duty (
    agent_id  BLOB PRIMARY KEY REFERENCES users(id),
    on_duty   INTEGER NOT NULL,
    since     INTEGER NOT NULL
);
