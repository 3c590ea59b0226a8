-- Business hours: the support service's own account, which signs automatic messages (such as the
-- after-hours notice); each ticket's status history; and the waiting clock kept on each ticket
-- (how long it has waited for support in working time, paused outside hours and while waiting
-- for the customer).

-- Role `agent` so messages it writes read as the support service's, but no password: it cannot
-- sign in, and the store refuses to assign tickets to it.
INSERT INTO users (id, email, name, role, organization_id, password_hash, locale, created_at)
VALUES (X'00000000000000000000000000000001', 'support-service@desk.invalid', 'Служба підтримки',
        'agent', NULL, NULL, 'uk', 0);

CREATE TABLE ticket_status_history (
    ticket_id  BLOB NOT NULL REFERENCES tickets(id),
    status     TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX ticket_status_history_ticket ON ticket_status_history(ticket_id, at);

-- Every writer of tickets gets the history for free.
CREATE TRIGGER tickets_status_history_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_status_history (ticket_id, status, at)
    VALUES (NEW.id, NEW.status, NEW.created_at);
END;
CREATE TRIGGER tickets_status_history_update AFTER UPDATE OF status ON tickets
WHEN OLD.status IS NOT NEW.status BEGIN
    INSERT INTO ticket_status_history (ticket_id, status, at)
    VALUES (NEW.id, NEW.status, NEW.updated_at);
END;

-- The waiting clock: `wait_ms` waited up to `wait_since` (NULL: the ticket's created_at), and
-- whether it runs from there. New tickets start running at creation.
ALTER TABLE tickets ADD COLUMN wait_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN wait_since INTEGER;
ALTER TABLE tickets ADD COLUMN wait_running INTEGER NOT NULL DEFAULT 1;

-- Tickets from before this migration: their past is not known in working time, so their clocks
-- start at their last change.
INSERT INTO ticket_status_history (ticket_id, status, at) SELECT id, 'new', created_at FROM tickets;
INSERT INTO ticket_status_history (ticket_id, status, at)
    SELECT id, status, updated_at FROM tickets WHERE status <> 'new';
UPDATE tickets SET wait_since = updated_at, wait_running = status IN ('new', 'in_progress');
