//! The alert bot, the night path of the help page, end to end: a real desk-server on a manual
//! clock at 02:00 in Kyiv running the bridge against the Bot API stand-in. A linked chat's
//! message becomes an outage report through the same path as `POST /outages` (kind from the
//! buttons or a command), pages the agent on duty, and a second report joins the incident; the
//! acknowledgement, updates and resolution reach every linked alert chat of every affected
//! organisation once, and nobody else's; a message nobody picked a kind for is filed anyway; a
//! restart between the question and the button files the report once. Photos and files sent to
//! the bot become the report's attachments (the same bytes, by sha256), join a draft waiting for
//! its kind, or are added to the report they reply to; over 20 MB the chat is told to attach
//! it in the app and the text still lands. Migration 0010 applies to a database that already
//! has 0011.

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
use desk_testkit::bot_api::{Sent, TgChat, TgDocument, TgUser};
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

/// The dispatcher presses kind button `index` under `question` in their chat; answers the
/// question's text once the bot has edited it into its answer.
async fn choose_kind(n: &Night, question: &Sent, index: usize) -> anyhow::Result<String> {
    let data = buttons(question)[index].1.clone();
    n.w.api.push_callback(
        &n.w.alert,
        &n.chat,
        &n.dispatcher,
        question.message_id,
        &data,
    );
    edit_of(&n.w, n.chat.id, question.message_id).await
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
    let filed = choose_kind(&n, &question, 1).await?;
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

/// A small PNG: its signature is what the attachment service sniffs.
fn png(len: usize, seed: u64) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend(noise(len, seed));
    b
}

async fn messages_of(w: &World, ticket_id: Uuid) -> anyhow::Result<Vec<Message>> {
    w.cast
        .alice
        .get_json(&format!("/api/v1/tickets/{ticket_id}/messages"))
        .await
}

/// The report ticket (first of its incident) of the newest incident of kind `kind`.
async fn report_of(w: &World, kind: &str, nth: usize) -> anyhow::Result<Ticket> {
    let incidents: Vec<Incident> = w.cast.alice.get_json("/api/v1/incidents").await?;
    let i = incidents
        .iter()
        .find(|i| i.kind.as_str() == kind)
        .ok_or_else(|| anyhow::anyhow!("no {kind} incident in {incidents:?}"))?;
    let id = i
        .ticket_ids
        .get(nth)
        .ok_or_else(|| anyhow::anyhow!("no report {nth} in {i:?}"))?;
    w.cast
        .alice
        .get_json(&format!("/api/v1/tickets/{id}"))
        .await
}

#[tokio::test]
async fn a_photo_with_a_caption_is_the_reports_file_once_the_kind_is_chosen() -> anyhow::Result<()>
{
    let n = night_scene().await?;
    let w = &n.w;
    let photo = png(200_000, 11);
    w.api.push_photo(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        photo.clone(),
        Some("АТС показує всі лінії червоними"),
    );
    let question = nth_sent(w, n.chat.id, 2).await?;
    let asked = question.text.clone().unwrap_or_default();
    assert!(asked.contains("Що саме не працює"), "{asked}");
    assert!(!asked.contains("не додаються"), "{asked}");
    let filed = choose_kind(&n, &question, 1).await?;
    assert!(filed.starts_with("Прийнято: звернення"), "{filed}");
    let report = report_of(w, "telephony", 0).await?;
    let messages = messages_of(w, report.id).await?;
    let first = &messages[0];
    assert!(
        first.body.starts_with("АТС показує всі лінії червоними"),
        "{}",
        first.body
    );
    assert_eq!(first.attachments.len(), 1, "{first:?}");
    let a = &first.attachments[0];
    assert_eq!(a.sha256, sha256_hex(&photo));
    assert_eq!(a.size, photo.len() as u64);
    assert_eq!(
        a.media_type, "image/png",
        "sniffed, not taken from Telegram"
    );
    let res = w
        .cast
        .agent
        .get(&format!("/api/v1/attachments/{}", a.id))
        .await?;
    assert_eq!(
        res.bytes().await?.to_vec(),
        photo,
        "the agent gets the bytes sent"
    );

    // `/telephony` in a screenshot's caption, in the office group: filed at once, with it.
    let shot = png(50_000, 12);
    w.api.push_photo(
        &w.alert,
        &n.group,
        &n.dispatcher,
        shot.clone(),
        Some("/telephony@desk_alert_bot"),
    );
    let joined = w.nth_to(n.group.id, 2).await?;
    assert!(
        joined.starts_with("Про збій уже відомо, працюємо"),
        "{joined}"
    );
    let second = report_of(w, "telephony", 1).await?;
    let said = messages_of(w, second.id).await?;
    assert!(
        said[0].body.starts_with("Не працює телефонія"),
        "{:?}",
        said[0]
    );
    let sums: Vec<&str> = said[0]
        .attachments
        .iter()
        .map(|a| a.sha256.as_str())
        .collect();
    assert_eq!(sums, [sha256_hex(&shot)]);

    // An album: one question for all of it, and the report has every photo, in order.
    let album = vec![png(20_000, 13), png(20_000, 14), png(20_000, 15)];
    w.api.push_album(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        album.clone(),
        Some("Програма видає помилку на кожному замовленні"),
    );
    let question = nth_sent(w, n.chat.id, 3).await?;
    let_bridge_look().await;
    assert_eq!(w.sent_to(n.chat.id).len(), 3, "asked once per photo");
    choose_kind(&n, &question, 0).await?;
    let program = report_of(w, "program", 0).await?;
    let said = messages_of(w, program.id).await?;
    let sums: Vec<&str> = said[0]
        .attachments
        .iter()
        .map(|a| a.sha256.as_str())
        .collect();
    let sent: Vec<String> = album.iter().map(|p| sha256_hex(p)).collect();
    assert_eq!(sums, sent);
    Ok(())
}

