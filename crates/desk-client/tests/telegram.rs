//! Telegram on the customer page, through the client core against a real server whose bridge
//! talks to the Bot API stand-in: a link code with a link per bot (and a clear refusal where
//! no bot runs), a chat linked with it appears in the list, the list is kept for offline
//! reading and marked so, an agent sees one organisation's chats, unlinking.

mod common;

use common::{Device, until};
use desk_client::Desk;
use desk_domain::{Bot, ChatKind};
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
