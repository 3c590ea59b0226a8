//! Which Telegram updates were handled. Every update is claimed by the one write that applies
//! it (`claim_update`), so "handled" means "its effect is committed". The bridge asks before
//! work that must not be repeated outside that write (downloading a message's files), and at
//! start in poll mode, to fetch again whatever Telegram still holds above the mark.

use desk_domain::Bot;
use tracing::instrument;

use crate::Core;
use crate::error::Result;

impl Core {
    /// Whether `bot`'s update `update_id` was handled already (a repeat needs nothing done).
    #[instrument(skip_all, err, fields(bot = bot.as_str(), update_id))]
    pub async fn telegram_update_handled(&self, bot: Bot, update_id: i64) -> Result<bool> {
        self.storage.telegram_update_handled(bot, update_id).await
    }

    /// Every update of `bot` below this id was handled or can no longer come: where a catch-up
    /// `getUpdates` may start without skipping one that a webhook left waiting.
    #[instrument(skip_all, err, fields(bot = bot.as_str()))]
    pub async fn telegram_handled_below(&self, bot: Bot) -> Result<i64> {
        self.storage.telegram_handled_below(bot).await
    }
}
