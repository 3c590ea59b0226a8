-- Which Telegram updates were handled, one by one, so webhook mode loses none.
--
-- `telegram_offsets.next_update_id` alone said "everything below this was handled". That holds
-- for `getUpdates`, which hands updates over in order, but not for a webhook: the Bot API
-- keeps one queue per chat, and an update answered with an error waits its retry while other
-- chats' later updates are delivered (even with max_connections = 1). A retried update below
-- the offset is then new, not a repeat. So each handled update is now recorded by its id
-- (claimed in the same transaction as its effect, as before), and `handled_below` is the mark
-- under which every update is known handled or gone: Telegram keeps an update at most 24
-- hours, so an id recorded more than 25 hours ago is forgotten and the mark moves past it.
ALTER TABLE telegram_offsets ADD COLUMN handled_below INTEGER NOT NULL DEFAULT 0;
UPDATE telegram_offsets SET handled_below = next_update_id;

CREATE TABLE telegram_claimed_updates (
    bot         TEXT NOT NULL CHECK (bot IN ('support', 'alert')),
    update_id   INTEGER NOT NULL,
    -- Wall-clock ms (Telegram's 24 hours are real time, not the desk's business clock).
    claimed_at  INTEGER NOT NULL,
    PRIMARY KEY (bot, update_id)
) WITHOUT ROWID;
CREATE INDEX telegram_claimed_updates_age ON telegram_claimed_updates(bot, claimed_at);
