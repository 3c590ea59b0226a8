//! Webhook mode end to end: a real server on 127.0.0.1 whose bridge listens for the Bot API
//! stand-in's posts (the stand-in delivers as Telegram does: per chat in order, one request at
//! a time, again after a non-2xx). Linking and a reply by webhook, the secret, a delivery that
//! fails and comes back after a later one of another chat, a restart, and poll mode after a
//! webhook.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::telegram::eventually_some;
use common::*;
use desk_domain::{Message, TelegramLink, Ticket};
use desk_server::Clock;
use desk_server::config::TelegramMode;
use desk_telegram::BotToken;
use desk_testkit::bot_api::{BotApi, Delivery, Fault, Sent, TgChat, TgUser};
use desk_testkit::{Cast, Session, TestServer};
use serde_json::{Value, json};

const SECRET: &str = "webhook_SECRET-0123456789";

struct World {
    api: BotApi,
    support: String,
    cast: Cast,
    /// Where the bridge listens for the webhook.
    hook: String,
    /// Flipped to run the next start in poll mode.
    webhook_mode: Arc<AtomicBool>,
}

/// A port nobody listens on now, for the bridge's webhook listener (kept across restarts).
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Both bots in webhook mode against a fresh stand-in, the webhook set at the stand-in.
async fn world() -> anyhow::Result<World> {
    let api = BotApi::start().await?;
    let support = api.add_bot("desk_support_bot");
    let alert = api.add_bot("desk_alert_bot");
    let port = free_port()?;
    let hook = format!("http://127.0.0.1:{port}");
    let webhook_mode = Arc::new(AtomicBool::new(true));
    let (url, s, a, h, mode) = (
        api.url.clone(),
        support.clone(),
        alert.clone(),
        hook.clone(),
        webhook_mode.clone(),
    );
    let server = TestServer::start_full(Clock::system(), move |c| {
        c.telegram.api_url = url.clone();
        c.telegram.support_bot_token = BotToken::new(s.clone()).ok();
        c.telegram.alert_bot_token = BotToken::new(a.clone()).ok();
        if mode.load(Ordering::SeqCst) {
            c.telegram.mode = TelegramMode::Webhook;
            // The stand-in, like a local Bot API server, takes plain HTTP on loopback.
            c.telegram.webhook_url = Some(h.clone());
            c.telegram.webhook_listen = ([127, 0, 0, 1], port).into();
            c.telegram.secret_token = Some(SECRET.into());
        }
    })
    .await?;
    let cast = Cast::on(server).await?;
    let w = World {
        api,
        support,
        cast,
        hook,
        webhook_mode,
    };
    w.webhook_set().await?;
    Ok(w)
}

impl World {
    async fn webhook_set(&self) -> anyhow::Result<()> {
        eventually_some("the support bot's webhook", || async {
            Ok(self.api.webhook(&self.support))
        })
        .await?;
        Ok(())
    }

    fn url(&self) -> String {
        format!("{}/telegram/webhook/support", self.hook)
    }

    /// A code from `customer`'s page, once the bots are known.
    async fn code(&self, customer: &Session) -> anyhow::Result<String> {
        eventually_some("the bots to be known", || async move {
            let res = customer.post("/api/v1/telegram/link-codes", &()).await?;
            Ok(if res.status().as_u16() == 201 {
                Some(res.json::<desk_domain::LinkCode>().await?.code)
            } else {
                None
            })
        })
        .await
    }

    /// `from`'s private chat linked to `customer`'s service through the support bot.
    async fn link(&self, customer: &Session, from: &TgUser) -> anyhow::Result<TgChat> {
        let chat = TgChat::private(from);
        let code = self.code(customer).await?;
        self.api
            .push_text(&self.support, &chat, from, &format!("/start {code}"));
        self.nth(&chat, 1).await?;
        Ok(chat)
    }

    async fn nth(&self, chat: &TgChat, n: usize) -> anyhow::Result<Sent> {
        eventually_some(&format!("message {n} to chat {}", chat.id), || async move {
            Ok(self.api.sent_to(chat.id).get(n - 1).cloned())
        })
        .await
    }

    async fn messages_n(&self, t: &Ticket, n: usize) -> anyhow::Result<Vec<Message>> {
        eventually_some(&format!("{n} messages in #{}", t.number), || async move {
            let m: Vec<Message> = self
                .cast
                .alice
                .get_json(&format!("/api/v1/tickets/{}/messages", t.id))
                .await?;
            Ok((m.len() >= n).then_some(m))
        })
        .await
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.api
            .deliveries()
            .into_iter()
            .filter(|d| d.bot == "desk_support_bot")
            .collect()
    }

