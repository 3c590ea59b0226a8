-- The provisional first messages of tickets written here: each stands under its ticket's id
-- until the server's copy, with an id of its own, is stored. Nearly always empty, so a pulled
-- page finds the ones it replaces without looking up each of its tickets.
CREATE INDEX messages_stand_ins ON messages(ticket_id) WHERE provisional = 1 AND id = ticket_id;
