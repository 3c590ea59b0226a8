//! The alert bot, the night path of the help page, end to end: a real desk-server on a manual
//! clock at 02:00 in Kyiv running the bridge against the Bot API stand-in. A linked chat's
//! message becomes an outage report through the same path as `POST /outages` (kind from the
//! buttons or a command), pages the agent on duty, and a second report joins the incident; the
//! acknowledgement, updates and resolution reach every linked alert chat of every affected
//! organisation once, and nobody else's; a message nobody picked a kind for is filed anyway; a
//! restart between the question and the button files the report once.

mod common;

use std::time::Duration;

use common::telegram::*;
use common::*;
use desk_domain::{
    Change, ChangeData, Channel, Incident, IncidentStatus, Message, Page, Role, Ticket,
    TicketStatus,
};
use desk_server::Clock;
use desk_testkit::Session;
use desk_testkit::bot_api::{Sent, TgChat, TgUser};
use serde_json::json;
use uuid::Uuid;

fn pages(changes: &[Change]) -> Vec<Page> {
    changes
        .iter()
        .filter_map(|c| match &c.entity {
            ChangeData::Page(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

async fn pages_of(agent: &Session) -> anyhow::Result<Vec<Page>> {
    Ok(pages(&pull_all(agent, 0).await?.0))
}

/// Waits for the `n`-th message to `chat`, whole.
async fn nth_sent(w: &World, chat: i64, n: usize) -> anyhow::Result<Sent> {
    eventually_some(&format!("message {n} to chat {chat}"), || async move {
        Ok(w.sent_to(chat).get(n - 1).cloned())
    })
    .await
}

/// Waits for an edit of message `message_id` in `chat`, and answers its text.
async fn edit_of(w: &World, chat: i64, message_id: i64) -> anyhow::Result<String> {
    eventually_some("the question to be edited", || async move {
        Ok(w.api
            .edits()
            .into_iter()
            .find(|e| e.chat_id == chat && e.message_id == message_id)
            .map(|e| e.text.unwrap_or_default()))
    })
    .await
}

/// Gives the bridge several looks, so a message that should not come has had its chance to.
async fn let_bridge_look() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

struct Night {
    w: World,
    night_agent: Session,
    dispatcher: TgUser,
    /// Alice's service: the dispatcher's private chat and the office group.
    chat: TgChat,
    group: TgChat,
    /// Bob's service, linked too: it must hear nothing of Alice's outage.
    bobs: TgChat,
}

async fn night_scene() -> anyhow::Result<Night> {
    let w = world_on(Clock::manual(night())).await?;
    let night_agent = w
        .cast
        .server
        .add_user("night@vendor.example.com", Role::Agent, None)
        .await?;
    on_duty(&night_agent).await?;
    let dispatcher = TgUser::new(7001, "Оксана").username("oksana_disp");
    let chat = TgChat::private(&dispatcher);
    let group = TgChat::group(-7100, "Диспетчерська Ластівки");
    let greeting = w.link(&w.cast.alice, &w.alert, &chat, &dispatcher).await?;
    assert!(greeting.contains("Таксі Ластівка"), "{greeting}");
    w.link(&w.cast.alice, &w.alert, &group, &dispatcher).await?;
    let bob = TgUser::new(7002, "Богдан");
    let bobs = TgChat::private(&bob);
    w.link(&w.cast.bob, &w.alert, &bobs, &bob).await?;
    Ok(Night {
        w,
        night_agent,
        dispatcher,
        chat,
        group,
        bobs,
    })
}

#[tokio::test]
async fn a_night_message_becomes_a_report_that_pages_and_a_second_one_joins_it()
-> anyhow::Result<()> {
    let n = night_scene().await?;
    let w = &n.w;
    w.api.push_text(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        "Не проходять дзвінки з 01:50 <усі лінії> & оператори нічого не чують",
    );
    // The bot asks which kind, with the four kinds of the help page.
    let question = nth_sent(w, n.chat.id, 2).await?;
    assert!(
        question
            .text
            .as_deref()
            .unwrap_or_default()
            .contains("Що саме не працює"),
        "{question:?}"
    );
    let kinds = buttons(&question);
    let labels: Vec<&str> = kinds.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Програма",
            "Телефонія",
            "Водії не отримують замовлення",
            "Інше"
        ]
    );
    assert!(
        pages_of(&w.cast.agent).await?.is_empty(),
        "paged before the kind"
    );

    // «Телефонія»: filed, the question turns into the answer, the agent on duty is paged.
    w.api.push_callback(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        question.message_id,
        &kinds[1].1,
    );
    let filed = edit_of(w, n.chat.id, question.message_id).await?;
    assert!(filed.starts_with("Прийнято: звернення"), "{filed}");
    assert!(filed.contains("Не працює телефонія"), "{filed}");
    let incidents: Vec<Incident> = w.cast.alice.get_json("/api/v1/incidents").await?;
    assert_eq!(incidents.len(), 1);
    let incident = &incidents[0];
    assert_eq!(incident.kind.as_str(), "telephony");
    let report: Ticket = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}", incident.ticket_ids[0]))
        .await?;
    assert!(filed.contains(&format!("#{}", report.number)), "{filed}");
    assert_eq!(report.topic_id, "telephony-down");
    assert!(report.urgent);
    let messages: Vec<Message> = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", report.id))
        .await?;
    assert_eq!(messages[0].channel, Channel::Telegram);
    assert_eq!(messages[0].author.id, w.cast.alice.user().id);
    assert_eq!(
        messages[0].body,
        "Не проходять дзвінки з 01:50 <усі лінії> & оператори нічого не чують\n\n— Оксана (@oksana_disp) (Telegram)"
    );
    let p = pages_of(&w.cast.agent).await?;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].incident_id, incident.id);
    assert_eq!(p[0].recipients, vec![n.night_agent.user().id]);

    // The same button again: nothing filed twice, the dispatcher is told where it went.
    w.api.push_callback(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        question.message_id,
        &kinds[1].1,
    );
    eventually_some("the second press to be answered", || async move {
        Ok((w.api.callback_answers().len() >= 2).then_some(()))
    })
    .await?;
    let_bridge_look().await;
    let incidents: Vec<Incident> = w.cast.alice.get_json("/api/v1/incidents").await?;
    assert_eq!(incidents[0].ticket_ids.len(), 1, "filed twice");

    // The office group, by command: the same outage, already known, nobody paged again.
    w.api.push_text(
        &w.alert,
        &n.group,
        &n.dispatcher,
        "/telephony@desk_alert_bot",
    );
    let joined = nth_sent(w, n.group.id, 2).await?;
    let joined = joined.text.unwrap_or_default();
    assert!(
        joined.starts_with("Про збій уже відомо, працюємо"),
        "{joined}"
    );
    let incidents: Vec<Incident> = w.cast.alice.get_json("/api/v1/incidents").await?;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].ticket_ids.len(), 2);
    assert_eq!(pages_of(&w.cast.agent).await?.len(), 1, "paged again");
    let second: Ticket = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}", incidents[0].ticket_ids[1]))
        .await?;
    let said: Vec<Message> = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", second.id))
        .await?;
    assert!(
        said[0].body.starts_with("Не працює телефонія"),
        "{:?}",
        said[0]
    );

    // Group chatter that is neither a command nor a reply to the bot is not a report.
    w.api
        .push_text(&w.alert, &n.group, &n.dispatcher, "Хто сьогодні на зміні?");
    // A reply to the bot's answer adds to that report.
    let answer = nth_sent(w, n.chat.id, 2).await?;
    w.api.push_reply(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        answer.message_id,
        "Мобільні теж не проходять",
    );
    let added = nth_sent(w, n.chat.id, 3).await?;
    assert!(
        added
            .text
            .as_deref()
            .unwrap_or_default()
            .contains(&format!("#{}", report.number)),
        "{added:?}"
    );
    let messages: Vec<Message> = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", report.id))
        .await?;
    assert_eq!(
        messages.last().map(|m| m.body.as_str()),
        Some("Мобільні теж не проходять")
    );
    let_bridge_look().await;
    assert_eq!(w.sent_to(n.group.id).len(), 2, "the bot answered chatter");
    assert_eq!(
        w.sent_to(n.bobs.id).len(),
        1,
        "Bob's chat heard of Alice's outage"
    );
    Ok(())
}

