//! Connected clients: two devices of one organisation converge; an agent's reply reaches a
//! customer's cache through the SSE poke alone (the slow timer is an hour); a permanent refusal
//! becomes a failed item the user can retry or discard; notifications are raised once, never
//! again after a restart.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{Device, idle, next_notification, topics_cached, until};
use desk_client::{NewTicketInput, NotificationKind, OutboxState, ReplyInput, TicketQuery};
use desk_domain::{TicketStatus, Topic};
use desk_testkit::Cast;

async fn cached(desk: &desk_client::Desk) -> Vec<desk_domain::Ticket> {
    let mut v: Vec<_> = desk
        .tickets(&TicketQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.cached.ticket)
        .collect();
    v.sort_by_key(|t| t.id);
    v
}

#[tokio::test]
async fn two_devices_of_one_organisation_converge() {
    let cast = Cast::new().await.unwrap();
    let (d1, d2) = (Device::new(), Device::new());
    let alice = d1.sign_in(&cast.server.base, "alice@a.example.com").await;
    let alan = d2.sign_in(&cast.server.base, "alan@a.example.com").await;
    until("both have topics", || {
        let (a, b) = (alice.clone(), alan.clone());
        async move { !a.topics().await.unwrap().is_empty() && !b.topics().await.unwrap().is_empty() }
    })
    .await;
    let t = alice
        .create_ticket(NewTicketInput {
            topic_id: "reports".into(),
            subject: "Звіт за зміну".into(),
            body: "Не формується".into(),
            files: vec![],
        })
        .await
        .unwrap();
    let u = alan
        .create_ticket(NewTicketInput {
            topic_id: "tariffs".into(),
            subject: "Тарифи".into(),
            body: "Питання".into(),
            files: vec![],
        })
        .await
        .unwrap();
    idle(&alice).await;
    idle(&alan).await;
    // Alice's ticket reaches Alan's device through the poke; only then can he answer on it.
    until("Alan's device has Alice's ticket", || {
        let b = alan.clone();
        async move { b.ticket(t).await.unwrap().is_some() }
    })
    .await;
    alan.reply(
        t,
        ReplyInput {
            body: "Підтверджую, у мене теж".into(),
            ..ReplyInput::default()
        },
    )
    .await
    .unwrap();
    alice.set_status(u, TicketStatus::Resolved).await.unwrap();
    idle(&alice).await;
    idle(&alan).await;
    // Alan's own reply is the last word on `t` and he has not opened it: still not unread.
    let mine = alan.tickets(&TicketQuery::default()).await.unwrap();
    assert_eq!(
        mine.iter()
            .find(|i| i.cached.ticket.id == t)
            .map(|i| i.cached.unread),
        Some(false)
    );
    until(
        "both devices hold the same tickets and conversation",
        || {
            let (a, b) = (alice.clone(), alan.clone());
            async move {
                let same_tickets =
                    cached(&a).await == cached(&b).await && cached(&a).await.len() == 2;
                let ma = a.ticket(t).await.unwrap().map(|v| v.messages.len());
                let mb = b.ticket(t).await.unwrap().map(|v| v.messages.len());
                same_tickets && ma == Some(2) && mb == Some(2)
            }
        },
    )
    .await;
    let resolved = alan.ticket(u).await.unwrap().unwrap();
    assert_eq!(resolved.item.cached.ticket.status, TicketStatus::Resolved);
    assert!(resolved.item.cached.ticket.resolved_at.is_some());
    alice.close().await;
    alan.close().await;
}

