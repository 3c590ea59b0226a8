//! Chats that write without a link code, end to end (a real desk-server running both bots
//! against the Bot API stand-in): the help page's own flow — Start, the service's name, and at
//! night what is down — never drops a message and never lets a chat read a service's tickets
//! by typing its name. To the alert bot it pages the agent on duty as an unverified report,
//! which the agent attaches to a service (linking the chat, filing the report, taking it on);
//! to the support bot it is a link request the service's own people approve, or dismiss.

mod common;

use std::time::Duration;

use common::telegram::*;
use common::*;
use desk_domain::{
    ChangeData, Channel, Incident, Message, Role, TelegramRequest, TelegramRequestStatus,
};
use desk_server::Clock;
use desk_testkit::Session;
use desk_testkit::bot_api::{TgChat, TgUser};
use serde_json::json;

async fn requests(s: &Session, query: &str) -> anyhow::Result<Vec<TelegramRequest>> {
    s.get_json(&format!("/api/v1/telegram/requests{query}"))
        .await
}

async fn decide(
    s: &Session,
    r: &TelegramRequest,
    what: &str,
    body: serde_json::Value,
) -> anyhow::Result<desk_testkit::reqwest::Response> {
    Ok(
        s.post(&format!("/api/v1/telegram/requests/{}/{what}", r.id), &body)
            .await?,
    )
}

/// Gives the bridge several looks, so a message that should not come has had its chance to.
async fn let_bridge_look() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

