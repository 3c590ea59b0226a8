//! Telegram on the customer page, through the client core against a real server whose bridge
//! talks to the Bot API stand-in: a link code with a link per bot (and a clear refusal where
//! no bot runs), a chat linked with it appears in the list, the list is kept for offline
//! reading and marked so, an agent sees one organisation's chats, unlinking; and the requests
//! of chats that wrote without a code: an unlinked night report rings the agent on duty, who
//! attaches it to the service; a link request by name is approved on the service's own card.

mod common;

use common::{Device, until};
use desk_client::{Desk, NotificationKind};
use desk_domain::{Bot, ChatKind, TelegramRequestStatus};
use desk_telegram::BotToken;
use desk_testkit::bot_api::{BotApi, TgChat, TgUser};
use desk_testkit::{Cast, TestServer};

/// A link code, once the bridge has told the server the bots' names.
#[allow(clippy::unwrap_used)]
async fn link_code(desk: &Desk) -> desk_domain::LinkCode {
    for _ in 0..400 {
        match desk.telegram_link_code().await {
            Ok(c) => return c,
            Err(e) if e.code == "telegram_not_configured" => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    panic!("the bots never became known");
}

#[tokio::test]
#[allow(clippy::unwrap_used)]
async fn a_chat_linked_with_the_code_is_listed_kept_for_offline_and_unlinked() {
    let api = BotApi::start().await.unwrap();
    let support = api.add_bot("desk_support_bot");
    let alert = api.add_bot("desk_alert_bot");
    let (url, s, a) = (api.url.clone(), support.clone(), alert.clone());
    let server = TestServer::start_with(move |c| {
        c.telegram.api_url = url.clone();
        c.telegram.support_bot_token = BotToken::new(s.clone()).ok();
        c.telegram.alert_bot_token = BotToken::new(a.clone()).ok();
    })
    .await
    .unwrap();
    let mut cast = Cast::on(server).await.unwrap();
    let device = Device::new();
    let desk = device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;

    let code = link_code(&desk).await;
    let bots: Vec<_> = code.links.iter().map(|l| l.bot).collect();
    assert_eq!(bots, [Bot::Support, Bot::Alert]);
    assert_eq!(
        code.links[0].url,
        format!("https://t.me/desk_support_bot?start={}", code.code)
    );
    assert!(desk_client::telegram::is_bot_link(&code.links[0].url));
    assert!(desk_client::telegram::is_bot_link(&code.links[1].group_url));
    assert!(desk.telegram_links(None).await.unwrap().links.is_empty());

    // The office's group adds the support bot with the code.
    let olena = TgUser::new(5001, "Олена");
    let group = TgChat::group(-4001, "Диспетчерська Ластівки");
    api.push_text(&support, &group, &olena, &format!("/start {}", code.code));
    until("the group is listed", || async {
        desk.telegram_links(None).await.unwrap().links.len() == 1
    })
    .await;
    let read = desk.telegram_links(None).await.unwrap();
    assert!(!read.offline && read.as_of.is_some());
    let link = read.links[0].clone();
    assert_eq!(
        (link.bot, link.chat.kind, link.chat.title.as_str()),
        (Bot::Support, ChatKind::Group, "Диспетчерська Ластівки")
    );

    // An agent sees it under the organisation, and no other organisation has it.
    let agent_device = Device::new();
    let agent = agent_device
        .sign_in(&cast.server.base, "agent@vendor.example.com")
        .await;
    let of_a = agent.telegram_links(Some(cast.org_a.id)).await.unwrap();
    assert_eq!(of_a.links.len(), 1);
    assert!(
        agent
            .telegram_links(Some(cast.org_b.id))
            .await
            .unwrap()
            .links
            .is_empty()
    );

    // Offline: the list as last read, marked so; a code and an unlink say they need the server.
    cast.server.stop().await.unwrap();
    let kept = desk.telegram_links(None).await.unwrap();
    assert!(kept.offline);
    assert_eq!(kept.links, read.links);
    assert_eq!(kept.as_of, read.as_of);
    assert_eq!(desk.telegram_link_code().await.unwrap_err().code, "offline");
    assert_eq!(
        desk.unlink_telegram(link.id).await.unwrap_err().code,
        "offline"
    );

    cast.server.start_again().await.unwrap();
    desk.unlink_telegram(link.id).await.unwrap();
    // Twice is done too (another dispatcher unlinked it first).
    desk.unlink_telegram(link.id).await.unwrap();
    assert!(desk.telegram_links(None).await.unwrap().links.is_empty());
}

#[tokio::test]
#[allow(clippy::unwrap_used)]
async fn without_a_bot_on_the_server_the_refusal_says_so() {
    let cast = Cast::new().await.unwrap();
    let device = Device::new();
    let desk = device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;
    let e = desk.telegram_link_code().await.unwrap_err();
    assert_eq!(e.code, "telegram_not_configured");
    assert!(e.message.contains("Telegram"), "{}", e.message);
    assert!(desk.telegram_links(None).await.unwrap().links.is_empty());
}

/// A server running both bots against the Bot API stand-in, with the usual cast.
#[allow(clippy::unwrap_used)]
async fn with_bots() -> (BotApi, String, String, Cast) {
    let api = BotApi::start().await.unwrap();
    let support = api.add_bot("desk_support_bot");
    let alert = api.add_bot("desk_alert_bot");
    let (url, s, a) = (api.url.clone(), support.clone(), alert.clone());
    let server = TestServer::start_with(move |c| {
        c.telegram.api_url = url.clone();
        c.telegram.support_bot_token = BotToken::new(s.clone()).ok();
        c.telegram.alert_bot_token = BotToken::new(a.clone()).ok();
    })
    .await
    .unwrap();
    let cast = Cast::on(server).await.unwrap();
    (api, support, alert, cast)
}

#[tokio::test]
#[allow(clippy::unwrap_used)]
async fn an_unlinked_night_report_rings_the_agent_who_attaches_it_to_the_service() {
    let (api, _support, alert, mut cast) = with_bots().await;
    let agent_device = Device::new();
    let agent = agent_device
        .sign_in(&cast.server.base, "agent@vendor.example.com")
        .await;
    agent.set_on_duty(true).await.unwrap();
    common::topics_cached(&agent).await;
    let mut rx = agent.subscribe();
    let alice_device = Device::new();
    let alice = alice_device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;
    let bob_device = Device::new();
    let bob = bob_device
        .sign_in(&cast.server.base, "bob@b.example.com")
        .await;

    // A chat nobody linked writes to the alert bot at night.
    let oleh = TgUser::new(8001, "Олег");
    let chat = TgChat::private(&oleh);
    api.push_text(&alert, &chat, &oleh, "/start");
    api.push_text(
        &alert,
        &chat,
        &oleh,
        "Ластівка, не працює телефонія з 01:50",
    );

    // It rings the agent on duty, critically, and waits in the agent's list.
    let n = common::next_notification(&mut rx, "the unverified report rings").await;
    assert_eq!(n.kind, NotificationKind::UnverifiedReport);
    assert!(n.is_critical());
    assert!(n.body.contains("не працює телефонія"), "{}", n.body);
    let listed = agent.telegram_requests().await.unwrap();
    assert_eq!(listed.requests.len(), 1);
    let r = listed.requests[0].clone();
    assert!(r.report);
    assert_eq!(r.status, TelegramRequestStatus::Pending);
    assert_eq!(r.suggested_organization_id, Some(cast.org_a.id));
    assert_eq!(n.key, format!("telegram-request:{}:1", r.id));

    // The service it names sees it on its Telegram card (without whom it paged); another
    // service does not.
    let alices = alice.telegram_requests().await.unwrap();
    assert!(!alices.offline && alices.as_of.is_some());
    assert_eq!(alices.requests.len(), 1);
    assert!(alices.requests[0].recipients.is_empty());
    assert!(bob.telegram_requests().await.unwrap().requests.is_empty());

    // Offline: both still read their lists; deciding says it needs the connection and loses
    // nothing.
    cast.server.stop().await.unwrap();
    assert_eq!(
        agent.telegram_requests().await.unwrap().requests,
        vec![r.clone()]
    );
    let kept = alice.telegram_requests().await.unwrap();
    assert!(kept.offline);
    assert_eq!(kept.requests.len(), 1);
    let e = agent
        .approve_telegram_request(r.id, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, "offline");
    assert!(e.message.contains("чекає"), "{}", e.message);
    assert_eq!(
        alice.dismiss_telegram_request(r.id).await.unwrap_err().code,
        "offline"
    );
    cast.server.start_again().await.unwrap();

    // The agent attaches it to the service it names: filed as its report, shown decided.
    let done = agent.approve_telegram_request(r.id, None).await.unwrap();
    assert_eq!(done.status, TelegramRequestStatus::Approved);
    assert_eq!(done.attached_to, Some(cast.org_a.id));
    let number = done.ticket_number.unwrap();
    let listed = agent.telegram_requests().await.unwrap();
    assert_eq!(listed.requests[0].status, TelegramRequestStatus::Approved);
    assert_eq!(listed.requests[0].ticket_number, Some(number));
    let ticket = done.ticket_id.unwrap();
    until("the report reaches the agent's cache", || async {
        agent.ticket(ticket).await.unwrap().is_some()
    })
    .await;
    // Decided once: the service's own approval comes too late, and its card lets it go.
    let e = alice
        .approve_telegram_request(r.id, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, "invalid_transition");
    assert!(e.message.contains("уже розглянуто"), "{}", e.message);
    assert!(alice.telegram_requests().await.unwrap().requests.is_empty());
}

#[tokio::test]
#[allow(clippy::unwrap_used)]
async fn a_link_request_by_name_is_approved_by_the_service_and_one_naming_none_needs_a_choice() {
    let (api, support, _alert, cast) = with_bots().await;
    let bob_device = Device::new();
    let bob = bob_device
        .sign_in(&cast.server.base, "bob@b.example.com")
        .await;
    let agent_device = Device::new();
    let agent = agent_device
        .sign_in(&cast.server.base, "agent@vendor.example.com")
        .await;

    let bohdan = TgUser::new(8101, "Богдан");
    let chat = TgChat::private(&bohdan);
    api.push_text(&support, &chat, &bohdan, "Таксі Злагода, диспетчер Богдан");
    until("bob's card lists the request", || async {
        bob.telegram_requests().await.unwrap().requests.len() == 1
    })
    .await;
    let r = bob.telegram_requests().await.unwrap().requests[0].clone();
    assert!(!r.report);
    // A link request rings nobody, but agents see it too.
    until("the agent's list has it", || async {
        agent.telegram_requests().await.unwrap().requests.len() == 1
    })
    .await;
    let done = bob.approve_telegram_request(r.id, None).await.unwrap();
    assert_eq!(done.attached_to, Some(cast.org_b.id));
    assert_eq!(done.ticket_number, None);
    assert!(bob.telegram_requests().await.unwrap().requests.is_empty());
    until("the chat is linked", || async {
        bob.telegram_links(None).await.unwrap().links.len() == 1
    })
    .await;

    // A chat naming no service: the agent must choose one (said before asking the server).
    let ihor = TgUser::new(8201, "Ігор");
    let stranger = TgChat::private(&ihor);
    api.push_text(&support, &stranger, &ihor, "добрий вечір, хто це?");
    let waiting = || async {
        agent
            .telegram_requests()
            .await
            .unwrap()
            .requests
            .into_iter()
            .find(|x| x.status == TelegramRequestStatus::Pending)
    };
    until("the agent's list has the stranger", || async {
        waiting().await.is_some()
    })
    .await;
    let x = waiting().await.unwrap();
    assert_eq!(x.suggested_organization_id, None);
    let e = agent
        .approve_telegram_request(x.id, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, "validation_failed");
    assert!(e.message.contains("Оберіть службу"), "{}", e.message);
    let dismissed = agent.dismiss_telegram_request(x.id).await.unwrap();
    assert_eq!(dismissed.status, TelegramRequestStatus::Dismissed);
    assert_eq!(
        dismissed.decided_by.map(|p| p.id),
        Some(agent.account().user.id)
    );
}