    /// Posts `update` to the bridge's webhook as Telegram would, with `secret`.
    async fn post(&self, update: &Value, secret: Option<&str>) -> anyhow::Result<u16> {
        let mut req = desk_testkit::reqwest::Client::new()
            .post(self.url())
            .json(update);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        Ok(req.send().await?.status().as_u16())
    }
}

async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
}

fn png(len: usize, seed: u64) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend(noise(len, seed));
    b
}

#[tokio::test]
async fn linking_and_a_reply_reach_the_ticket_by_webhook() -> anyhow::Result<()> {
    let w = world().await?;
    let hook = w.api.webhook(&w.support).unwrap_or_else(|| panic!("set"));
    assert_eq!(hook.url, w.url());
    assert_eq!(hook.secret_token.as_deref(), Some(SECRET));
    assert_eq!(hook.max_connections, Some(1));
    assert_eq!(
        hook.allowed_updates,
        [
            "message",
            "edited_message",
            "callback_query",
            "my_chat_member"
        ]
    );

    let olena = TgUser::new(5001, "Олена");
    let chat = w.link(&w.cast.alice, &olena).await?;
    let greeting = w.nth(&chat, 1).await?.text.unwrap_or_default();
    assert!(greeting.contains("Таксі Ластівка"), "{greeting}");

    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    w.cast
        .agent
        .reply(t.id, "Перезапустіть касу", false)
        .await?;
    let about = w.nth(&chat, 2).await?;
    w.api.push_reply(
        &w.support,
        &chat,
        &olena,
        about.message_id,
        "Перезапустили, працює",
    );
    let added = w.nth(&chat, 3).await?.text.unwrap_or_default();
    assert!(added.contains(&format!("#{}", t.number)), "{added}");
    let msgs = w.messages_n(&t, 3).await?;
    assert_eq!(msgs[2].body, "Перезапустили, працює");
    assert_eq!(msgs[2].channel, desk_domain::Channel::Telegram);

    // All of it came by webhook, each answered 200 once; nobody polled.
    let ds = w.deliveries();
    assert_eq!(ds.len(), 2, "{ds:?}");
    assert!(ds.iter().all(|d| d.status == Some(200)), "{ds:?}");
    assert!(
        !w.api.calls().iter().any(|c| c.method == "getupdates"),
        "no getUpdates in webhook mode"
    );
    assert_eq!(w.api.pending_updates(&w.support), 0);
    Ok(())
}

#[tokio::test]
async fn a_call_without_the_right_secret_is_refused_and_does_nothing() -> anyhow::Result<()> {
    let w = world().await?;
    let code = w.code(&w.cast.alice).await?;
    let update = json!({"update_id": 900_000_001_i64, "message": {
        "message_id": 1, "date": 1,
        "from": {"id": 6001, "is_bot": false, "first_name": "Чужий"},
        "chat": {"id": 6001, "type": "private", "first_name": "Чужий"},
        "text": format!("/start {code}"),
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}});
    assert_eq!(w.post(&update, None).await?, 401);
    assert_eq!(
        w.post(&update, Some("webhook_SECRET-0123456788")).await?,
        401
    );
    assert_eq!(w.post(&update, Some("webhook_SECRET")).await?, 401);
    settle().await;
    let links: Vec<TelegramLink> = w.cast.alice.get_json("/api/v1/telegram/links").await?;
    assert!(links.is_empty(), "{links:?}");
    assert!(w.api.sent_to(6001).is_empty());

    // The same update with the secret links the chat: the refusals were the secret's doing.
    assert_eq!(w.post(&update, Some(SECRET)).await?, 200);
    let links: Vec<TelegramLink> = w.cast.alice.get_json("/api/v1/telegram/links").await?;
    assert_eq!(links.len(), 1);
    // Telegram delivering it again (its 200 lost): answered 200, nothing done twice.
    assert_eq!(w.post(&update, Some(SECRET)).await?, 200);
    settle().await;
    assert_eq!(w.api.sent_to(6001).len(), 1, "greeted once");
    Ok(())
}