fn texts(w: &World, chat: i64) -> Vec<String> {
    w.sent_to(chat)
        .into_iter()
        .map(|s| s.text.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn an_unlinked_night_report_pages_the_agent_on_duty_who_attaches_it_to_the_service()
-> anyhow::Result<()> {
    let w = world_on(Clock::manual(night())).await?;
    let night_agent = w
        .cast
        .server
        .add_user("night@vendor.example.com", Role::Agent, None)
        .await?;
    on_duty(&night_agent).await?;
    let oleh = TgUser::new(8001, "Олег").username("oleh_lastivka");
    let chat = TgChat::private(&oleh);

    // Start with no code: how to go on, and nothing is kept yet.
    w.api.push_text(&w.alert, &chat, &oleh, "/start");
    let hello = w.nth_to(chat.id, 1).await?;
    assert!(
        hello.contains("напишіть сюди назву вашої служби"),
        "{hello}"
    );
    assert!(requests(&w.cast.agent, "").await?.is_empty());

    // The service's name and what is down: passed to the agent on duty at once.
    w.api.push_text(
        &w.alert,
        &chat,
        &oleh,
        "Ластівка, не працює телефонія з 01:50",
    );
    let kept = w.nth_to(chat.id, 2).await?;
    assert!(kept.contains("передано черговому спеціалісту"), "{kept}");
    let pending = requests(&night_agent, "").await?;
    assert_eq!(pending.len(), 1, "{pending:?}");
    let r = &pending[0];
    assert!(r.report);
    assert_eq!(r.status, TelegramRequestStatus::Pending);
    assert_eq!(r.author, "Олег (@oleh_lastivka)");
    assert_eq!(r.suggested_organization_id, Some(w.cast.org_a.id));
    assert_eq!(r.recipients, vec![night_agent.user().id], "paged on duty");
    // It reaches the agent's app through the change log, and no customer's.
    let (changes, _) = pull_all(&night_agent, 0).await?;
    assert!(
        changes
            .iter()
            .any(|c| matches!(&c.entity, ChangeData::TelegramRequest(x) if x.id == r.id))
    );
    for customer in [&w.cast.alice, &w.cast.bob] {
        let (changes, _) = pull_all(customer, 0).await?;
        assert!(
            !changes
                .iter()
                .any(|c| matches!(c.entity, ChangeData::TelegramRequest(_)))
        );
    }
    // No incident and no ticket yet: nothing is filed for a service on a stranger's word.
    let incidents: Vec<Incident> = w.cast.agent.get_json("/api/v1/incidents").await?;
    assert!(incidents.is_empty());

    // More from the same chat joins the request; nobody is paged again.
    w.api
        .push_text(&w.alert, &chat, &oleh, "Мобільні теж не проходять");
    let added = w.nth_to(chat.id, 3).await?;
    assert!(added.starts_with("Додали"), "{added}");
    let pending = requests(&night_agent, "").await?;
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].text,
        "Ластівка, не працює телефонія з 01:50\n\nМобільні теж не проходять"
    );
    assert_eq!(pending[0].created_at, r.created_at);

    // The chat heard nothing of any service.
    for t in texts(&w, chat.id) {
        assert!(!t.contains("Таксі Ластівка"), "{t}");
        assert!(!t.contains('#'), "{t}");
    }
    // Another service's people neither see it nor may decide it; the named service sees it.
    assert!(requests(&w.cast.bob, "").await?.is_empty());
    let res = decide(&w.cast.bob, r, "approve", json!({})).await?;
    expect_error(res, 404, "not_found").await?;
    let alices = requests(&w.cast.alice, "").await?;
    assert_eq!(alices.len(), 1);
    assert!(alices[0].recipients.is_empty(), "who was paged is staff's");

    // Nobody decides it: after the re-page interval (5 minutes), every agent is paged again.
    assert_eq!(r.round, 1);
    w.cast.server.clock.advance(chrono::Duration::minutes(5));
    let again = eventually_some("the report paged again", || async {
        let (changes, _) = pull_all(&w.cast.agent, 0).await?;
        Ok(changes.into_iter().find_map(|c| match c.entity {
            ChangeData::TelegramRequest(x) if x.id == r.id && x.round == 2 => Some(x),
            _ => None,
        }))
    })
    .await?;
    assert!(again.rings_for(w.cast.agent.user().id), "every agent now");
    assert_eq!(requests(&night_agent, "").await?.len(), 1);

    // The agent attaches it to the service it named.
    let res = decide(&night_agent, r, "approve", json!({})).await?;
    assert_eq!(res.status().as_u16(), 200);
    let done: TelegramRequest = res.json().await?;
    assert_eq!(done.status, TelegramRequestStatus::Approved);
    assert_eq!(done.attached_to, Some(w.cast.org_a.id));
    assert_eq!(
        done.decided_by.as_ref().map(|p| p.id),
        Some(night_agent.user().id)
    );
    let number = done.ticket_number.expect("filed as a report");
    // Filed as the service's outage report through Telegram, and taken on by the agent.
    let incidents: Vec<Incident> = w.cast.alice.get_json("/api/v1/incidents").await?;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind.as_str(), "other");
    assert_eq!(
        incidents[0].acknowledged_by.as_ref().map(|p| p.id),
        Some(night_agent.user().id)
    );
    let messages: Vec<Message> = w
        .cast
        .alice
        .get_json(&format!(
            "/api/v1/tickets/{}/messages",
            done.ticket_id.expect("ticket")
        ))
        .await?;
    assert_eq!(messages[0].channel, Channel::Telegram);
    assert!(
        messages[0]
            .body
            .starts_with("Ластівка, не працює телефонія"),
        "{}",
        messages[0].body
    );
    assert!(messages[0].body.contains("Олег (@oleh_lastivka)"));
    // The chat is greeted by the service's name with the report's number, then hears that
    // it was taken on.
    let greeting = w.nth_to(chat.id, 4).await?;
    assert!(greeting.contains("Таксі Ластівка"), "{greeting}");
    assert!(greeting.contains(&format!("#{number}")), "{greeting}");
    let taken = w.nth_to(chat.id, 5).await?;
    assert!(taken.contains("Прийнято: night о 02:05"), "{taken}");
    let links: Vec<desk_domain::TelegramLink> =
        w.cast.alice.get_json("/api/v1/telegram/links").await?;
    assert!(links.iter().any(|l| l.chat.id == chat.id));

    // Decided once.
    let res = decide(&w.cast.agent, r, "dismiss", json!({})).await?;
    expect_error(res, 409, "invalid_transition").await?;
    assert!(requests(&night_agent, "").await?.is_empty());
    assert_eq!(requests(&night_agent, "?status=all").await?.len(), 1);
    // Decided, it is paged no more.
    w.cast.server.clock.advance(chrono::Duration::minutes(10));
    let_bridge_look().await;
    let all = requests(&night_agent, "?status=all").await?;
    assert_eq!(all[0].round, 2, "paged after it was decided");

    // Linked now: the next message is a report of the service, asked for its kind.
    w.api
        .push_text(&w.alert, &chat, &oleh, "Програма теж зависла");
    let asked = w.nth_to(chat.id, 6).await?;
    assert!(asked.contains("Що саме не працює"), "{asked}");
    Ok(())
}

