//! Linking Telegram chats over HTTP: one-time codes with their `t.me` links (only for
//! customers, only for the bots the server runs), redeeming a code for a chat once per bot and
//! never after it expires, the linked chats each organisation sees, unlinking. The bridge's
//! side (a chat pressing Start) is desk-core's `redeem_telegram_code`, called here as the
//! bridge will.

mod common;

use chrono::Duration;
use common::*;
use desk_core::services::{Greeting, Redeemed};
use desk_domain::{Bot, BotIdentity, ChatKind, ChatRef, LinkCode, TelegramLink};
use desk_testkit::reqwest::Method;
use desk_testkit::{Cast, TestServer};

fn running_bots(cast: &Cast) -> anyhow::Result<()> {
    let bots = cast.server.bots()?;
    bots.set(BotIdentity {
        bot: Bot::Alert,
        username: "lastivka_alert_bot".into(),
    });
    bots.set(BotIdentity {
        bot: Bot::Support,
        username: "desk_support_bot".into(),
    });
    Ok(())
}

/// Redeems `code` as the bridge does, in a fresh update; the link and organisation, if linked.
async fn redeem(
    core: &desk_core::Core,
    bot: Bot,
    code: &str,
    chat: ChatRef,
) -> anyhow::Result<Option<(TelegramLink, desk_domain::Organization)>> {
    static NEXT_UPDATE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
    let update_id = NEXT_UPDATE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let chat_id = chat.id;
    let greet: Greeting = Box::new(
        move |org| serde_json::json!({"method": "sendMessage", "chat_id": chat_id, "text": format!("Вітаємо, {}!", org.name)}),
    );
    let refuse = serde_json::json!({"method": "sendMessage", "chat_id": chat_id, "text": "Код не підходить"});
    Ok(
        match core
            .redeem_telegram_code(bot, update_id, code, chat, greet, refuse)
            .await?
        {
            Redeemed::Linked(link, org) => Some((link, org)),
            _ => None,
        },
    )
}

/// Alice asks the customer page for a code.
async fn link_code(cast: &Cast) -> anyhow::Result<LinkCode> {
    cast.alice
        .post_json("/api/v1/telegram/link-codes", &())
        .await
}

/// Alice asks for a code and `chat` presses Start with it.
async fn link_chat(
    cast: &Cast,
    core: &desk_core::Core,
    bot: Bot,
    chat: ChatRef,
) -> anyhow::Result<TelegramLink> {
    let code = link_code(cast).await?;
    let (link, _) = redeem(core, bot, &code.code, chat)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a fresh code did not link the chat"))?;
    Ok(link)
}

fn chat(id: i64, kind: ChatKind, title: &str) -> ChatRef {
    ChatRef {
        id,
        kind,
        title: title.into(),
    }
}

#[tokio::test]
async fn a_code_carries_links_to_each_running_bot_and_links_a_chat_once_per_bot()
-> anyhow::Result<()> {
    let cast = Cast::new().await?;
    // No bot runs yet: the page is told so plainly.
    let res = cast.alice.post("/api/v1/telegram/link-codes", &()).await?;
    let (_, body) = expect_error(res, 404, "not_found").await?;
    assert!(body.message.contains("Telegram"), "{}", body.message);

    running_bots(&cast)?;
    let code = link_code(&cast).await?;
    assert_eq!(code.code.len(), 32, "128 random bits as hex");
    let bots: Vec<Bot> = code.links.iter().map(|l| l.bot).collect();
    assert_eq!(bots, [Bot::Support, Bot::Alert]);
    assert_eq!(
        code.links[0].url,
        format!("https://t.me/desk_support_bot?start={}", code.code)
    );
    assert_eq!(
        code.links[1].group_url,
        format!("https://t.me/lastivka_alert_bot?startgroup={}", code.code)
    );
    let ttl = code.expires_at - cast.server.clock.now();
    assert!(
        ttl > Duration::minutes(5) && ttl <= Duration::minutes(10),
        "{ttl}"
    );

    let core = cast.server.store()?;
    let (link, org) = redeem(
        &core,
        Bot::Support,
        &code.code,
        chat(501, ChatKind::Private, "Олена"),
    )
    .await?
    .expect("a fresh code links the chat");
    assert_eq!(org.id, cast.org_a.id);
    assert_eq!(link.linked_by, cast.alice.user().id);
    // The same code again with the same bot links nothing; with the other bot, once.
    assert!(
        redeem(
            &core,
            Bot::Support,
            &code.code,
            chat(777, ChatKind::Private, "Хтось")
        )
        .await?
        .is_none()
    );
    let (group, _) = redeem(
        &core,
        Bot::Alert,
        &code.code.to_uppercase(),
        chat(-1001, ChatKind::Supergroup, "Диспетчерська зміна"),
    )
    .await?
    .expect("the alert bot takes the code once too");
    assert!(group.chat.kind.is_group());
    // Nonsense and unknown codes link nothing.
    for bad in ["", "start", "../../etc", &"0".repeat(32)] {
        assert!(
            redeem(&core, Bot::Alert, bad, chat(9, ChatKind::Private, "x"))
                .await?
                .is_none(),
            "{bad:?}"
        );
    }

    let links: Vec<TelegramLink> = cast.alice.get_json("/api/v1/telegram/links").await?;
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].id, group.id, "newest first");
    assert!(
        core.telegram_link_for_chat(Bot::Support, 501)
            .await?
            .is_some()
    );
    Ok(())
}