#[tokio::test]
async fn a_delivery_answered_500_comes_again_after_another_chats_and_lands_once()
-> anyhow::Result<()> {
    let w = world().await?;
    let olena = TgUser::new(5001, "Олена");
    let alan = TgUser::new(5002, "Андрій");
    let olenas = w.link(&w.cast.alice, &olena).await?;
    let alans = w.link(&w.cast.alan, &alan).await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    w.cast.agent.reply(t.id, "Надішліть фото", false).await?;
    let to_olena = w.nth(&olenas, 2).await?.message_id;
    let to_alan = w.nth(&alans, 2).await?.message_id;
    let before = w.deliveries().len();

    // Telegram's file server fails Olena's photo once: the bridge answers 500 and Telegram
    // holds her chat's queue, while Alan's later message goes on and is handled first.
    w.api
        .inject(Fault::server_error(502).method("download").times(1));
    let photo = png(50_000, 3);
    w.api.push_photo_reply(
        &w.support,
        &olenas,
        &olena,
        to_olena,
        photo.clone(),
        Some("Екран"),
    );
    w.api
        .push_reply(&w.support, &alans, &alan, to_alan, "У мене те саме");
    let msgs = w.messages_n(&t, 4).await?;
    settle().await;
    let msgs_after = w.messages_n(&t, 4).await?;
    assert_eq!(msgs_after.len(), 4, "each once: {msgs_after:?}");

    let ds: Vec<(i64, Option<u16>)> = w.deliveries()[before..]
        .iter()
        .map(|d| (d.update_id, d.status))
        .collect();
    assert_eq!(ds.len(), 3, "{ds:?}");
    let (photo_id, alans_id) = (ds[0].0, ds[1].0);
    assert!(alans_id > photo_id);
    assert_eq!(
        ds,
        [
            (photo_id, Some(500)),
            (alans_id, Some(200)),
            (photo_id, Some(200))
        ],
        "the failed one came back after a later one was handled"
    );
    // Alan's first, then Olena's photo, which was not taken for a repeat.
    assert_eq!(msgs[2].body, "У мене те саме");
    assert_eq!(msgs[3].body, "Екран");
    assert_eq!(msgs[3].attachments.len(), 1);
    assert_eq!(msgs[3].attachments[0].sha256, sha256_hex(&photo));
    Ok(())
}

#[tokio::test]
async fn a_restart_in_webhook_mode_loses_nothing_and_doubles_nothing() -> anyhow::Result<()> {
    let mut w = world().await?;
    let olena = TgUser::new(5001, "Олена");
    let chat = w.link(&w.cast.alice, &olena).await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    w.cast.agent.reply(t.id, "Що на екрані?", false).await?;
    let about = w.nth(&chat, 2).await?.message_id;
    w.api
        .push_reply(&w.support, &chat, &olena, about, "Помилка 17");
    w.messages_n(&t, 3).await?;
    let handled = w
        .deliveries()
        .last()
        .map(|d| d.update.clone())
        .unwrap_or_default();

    // Down: Telegram cannot reach the webhook and keeps what comes meanwhile.
    w.cast.server.stop().await?;
    w.api
        .push_reply(&w.support, &chat, &olena, about, "Перезапустили");
    let photo = png(30_000, 9);
    w.api
        .push_photo_reply(&w.support, &chat, &olena, about, photo.clone(), None);
    eventually_some("a failed delivery", || async {
        Ok(w.deliveries().iter().find(|d| d.status.is_none()).cloned())
    })
    .await?;
    w.cast.server.start_again().await?;

    let msgs = w.messages_n(&t, 5).await?;
    assert_eq!(msgs[3].body, "Перезапустили");
    assert_eq!(msgs[4].attachments[0].sha256, sha256_hex(&photo));
    // Telegram repeating one handled before the restart (its 200 lost): nothing twice.
    assert_eq!(w.post(&handled, Some(SECRET)).await?, 200);
    settle().await;
    let msgs = w.messages_n(&t, 5).await?;
    assert_eq!(msgs.len(), 5, "{msgs:?}");
    let bodies: Vec<&str> = msgs.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies.iter().filter(|b| **b == "Помилка 17").count(),
        1,
        "{bodies:?}"
    );
    // Each added message answered once: the greeting, the reply, 3 × «Додано» (paced: one a
    // second per chat).
    w.nth(&chat, 5).await?;
    settle().await;
    let said: Vec<String> = w
        .api
        .sent_to(chat.id)
        .into_iter()
        .map(|s| s.text.unwrap_or_default())
        .collect();
    assert_eq!(said.len(), 5, "{said:?}");
    assert_eq!(w.api.pending_updates(&w.support), 0);
    Ok(())
}

