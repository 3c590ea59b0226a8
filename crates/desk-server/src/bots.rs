//! The Telegram bots this server runs, as Telegram knows them: filled in once each bot's
//! `getMe` has answered, read by the routes that hand out links to them. Empty while no bot is
//! configured (or none has answered yet).

use std::sync::{Arc, RwLock};

use desk_domain::{Bot, BotIdentity};

#[derive(Debug, Clone, Default)]
pub struct Bots(Arc<RwLock<Vec<BotIdentity>>>);

impl Bots {
    /// The bots known so far, support first.
    pub fn get(&self) -> Vec<BotIdentity> {
        let mut bots = self.0.read().map(|b| b.clone()).unwrap_or_default();
        bots.sort_by_key(|b| Bot::ALL.iter().position(|k| *k == b.bot));
        bots
    }

    /// Records (or replaces) what Telegram said a bot is called.
    pub fn set(&self, identity: BotIdentity) {
        if let Ok(mut bots) = self.0.write() {
            bots.retain(|b| b.bot != identity.bot);
            bots.push(identity);
        }
    }
}