#[tokio::test]
async fn an_expired_code_links_nothing() -> anyhow::Result<()> {
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-07T08:00:00Z")?.to_utc();
    let cast = Cast::on(TestServer::start_at(at).await?).await?;
    running_bots(&cast)?;
    let code = link_code(&cast).await?;
    cast.server.clock.advance(Duration::minutes(11));
    let core = cast.server.store()?;
    assert!(
        redeem(
            &core,
            Bot::Support,
            &code.code,
            chat(501, ChatKind::Private, "Олена")
        )
        .await?
        .is_none()
    );
    Ok(())
}

#[tokio::test]
async fn organisations_see_and_unlink_only_their_own_chats() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    running_bots(&cast)?;
    let core = cast.server.store()?;
    let link = link_chat(
        &cast,
        &core,
        Bot::Support,
        chat(501, ChatKind::Private, "Олена"),
    )
    .await?;

    // Bob's taxi service sees nothing of it and cannot unlink it.
    let bobs: Vec<TelegramLink> = cast.bob.get_json("/api/v1/telegram/links").await?;
    assert!(bobs.is_empty());
    let path = format!("/api/v1/telegram/links/{}", link.id);
    let res = cast.bob.request(Method::DELETE, &path).send().await?;
    expect_error(res, 404, "not_found").await?;
    // Agents see every organisation's; they do not make codes (they belong to no service).
    let all: Vec<TelegramLink> = cast.agent.get_json("/api/v1/telegram/links").await?;
    assert_eq!(all.len(), 1);
    let res = cast.agent.post("/api/v1/telegram/link-codes", &()).await?;
    expect_error(res, 403, "forbidden").await?;

    // A colleague at the same service unlinks it: gone at once, for the bridge too.
    let res = cast.alan.request(Method::DELETE, &path).send().await?;
    assert_eq!(res.status().as_u16(), 204);
    let left: Vec<TelegramLink> = cast.alice.get_json("/api/v1/telegram/links").await?;
    assert!(left.is_empty());
    assert!(
        core.telegram_link_for_chat(Bot::Support, 501)
            .await?
            .is_none()
    );
    let res = cast.alice.request(Method::DELETE, &path).send().await?;
    expect_error(res, 404, "not_found").await?;

    // Linking the same chat again with a new code revives its row.
    let again = link_code(&cast).await?;
    let (relinked, _) = redeem(
        &core,
        Bot::Support,
        &again.code,
        chat(501, ChatKind::Private, "Олена"),
    )
    .await?
    .expect("linked again");
    assert_eq!(relinked.id, link.id);
    assert!(relinked.active);
    Ok(())
}

#[tokio::test]
async fn each_update_is_handled_once_even_across_a_restart() -> anyhow::Result<()> {
    let mut cast = Cast::new().await?;
    let core = cast.server.store()?;
    assert_eq!(core.telegram_offset(Bot::Support).await?, 0);
    assert!(core.skip_telegram_update(Bot::Support, 41).await?);
    assert!(
        !core.skip_telegram_update(Bot::Support, 41).await?,
        "handled once"
    );
    // An older one never handled is new: a webhook brings a retried update after later ones
    // of other chats (see bridge/webhook.rs). Handled, it is handled once too.
    assert!(
        core.skip_telegram_update(Bot::Support, 40).await?,
        "an older one not handled before"
    );
    assert!(!core.skip_telegram_update(Bot::Support, 40).await?);
    assert!(core.telegram_update_handled(Bot::Support, 40).await?);
    assert!(!core.telegram_update_handled(Bot::Support, 39).await?);
    assert!(
        core.skip_telegram_update(Bot::Alert, 41).await?,
        "each bot has its own"
    );
    cast.server.restart().await?;
    let core = cast.server.store()?;
    assert_eq!(core.telegram_offset(Bot::Support).await?, 42);
    assert!(!core.skip_telegram_update(Bot::Support, 41).await?);
    assert!(!core.skip_telegram_update(Bot::Support, 40).await?);
    assert!(core.skip_telegram_update(Bot::Support, 42).await?);
    Ok(())
}