#[tokio::test]
async fn files_sent_while_the_kind_is_asked_join_the_report_and_the_filer_keeps_them()
-> anyhow::Result<()> {
    let n = night_scene().await?;
    let w = &n.w;
    w.api.push_text(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        "Водії з 01:40 не бачать нових замовлень",
    );
    let question = nth_sent(w, n.chat.id, 2).await?;
    let log = noise(30_000, 21);
    let doc = TgDocument {
        file_name: "driver-app.log",
        mime_type: "text/plain",
        bytes: log.clone(),
    };
    w.api
        .push_document(&w.alert, &n.chat, &n.dispatcher, doc, None);
    // The draft takes the file and the kind is asked again: nothing filed yet, nobody paged.
    let again = nth_sent(w, n.chat.id, 3).await?;
    let again_text = again.text.clone().unwrap_or_default();
    assert!(
        again_text.starts_with("📎 Додано до вашого повідомлення про збій.")
            && again_text.contains("Що саме не працює"),
        "{again:?}"
    );
    assert_eq!(buttons(&again).len(), 4);
    assert!(
        pages_of(&w.cast.agent).await?.is_empty(),
        "paged before the kind"
    );
    let filed = choose_kind(&n, &question, 2).await?;
    assert!(filed.starts_with("Прийнято: звернення"), "{filed}");
    let report = report_of(w, "driver_app", 0).await?;
    let messages = messages_of(w, report.id).await?;
    assert_eq!(
        messages[0].body,
        "Водії з 01:40 не бачать нових замовлень\n\n— Оксана (@oksana_disp) (Telegram)",
        "a file alone adds no line to the text"
    );
    let files: Vec<(&str, &str)> = messages[0]
        .attachments
        .iter()
        .map(|a| (a.filename.as_str(), a.sha256.as_str()))
        .collect();
    assert_eq!(files, [("driver-app.log", sha256_hex(&log).as_str())]);
    assert_eq!(pages_of(&w.cast.agent).await?.len(), 1);

    // A photo alone, nothing waiting: a draft that names it; nobody presses a button, and the
    // 3-minute filer files it as «інше» with the photo.
    let photo = png(10_000, 22);
    w.api
        .push_photo(&w.alert, &n.chat, &n.dispatcher, photo.clone(), None);
    let asked = nth_sent(w, n.chat.id, 4).await?;
    assert!(!buttons(&asked).is_empty(), "{asked:?}");
    w.cast.server.clock.advance(chrono::Duration::minutes(4));
    let filed = w.nth_to(n.chat.id, 5).await?;
    assert!(filed.starts_with("Прийнято: звернення"), "{filed}");
    let other = report_of(w, "other", 0).await?;
    let said = messages_of(w, other.id).await?;
    assert!(said[0].body.starts_with("📎 photo_"), "{}", said[0].body);
    let sums: Vec<&str> = said[0]
        .attachments
        .iter()
        .map(|a| a.sha256.as_str())
        .collect();
    assert_eq!(sums, [sha256_hex(&photo)]);
    Ok(())
}

