-- The status history is now written by desk-core's services beside every status change (the
-- same rule for every store), so the triggers that wrote it in SQLite alone are dropped.
DROP TRIGGER tickets_status_history_insert;
DROP TRIGGER tickets_status_history_update;