#[tokio::test]
async fn the_acknowledgement_updates_and_resolution_reach_every_affected_chat_once()
-> anyhow::Result<()> {
    let mut n = night_scene().await?;
    n.w.api.push_text(
        &n.w.alert,
        &n.chat,
        &n.dispatcher,
        "/program Не відкривається програма",
    );
    let filed = n.w.nth_to(n.chat.id, 2).await?;
    assert!(
        filed.contains("Не працює диспетчерська програма"),
        "{filed}"
    );
    let incidents: Vec<Incident> = n.w.cast.alice.get_json("/api/v1/incidents").await?;
    let id = incidents[0].id;

    n.w.cast.server.clock.advance(chrono::Duration::minutes(14));
    n.night_agent
        .post_json::<_, Incident>(&format!("/api/v1/incidents/{id}/acknowledge"), &json!({}))
        .await?;
    let ack = n.w.nth_to(n.chat.id, 3).await?;
    assert!(ack.contains("Прийнято: night о 02:14"), "{ack}");
    assert!(ack.contains("Не працює диспетчерська програма"), "{ack}");
    assert_eq!(
        n.w.nth_to(n.group.id, 2).await?,
        ack,
        "the group hears it too"
    );

    let update =
        json!({"id": Uuid::now_v7(), "body": "Перезапускаємо сервер <db-1>, ще 10 хвилин"});
    n.night_agent
        .post_json::<_, Incident>(&format!("/api/v1/incidents/{id}/updates"), &update)
        .await?;
    let said = n.w.nth_to(n.chat.id, 4).await?;
    assert!(
        said.contains("Перезапускаємо сервер &lt;db-1&gt;, ще 10 хвилин"),
        "{said}"
    );

    n.w.cast.server.clock.advance(chrono::Duration::minutes(20));
    let resolution = json!({"id": Uuid::now_v7(), "body": "Усе працює, перевірте, будь ласка"});
    n.night_agent
        .post_json::<_, Incident>(&format!("/api/v1/incidents/{id}/resolve"), &resolution)
        .await?;
    let fixed = n.w.nth_to(n.chat.id, 5).await?;
    assert!(fixed.contains("Відновлено о 02:34"), "{fixed}");
    n.w.nth_to(n.group.id, 4).await?;

    // Once each, also across a restart; Bob's service was never affected.
    n.w.cast.server.restart().await?;
    let_bridge_look().await;
    assert_eq!(
        n.w.sent_to(n.chat.id).len(),
        5,
        "{:?}",
        n.w.sent_to(n.chat.id)
    );
    assert_eq!(n.w.sent_to(n.group.id).len(), 4);
    assert_eq!(
        n.w.sent_to(n.bobs.id).len(),
        1,
        "Bob's chat heard of Alice's outage"
    );
    let incident: Incident =
        n.w.cast
            .alice
            .get_json(&format!("/api/v1/incidents/{id}"))
            .await?;
    assert_eq!(incident.status, IncidentStatus::Resolved);

    // An outage an agent announces for every service reaches every service's chat.
    let all = json!({"id": Uuid::now_v7(), "kind": "driver_app", "title": "", "body": "Водійський застосунок не отримує замовлень, розбираємося", "all_organizations": true});
    n.w.cast
        .agent
        .post_json::<_, Incident>("/api/v1/incidents", &all)
        .await?;
    let bobs_news = n.w.nth_to(n.bobs.id, 2).await?;
    assert!(bobs_news.contains("розбираємося"), "{bobs_news}");
    assert!(n.w.nth_to(n.chat.id, 6).await?.contains("розбираємося"));
    Ok(())
}