#[tokio::test]
async fn the_send_queue_goes_in_order_per_chat_and_stops_for_a_chat_that_refused_the_bot()
-> anyhow::Result<()> {
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-07T08:00:00Z")?.to_utc();
    let mut cast = Cast::on(TestServer::start_at(at).await?).await?;
    running_bots(&cast)?;
    let core = cast.server.store()?;
    let link = link_chat(
        &cast,
        &core,
        Bot::Support,
        chat(501, ChatKind::Private, "Олена"),
    )
    .await?;
    // The greeting went into the queue with the link, once.
    let greeting = core.due_telegram(Bot::Support, 100).await?;
    assert_eq!(greeting.len(), 1);
    assert_eq!(greeting[0].request["text"], "Вітаємо, Таксі Ластівка!");
    core.telegram_sent(greeting[0].id, 1).await?;
    let text = |t: &str| serde_json::json!({"method": "sendMessage", "text": t});
    let ticket = cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?
        .id;
    let a1 = core
        .queue_telegram(Bot::Support, 501, text("перше"), Some(ticket))
        .await?;
    let a2 = core
        .queue_telegram(Bot::Support, 501, text("друге"), None)
        .await?;
    let b1 = core
        .queue_telegram(Bot::Support, 777, text("іншому"), None)
        .await?;
    let ids = |due: Vec<desk_core::storage::Outgoing>| due.iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(
        ids(core.due_telegram(Bot::Support, 100).await?),
        [a1, b1],
        "one per chat, oldest first"
    );

    // A 429 holds the chat's first message, and the ones after it wait behind it.
    core.telegram_retry_later(a1, 3_000).await?;
    assert_eq!(ids(core.due_telegram(Bot::Support, 100).await?), [b1]);
    cast.server.clock.advance(Duration::seconds(4));
    let due = core.due_telegram(Bot::Support, 100).await?;
    assert_eq!(ids(due.clone()), [a1, b1]);
    assert_eq!(due[0].attempts, 1);
    assert_eq!(due[0].request["text"], "перше");

    // Kept across a restart, marked sent only when told.
    cast.server.restart().await?;
    let core = cast.server.store()?;
    assert_eq!(ids(core.due_telegram(Bot::Support, 100).await?), [a1, b1]);
    core.telegram_sent(a1, 9001).await?;
    assert_eq!(ids(core.due_telegram(Bot::Support, 100).await?), [a2, b1]);
    assert_eq!(
        core.ticket_of_telegram_message(Bot::Support, 501, 9001)
            .await?,
        Some(ticket),
        "a reply to the sent message belongs to its ticket"
    );

    // The customer blocks the bot: the link goes inactive and nothing more goes there.
    core.telegram_chat_refused(Bot::Support, 501).await?;
    assert_eq!(ids(core.due_telegram(Bot::Support, 100).await?), [b1]);
    assert!(
        core.telegram_link_for_chat(Bot::Support, 501)
            .await?
            .is_none()
    );
    let links: Vec<TelegramLink> = cast.alice.get_json("/api/v1/telegram/links").await?;
    assert!(links.iter().all(|l| l.id != link.id));
    Ok(())
}

#[tokio::test]
async fn unlinking_drops_what_was_still_queued_for_the_chat() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    running_bots(&cast)?;
    let core = cast.server.store()?;
    let link = link_chat(
        &cast,
        &core,
        Bot::Alert,
        chat(-42, ChatKind::Group, "Зміна"),
    )
    .await?;
    core.queue_telegram(
        Bot::Alert,
        -42,
        serde_json::json!({"method": "sendMessage"}),
        None,
    )
    .await?;
    let path = format!("/api/v1/telegram/links/{}", link.id);
    let res = cast.alice.request(Method::DELETE, &path).send().await?;
    assert_eq!(res.status().as_u16(), 204);
    assert!(core.due_telegram(Bot::Alert, 100).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_start_update_replayed_after_a_crash_links_and_greets_once() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    running_bots(&cast)?;
    let core = cast.server.store()?;
    let code = link_code(&cast).await?;
    let start = |greet: &'static str| {
        let g: Greeting =
            Box::new(move |_| serde_json::json!({"method": "sendMessage", "text": greet}));
        g
    };
    let refuse = serde_json::json!({"method": "sendMessage", "text": "Код не підходить"});
    let first = core
        .redeem_telegram_code(
            Bot::Support,
            900,
            &code.code,
            chat(501, ChatKind::Private, "Олена"),
            start("Вітаємо"),
            refuse.clone(),
        )
        .await?;
    assert!(matches!(first, Redeemed::Linked(..)));
    let replay = core
        .redeem_telegram_code(
            Bot::Support,
            900,
            &code.code,
            chat(501, ChatKind::Private, "Олена"),
            start("Вітаємо"),
            refuse.clone(),
        )
        .await?;
    assert!(matches!(replay, Redeemed::AlreadyHandled));
    // A stranger guessing gets a refusal that names nothing.
    let guess = core
        .redeem_telegram_code(
            Bot::Support,
            901,
            &"ab".repeat(16),
            chat(666, ChatKind::Private, "Хтось"),
            start("Вітаємо"),
            refuse,
        )
        .await?;
    assert!(matches!(guess, Redeemed::Refused));
    let queued: Vec<(i64, String)> = core
        .due_telegram(Bot::Support, 100)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.chat_id,
                o.request["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        queued,
        [
            (501, "Вітаємо".to_owned()),
            (666, "Код не підходить".to_owned())
        ]
    );
    Ok(())
}
