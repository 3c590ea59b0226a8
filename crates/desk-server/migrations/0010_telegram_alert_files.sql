-- Files sent to the alert bot become attachments of the outage report. A draft waiting for its
-- kind keeps the attachments already stored from its messages (downloaded before the
-- transaction that claims each update, as the support bot's held messages do), and the report
-- is filed with them.
--
-- Numbered 0010 though 0011 came first: sqlx applies any migration not yet recorded, in version
-- order, and refuses only one recorded but missing from the source (`ignore_missing`), so an
-- install that already has 0011 gets this one at its next start. The two touch different tables.
ALTER TABLE telegram_alert_drafts ADD COLUMN attachment_ids TEXT NOT NULL DEFAULT '[]';