#[tokio::test]
async fn a_message_nobody_picked_a_kind_for_is_filed_and_a_restart_files_once() -> anyhow::Result<()>
{
    let mut n = night_scene().await?;
    let w = &mut n.w;
    w.api.push_text(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        "Нічого не працює, терміново",
    );
    nth_sent(w, n.chat.id, 2).await?;
    let_bridge_look().await;
    assert!(pages_of(&w.cast.agent).await?.is_empty());
    // Nobody presses a button: after a few minutes it is filed as «інше» and pages anyway.
    w.cast.server.clock.advance(chrono::Duration::minutes(4));
    let filed = w.nth_to(n.chat.id, 3).await?;
    assert!(filed.starts_with("Прийнято: звернення"), "{filed}");
    let incidents: Vec<Incident> = w.cast.alice.get_json("/api/v1/incidents").await?;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind.as_str(), "other");
    assert_eq!(pages_of(&w.cast.agent).await?.len(), 1);

    // The question asked, the server restarted, then the button: filed once.
    w.api.push_text(&w.alert, &n.group, &n.dispatcher, "/help");
    let help = nth_sent(w, n.group.id, 2).await?;
    assert!(
        help.text
            .as_deref()
            .unwrap_or_default()
            .contains("/telephony")
    );
    w.cast.server.restart().await?;
    let data = buttons(&help)[0].1.clone();
    w.api
        .push_callback(&w.alert, &n.group, &n.dispatcher, help.message_id, &data);
    let filed = nth_sent(w, n.group.id, 3).await?;
    assert!(
        filed
            .text
            .as_deref()
            .unwrap_or_default()
            .contains("Не працює диспетчерська програма"),
        "{filed:?}"
    );
    w.cast.server.restart().await?;
    let_bridge_look().await;
    let incidents: Vec<Incident> = w.cast.alice.get_json("/api/v1/incidents").await?;
    assert_eq!(incidents.len(), 2);
    assert_eq!(
        incidents.iter().map(|i| i.ticket_ids.len()).sum::<usize>(),
        2,
        "filed twice"
    );
    assert_eq!(w.sent_to(n.group.id).len(), 3);
    let t: Ticket = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}", incidents[0].ticket_ids[0]))
        .await?;
    assert_eq!(t.status, TicketStatus::New);
    Ok(())
}