#[tokio::test]
async fn agent_reply_arrives_by_poke_and_notifies_once() {
    let cast = Cast::new().await.unwrap();
    let device = Device::new();
    let desk = device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;
    let mut events = desk.subscribe();
    let t = cast
        .alice
        .create_ticket(
            "telephony-down",
            "Тиша в трубці",
            "Оператори не чують клієнтів",
        )
        .await
        .unwrap();
    until("the ticket is cached", || {
        let d = desk.clone();
        async move { d.ticket(t.id).await.unwrap().is_some() }
    })
    .await;

    let reply = cast
        .agent
        .reply(t.id, "Перевірте, будь ласка, гарнітури", false)
        .await
        .unwrap();
    let note = cast
        .agent
        .reply(t.id, "Провайдер підтвердив збій", true)
        .await
        .unwrap();
    let notification = next_notification(&mut events, "a notification").await;
    assert_eq!(notification.kind, NotificationKind::SupportReplied);
    assert_eq!(notification.ticket_id, t.id);
    assert!(notification.title.contains(&format!("#{}", t.number)));
    assert!(notification.body.contains("гарнітури"));
    let view = desk.ticket(t.id).await.unwrap().unwrap();
    assert!(
        view.messages
            .iter()
            .any(|m| m.cached.message.id == reply.id)
    );
    assert!(
        view.messages.iter().all(|m| m.cached.message.id != note.id),
        "internal notes never reach customers"
    );

    // Resolved by the agent: one more notification.
    cast.agent
        .patch(
            &format!("/api/v1/tickets/{}", t.id),
            &serde_json::json!({"status": "resolved"}),
        )
        .await
        .unwrap();
    let notification = next_notification(&mut events, "the resolution notification").await;
    assert_eq!(notification.kind, NotificationKind::TicketResolved);

    // After a restart, and a full pull from scratch, nothing is raised again.
    desk.close().await;
    drop(desk);
    let cache = device.dir.path().join("app/accounts");
    for entry in std::fs::read_dir(&cache).unwrap() {
        let p = entry.unwrap().path().join("cache.sqlite3");
        std::fs::remove_file(&p).unwrap();
        let _ = std::fs::remove_file(p.with_file_name("cache.sqlite3-wal"));
        let _ = std::fs::remove_file(p.with_file_name("cache.sqlite3-shm"));
    }
    let desk = device.resume().await;
    let mut events = desk.subscribe();
    until("the cache is pulled again", || {
        let d = desk.clone();
        async move {
            d.ticket(t.id)
                .await
                .unwrap()
                .is_some_and(|v| v.messages.len() == 2)
        }
    })
    .await;
    let later = cast
        .agent
        .reply(t.id, "Ще одне уточнення", false)
        .await
        .unwrap();
    let notification = next_notification(&mut events, "only the new reply's notification").await;
    assert_eq!(
        notification.key,
        format!("message:{}", later.id),
        "earlier notifications are not repeated"
    );
    desk.close().await;
}

#[tokio::test]
async fn a_refused_write_is_kept_as_failed() {
    let cast = Cast::new().await.unwrap();
    let device = Device::new();
    let desk = device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;
    topics_cached(&desk).await;
    // The topic is retired on the server before the ticket reaches it.
    let topics: Vec<Topic> = cast.alice.get_json("/api/v1/topics").await.unwrap();
    let store = cast.server.store().unwrap();
    let keep: Vec<desk_domain::TopicDef> = topics
        .iter()
        .filter(|t| t.id != "reports")
        .map(|t| desk_domain::TopicDef {
            id: t.id.clone(),
            title: t.title.clone(),
            guidance: t.guidance.clone(),
            urgent: t.urgent,
        })
        .collect();
    store.import_topics(&keep).await.unwrap();
    let id = desk
        .create_ticket(NewTicketInput {
            topic_id: "reports".into(),
            subject: "Звіт".into(),
            body: "Не відкривається".into(),
            files: vec![],
        })
        .await
        .unwrap();
    until("the item is marked failed", || {
        let d = desk.clone();
        async move {
            d.outbox()
                .await
                .unwrap()
                .iter()
                .any(|i| i.state == OutboxState::Failed)
        }
    })
    .await;
    let items = desk.outbox().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].error_code.as_deref(), Some("unknown_topic"));
    assert!(
        items[0]
            .error_message
            .as_deref()
            .unwrap_or("")
            .contains("reports"),
        "the server's message is kept"
    );
    let listed = desk.tickets(&TicketQuery::default()).await.unwrap();
    let shown = listed
        .iter()
        .find(|t| t.cached.ticket.id == id)
        .expect("still listed");
    assert_eq!(
        shown.sending.as_ref().map(|s| s.state),
        Some(OutboxState::Failed)
    );
    assert_eq!(desk.state().borrow().failed, 1);

    // Discarding gives the text back as a draft and removes the provisional ticket.
    desk.discard(items[0].seq).await.unwrap();
    assert!(desk.outbox().await.unwrap().is_empty());
    assert!(desk.ticket(id).await.unwrap().is_none());
    let draft = desk
        .draft(desk_client::Desk::new_ticket_draft_key())
        .await
        .unwrap()
        .expect("draft restored");
    assert_eq!(draft.subject, "Звіт");
    assert_eq!(draft.body, "Не відкривається");
    desk.close().await;
}