#[tokio::test]
async fn a_link_request_by_name_waits_for_the_services_own_approval() -> anyhow::Result<()> {
    let w = world().await?;
    let bohdan = TgUser::new(8101, "Богдан");
    let chat = TgChat::private(&bohdan);
    w.api.push_text(&w.support, &chat, &bohdan, "/start");
    let hello = w.nth_to(chat.id, 1).await?;
    assert!(
        hello.contains("напишіть сюди назву вашої служби"),
        "{hello}"
    );
    w.api.push_text(
        &w.support,
        &chat,
        &bohdan,
        "Таксі Злагода, диспетчер Богдан",
    );
    let kept = w.nth_to(chat.id, 2).await?;
    assert!(kept.contains("Запит на підключення прийнято"), "{kept}");

    // A specialist's reply on the service's ticket does not reach the chat before approval.
    let ticket = w
        .cast
        .bob
        .create_ticket(TOPIC, "Тарифи на ніч", "Як змінити нічний тариф?")
        .await?;
    w.cast
        .agent
        .reply(ticket.id, "Відкрийте Налаштування → Тарифи", false)
        .await?;
    let_bridge_look().await;
    assert_eq!(w.sent_to(chat.id).len(), 2, "{:?}", texts(&w, chat.id));

    // Only the named service's people see it and may approve it.
    assert!(requests(&w.cast.alice, "").await?.is_empty());
    let bobs = requests(&w.cast.bob, "").await?;
    assert_eq!(bobs.len(), 1);
    assert!(!bobs[0].report);
    let r = &bobs[0];
    let res = decide(&w.cast.alice, r, "approve", json!({})).await?;
    expect_error(res, 404, "not_found").await?;
    let res = decide(
        &w.cast.bob,
        r,
        "approve",
        json!({"organization_id": w.cast.org_a.id}),
    )
    .await?;
    expect_error(res, 403, "forbidden").await?;
    let res = decide(&w.cast.bob, r, "approve", json!({})).await?;
    assert_eq!(res.status().as_u16(), 200);
    let done: TelegramRequest = res.json().await?;
    assert_eq!(done.attached_to, Some(w.cast.org_b.id));
    assert_eq!(done.ticket_number, None, "a link request files nothing");
    let greeting = w.nth_to(chat.id, 3).await?;
    assert!(greeting.contains("Таксі Злагода"), "{greeting}");

    // From now on the chat hears the service's replies, and answers land as Bob's.
    w.cast
        .agent
        .reply(ticket.id, "І збережіть зміни кнопкою внизу", false)
        .await?;
    let reply = w.nth_to(chat.id, 4).await?;
    assert!(reply.contains("збережіть зміни"), "{reply}");
    Ok(())
}

#[tokio::test]
async fn a_request_nobody_can_place_waits_for_an_agent_and_a_dismissal_is_told()
-> anyhow::Result<()> {
    let w = world().await?;
    let stranger = TgUser::new(8201, "Ігор").language("en");
    let chat = TgChat::private(&stranger);
    w.api
        .push_text(&w.support, &chat, &stranger, "hello, who is this?");
    let kept = w.nth_to(chat.id, 1).await?;
    assert!(kept.starts_with("Link request received"), "{kept}");
    let pending = requests(&w.cast.agent, "").await?;
    assert_eq!(pending.len(), 1);
    let r = &pending[0];
    assert_eq!(r.suggested_organization_id, None);
    // No service named: an agent must choose one.
    let res = decide(&w.cast.agent, r, "approve", json!({})).await?;
    expect_error(res, 422, "validation_failed").await?;
    // And customers may not dismiss what does not name their service.
    let res = decide(&w.cast.alice, r, "dismiss", json!({})).await?;
    expect_error(res, 404, "not_found").await?;
    let res = decide(&w.cast.agent, r, "dismiss", json!({})).await?;
    assert_eq!(res.status().as_u16(), 200);
    let told = w.nth_to(chat.id, 2).await?;
    assert!(told.starts_with("Your request was not approved"), "{told}");
    // Writing again opens a new request: nothing is dropped.
    w.api
        .push_text(&w.support, &chat, &stranger, "Lastivka taxi");
    w.nth_to(chat.id, 3).await?;
    let pending = requests(&w.cast.agent, "").await?;
    assert_eq!(pending.len(), 1);
    assert_ne!(pending[0].id, r.id);

    // In an unlinked group only commands and replies to the bot are heard.
    let group = TgChat::group(-8300, "Диспетчерська");
    w.api
        .push_text(&w.support, &group, &stranger, "Хто сьогодні на зміні?");
    w.api
        .push_text(&w.support, &group, &stranger, "/start@desk_support_bot");
    let hello = w.nth_to(group.id, 1).await?;
    assert!(hello.contains("write your taxi service's name"), "{hello}");
    let_bridge_look().await;
    assert_eq!(w.sent_to(group.id).len(), 1);
    assert_eq!(requests(&w.cast.agent, "").await?.len(), 1);
    // An unknown filter is refused plainly.
    let res = w
        .cast
        .agent
        .get("/api/v1/telegram/requests?status=old")
        .await?;
    expect_error(res, 422, "validation_failed").await?;
    Ok(())
}