#[tokio::test]
async fn a_file_in_reply_to_the_report_lands_in_it_and_one_over_20_mb_is_refused_plainly()
-> anyhow::Result<()> {
    let n = night_scene().await?;
    let w = &n.w;
    w.api.push_text(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        "/program Не відкривається програма",
    );
    let accepted = nth_sent(w, n.chat.id, 2).await?;
    let report = report_of(w, "program", 0).await?;
    assert!(
        accepted
            .text
            .as_deref()
            .unwrap_or_default()
            .contains(&format!("#{}", report.number)),
        "{accepted:?}"
    );

    // A screenshot in reply to «Прийнято: звернення #N», without a word: added to #N.
    let shot = png(80_000, 31);
    w.api.push_photo_reply(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        accepted.message_id,
        shot.clone(),
        None,
    );
    let added = w.nth_to(n.chat.id, 3).await?;
    assert!(
        added.contains(&format!("Додано до звернення #{}", report.number)),
        "{added}"
    );
    let messages = messages_of(w, report.id).await?;
    let last = messages
        .last()
        .ok_or_else(|| anyhow::anyhow!("no messages"))?;
    assert!(last.body.starts_with("📎 photo_"), "{}", last.body);
    assert_eq!(last.channel, Channel::Telegram);
    let sums: Vec<&str> = last.attachments.iter().map(|a| a.sha256.as_str()).collect();
    assert_eq!(sums, [sha256_hex(&shot)]);

    // A video over the Bot API's 20 MB with a few words: told plainly, the words land.
    let calls_before = w
        .api
        .calls()
        .iter()
        .filter(|c| c.method.eq_ignore_ascii_case("getFile"))
        .count();
    let big = TgDocument {
        file_name: "ekran.mp4",
        mime_type: "video/mp4",
        bytes: noise(21 * 1024 * 1024, 32),
    };
    w.api.push_document_reply(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        accepted.message_id,
        big,
        Some("Відео з екрана оператора"),
    );
    let told = w.nth_to(n.chat.id, 4).await?;
    assert!(
        told.contains(&format!("Додано до звернення #{}", report.number)),
        "{told}"
    );
    assert!(told.contains("«ekran.mp4» завеликий"), "{told}");
    assert!(told.contains("20 МБ"), "{told}");
    assert!(told.contains("програмі Desk"), "{told}");
    let messages = messages_of(w, report.id).await?;
    let last = messages
        .last()
        .ok_or_else(|| anyhow::anyhow!("no messages"))?;
    assert_eq!(last.body, "Відео з екрана оператора");
    assert!(last.attachments.is_empty(), "{last:?}");
    let calls_after = w
        .api
        .calls()
        .iter()
        .filter(|c| c.method.eq_ignore_ascii_case("getFile"))
        .count();
    assert_eq!(
        calls_before, calls_after,
        "getFile asked for a file over 20 MB"
    );

    // The same as a new report, by a command in the caption: filed with the text, no file.
    let big = TgDocument {
        file_name: "dzvinky.mp4",
        mime_type: "video/mp4",
        bytes: noise(21 * 1024 * 1024, 33),
    };
    w.api.push_document(
        &w.alert,
        &n.chat,
        &n.dispatcher,
        big,
        Some("/telephony Запис: дзвінки обриваються"),
    );
    let filed = w.nth_to(n.chat.id, 5).await?;
    assert!(filed.starts_with("Прийнято: звернення"), "{filed}");
    assert!(filed.contains("«dzvinky.mp4» завеликий"), "{filed}");
    let calls = report_of(w, "telephony", 0).await?;
    let said = messages_of(w, calls.id).await?;
    assert!(
        said[0].body.starts_with("Запис: дзвінки обриваються"),
        "{}",
        said[0].body
    );
    assert!(said[0].attachments.is_empty());
    Ok(())
}

/// 0010 came after 0011 was released: an install that has 0011 applied (and no 0010) opens
/// fine, and the draft table gains its files.
#[tokio::test]
async fn migration_0010_applies_after_0011_on_an_existing_database() -> anyhow::Result<()> {
    use sqlx::Connection;
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let old = tempfile::tempdir()?;
    for e in std::fs::read_dir(&src)? {
        let p = e?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !name.starts_with("0010_") {
            std::fs::copy(&p, old.path().join(name))?;
        }
    }
    let data = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        data.path().join("desk.sqlite3").display()
    );
    {
        let mut conn = sqlx::SqliteConnection::connect(&url).await?;
        sqlx::migrate::Migrator::new(old.path())
            .await?
            .run(&mut conn)
            .await?;
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&mut conn)
                .await?;
        assert!(
            versions.contains(&11) && !versions.contains(&10),
            "{versions:?}"
        );
        conn.close().await?;
    }
    drop(desk_server::store::SqliteStore::open(data.path()).await?);
    let mut conn = sqlx::SqliteConnection::connect(&url).await?;
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await?;
    assert!(versions.contains(&10), "{versions:?}");
    let ids: Option<String> =
        sqlx::query_scalar("SELECT attachment_ids FROM telegram_alert_drafts LIMIT 1")
            .fetch_optional(&mut conn)
            .await?;
    assert!(ids.is_none(), "no drafts yet, but the column is there");
    Ok(())
}