#[tokio::test]
async fn poll_mode_after_a_webhook_takes_what_the_webhook_left() -> anyhow::Result<()> {
    let mut w = world().await?;
    let olena = TgUser::new(5001, "Олена");
    let alan = TgUser::new(5002, "Андрій");
    let olenas = w.link(&w.cast.alice, &olena).await?;
    let alans = w.link(&w.cast.alan, &alan).await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    w.cast.agent.reply(t.id, "Надішліть фото", false).await?;
    let to_olena = w.nth(&olenas, 2).await?.message_id;
    let to_alan = w.nth(&alans, 2).await?.message_id;

    // Olena's photo keeps failing in webhook mode (Telegram's file server is down), Alan's
    // later message is handled: the offset is past her photo, which Telegram still holds.
    w.api.inject(Fault::server_error(502).method("download"));
    let photo = png(40_000, 5);
    w.api
        .push_photo_reply(&w.support, &olenas, &olena, to_olena, photo.clone(), None);
    w.api
        .push_reply(&w.support, &alans, &alan, to_alan, "У мене те саме");
    w.messages_n(&t, 3).await?;
    eventually_some("the photo failing twice", || async {
        let failed = w
            .deliveries()
            .iter()
            .filter(|d| d.status == Some(500))
            .count();
        Ok((failed >= 2).then_some(()))
    })
    .await?;

    // Back to polling: the webhook is deleted (or getUpdates would answer 409), and the photo
    // below the offset is fetched and lands.
    w.cast.server.stop().await?;
    w.api.clear_faults();
    w.webhook_mode.store(false, Ordering::SeqCst);
    w.cast.server.start_again().await?;
    let msgs = w.messages_n(&t, 4).await?;
    assert_eq!(msgs[3].attachments[0].sha256, sha256_hex(&photo));
    assert!(w.api.webhook(&w.support).is_none(), "deleteWebhook called");
    let calls = w.api.calls();
    assert!(
        !calls
            .iter()
            .any(|c| c.method == "getupdates" && c.status == 409),
        "never polled while the webhook was set"
    );

    // And polling goes on as before.
    w.api
        .push_reply(&w.support, &alans, &alan, to_alan, "Вже працює");
    let msgs = w.messages_n(&t, 5).await?;
    assert_eq!(msgs[4].body, "Вже працює");
    settle().await;
    assert_eq!(w.messages_n(&t, 5).await?.len(), 5);
    Ok(())
}

#[tokio::test]
async fn telegram_check_in_webhook_mode_says_where_telegram_posts() -> anyhow::Result<()> {
    let api = BotApi::start().await?;
    let support = api.add_bot("desk_support_bot");
    let alert = api.add_bot("desk_alert_bot");
    // Nothing listens on port 9: deliveries fail, and Telegram says why.
    let base = "https://127.0.0.1:9";
    let res = desk_testkit::reqwest::Client::new()
        .post(format!("{}/bot{support}/setWebhook", api.url))
        .json(&json!({"url": format!("{base}/telegram/webhook/support"), "secret_token": SECRET}))
        .send()
        .await?;
    assert_eq!(res.status().as_u16(), 200);
    let chat = TgChat::private(&TgUser::new(5001, "Олена"));
    api.push_text(&support, &chat, &TgUser::new(5001, "Олена"), "Добрий день");
    eventually_some("a failed delivery", || async {
        Ok(api.deliveries().into_iter().find(|d| d.status.is_none()))
    })
    .await?;

    let tmp = tempfile::tempdir()?;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"));
    cmd.arg("--data-dir")
        .arg(tmp.path().join("data"))
        .args(["telegram", "check"])
        .env_remove("DESK_CONFIG");
    for (k, _) in std::env::vars() {
        if k.starts_with("DESK_TELEGRAM") {
            cmd.env_remove(k);
        }
    }
    cmd.env("DESK_TELEGRAM__SUPPORT_BOT_TOKEN", &support)
        .env("DESK_TELEGRAM__ALERT_BOT_TOKEN", &alert)
        .env("DESK_TELEGRAM__API_URL", &api.url)
        .env("DESK_TELEGRAM__MODE", "webhook")
        .env("DESK_TELEGRAM__WEBHOOK_URL", base)
        .env("DESK_TELEGRAM__SECRET_TOKEN", SECRET);
    let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "support bot: @desk_support_bot (id {})\n  webhook: {base}/telegram/webhook/support\n  pending updates: 1\n  last delivery error: Connection refused",
            support.split(':').next().unwrap_or_default()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "webhook: not set yet (`desk-server serve` sets it to {base}/telegram/webhook/alert)"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains(SECRET), "{stdout}");
    Ok(())
}