#[tokio::test]
async fn attachments_download_on_demand_verified() {
    let cast = Cast::new().await.unwrap();
    let t = cast
        .alice
        .create_ticket("other", "Лог", "Надсилаю лог")
        .await
        .unwrap();
    let log: Vec<u8> = "рядок журналу\n".repeat(100_000).into_bytes();
    let up: desk_domain::Attachment = cast
        .agent
        .upload("журнал.log", log.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    cast.agent
        .post_json::<_, desk_domain::Message>(
            &format!("/api/v1/tickets/{}/messages", t.id),
            &serde_json::json!({"id": uuid::Uuid::now_v7(), "body": "Ось журнал", "attachment_ids": [up.id]}),
        )
        .await
        .unwrap();
    let device = Device::new();
    let desk = device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;
    until("the reply with its file is cached", || {
        let d = desk.clone();
        async move {
            d.ticket(t.id)
                .await
                .unwrap()
                .is_some_and(|v| v.messages.len() == 2)
        }
    })
    .await;
    let view = desk.ticket(t.id).await.unwrap().unwrap();
    let a = view.messages[1].cached.message.attachments[0].clone();
    // Found by ticket and id (how the app's previews ask), and only under its own ticket.
    assert_eq!(desk.attachment(t.id, a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        desk.attachment(uuid::Uuid::now_v7(), a.id).await.unwrap(),
        None
    );
    // Asked for four times at once (a preview and "open"): one download, one good file.
    let (p1, p2, p3, p4) = tokio::join!(
        desk.attachment_file(&a),
        desk.attachment_file(&a),
        desk.attachment_file(&a),
        desk.attachment_file(&a)
    );
    let path = p1.unwrap();
    for p in [p2, p3, p4] {
        assert_eq!(p.unwrap(), path);
    }
    assert_eq!(std::fs::read(&path).unwrap(), log);
    assert!(desk.is_download(&a, &path));
    assert!(
        path.ends_with("журнал.log"),
        "saved under its own name: {}",
        path.display()
    );
    // What the server sends must match the checksum it promised, or it is refused.
    let mut wrong = a.clone();
    wrong.sha256 = "0".repeat(64);
    let err = desk.attachment_file(&wrong).await.unwrap_err();
    assert_eq!(err.code, "checksum_mismatch");
    // Second time: from the local copy, even with the server gone.
    drop(cast);
    assert_eq!(desk.attachment_file(&a).await.unwrap(), path);
    desk.close().await;
}

/// Between the server's answer to a new ticket and the next pull, the conversation never shows
/// empty: the provisional first message gives way to the server's copy in one step.
#[tokio::test]
async fn a_sent_ticket_never_shows_an_empty_conversation() {
    let cast = Cast::new().await.unwrap();
    let dev = Device::new();
    let alice = dev.sign_in(&cast.server.base, "alice@a.example.com").await;
    topics_cached(&alice).await;
    let t = alice
        .create_ticket(NewTicketInput {
            topic_id: "reports".into(),
            subject: "Звіт за зміну".into(),
            body: "Не формується звіт за нічну зміну".into(),
            files: vec![],
        })
        .await
        .unwrap();
    // Watch closely until it is numbered and the server's message is in.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let view = alice
            .ticket(t)
            .await
            .unwrap()
            .expect("the ticket stays listed");
        assert!(
            !view.messages.is_empty(),
            "the conversation showed empty while the ticket was being sent"
        );
        let sent = view.item.cached.ticket.number > 0
            && view.messages.iter().all(|m| m.sending.is_none())
            && view.messages.iter().any(|m| m.cached.message.id != t);
        if sent {
            assert_eq!(view.messages.len(), 1);
            assert_eq!(
                view.messages[0].cached.message.body,
                "Не формується звіт за нічну зміну"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the ticket was not sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}
