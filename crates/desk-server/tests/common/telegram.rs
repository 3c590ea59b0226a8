//! The Telegram scenes' common ground: a real desk-server running both bots against the Bot API
//! stand-in, the usual cast, and waiting for what the stand-in receives.

use std::future::Future;
use std::time::Duration;

use desk_domain::LinkCode;
use desk_server::Clock;
use desk_telegram::BotToken;
use desk_testkit::bot_api::{BotApi, Sent, TgChat, TgUser};
use desk_testkit::{Cast, Session, TestServer};

use super::HANG_GUARD;

/// Polls `check` until it answers `Some`, within the hang guard.
pub async fn eventually_some<T, F, Fut>(what: &str, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    // Files pass through the stand-in and the blob store: thrice the usual guard.
    let deadline = tokio::time::Instant::now() + HANG_GUARD * 3;
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 02:00 in Kyiv (UTC+2 in winter): nobody is in the office.
pub fn night() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-01-15T00:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// `agent` goes on duty.
pub async fn on_duty(agent: &Session) -> anyhow::Result<()> {
    let res = agent
        .request(desk_testkit::reqwest::Method::PUT, "/api/v1/duty")
        .json(&serde_json::json!({"on_duty": true}))
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "PUT /duty: {}", res.status());
    Ok(())
}

pub struct World {
    pub api: BotApi,
    pub support: String,
    pub alert: String,
    pub cast: Cast,
}

/// A server running both bots against a fresh stand-in, with the usual cast.
pub async fn world() -> anyhow::Result<World> {
    world_on(Clock::system()).await
}

/// The same on `clock` (a manual one for night scenes).
pub async fn world_on(clock: Clock) -> anyhow::Result<World> {
    let api = BotApi::start().await?;
    let support = api.add_bot("desk_support_bot");
    let alert = api.add_bot("desk_alert_bot");
    let (url, s, a) = (api.url.clone(), support.clone(), alert.clone());
    let server = TestServer::start_full(clock, move |c| {
        c.telegram.api_url = url.clone();
        c.telegram.support_bot_token = BotToken::new(s.clone()).ok();
        c.telegram.alert_bot_token = BotToken::new(a.clone()).ok();
    })
    .await?;
    let cast = Cast::on(server).await?;
    Ok(World {
        api,
        support,
        alert,
        cast,
    })
}

impl World {
    pub fn sent_to(&self, chat: i64) -> Vec<Sent> {
        self.api.sent_to(chat)
    }

    /// Waits for the `n`-th message to `chat` and answers its text.
    pub async fn nth_to(&self, chat: i64, n: usize) -> anyhow::Result<String> {
        eventually_some(&format!("message {n} to chat {chat}"), || async move {
            Ok(self
                .sent_to(chat)
                .get(n - 1)
                .map(|s| s.text.clone().unwrap_or_default()))
        })
        .await
    }

    /// Olena's private chat, linked with a fresh code and greeted.
    pub async fn linked_olena(&self) -> anyhow::Result<(TgUser, TgChat)> {
        let code = self.link_code().await?;
        let olena = TgUser::new(5001, "Олена");
        let chat = TgChat::private(&olena);
        self.api.push_text(
            &self.support,
            &chat,
            &olena,
            &format!("/start {}", code.code),
        );
        self.nth_to(chat.id, 1).await?;
        Ok((olena, chat))
    }

    /// A code from the customer page, once the bridge has told the server the bots' names.
    pub async fn link_code(&self) -> anyhow::Result<LinkCode> {
        self.link_code_of(&self.cast.alice).await
    }

    /// A code from `customer`'s page.
    pub async fn link_code_of(&self, customer: &Session) -> anyhow::Result<LinkCode> {
        eventually_some("the bots to be known", || async move {
            let res = customer.post("/api/v1/telegram/link-codes", &()).await?;
            Ok(if res.status().as_u16() == 201 {
                Some(res.json::<LinkCode>().await?)
            } else {
                None
            })
        })
        .await
    }

    /// `chat` linked to `customer`'s service through the bot with `token`, and greeted.
    pub async fn link(
        &self,
        customer: &Session,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
    ) -> anyhow::Result<String> {
        let code = self.link_code_of(customer).await?;
        let before = self.sent_to(chat.id).len();
        self.api
            .push_text(token, chat, from, &format!("/start {}", code.code));
        self.nth_to(chat.id, before + 1).await
    }
}

/// The buttons of a message's inline keyboard: (text, callback data), top to bottom.
pub fn buttons(m: &Sent) -> Vec<(String, String)> {
    let rows = m
        .reply_markup
        .as_ref()
        .and_then(|k| k["inline_keyboard"].as_array().cloned())
        .unwrap_or_default();
    rows.iter()
        .flat_map(|r| r.as_array().cloned().unwrap_or_default())
        .map(|b| {
            let s = |k: &str| b[k].as_str().unwrap_or_default().to_owned();
            (s("text"), s("callback_data"))
        })
        .collect()
}
