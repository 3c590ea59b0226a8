//! Writes made while the server is down survive a client restart and arrive exactly once, in
//! order, with intact files; afterwards the cache matches the server. Until they are sent, the
//! tickets show the status the server's rules will give them.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{Device, idle, topics_cached, until};
use desk_client::{NewTicketInput, ReplyInput, TicketQuery};
use desk_domain::{Message, Ticket, TicketPage, TicketStatus};
use desk_testkit::Cast;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn offline_writes_arrive_once_in_order_with_files() {
    let mut cast = Cast::new().await.unwrap();
    let base = cast.server.base.clone();
    let device = Device::new();
    let desk = device.sign_in(&base, "alice@a.example.com").await;
    topics_cached(&desk).await;
    let existing = cast
        .alice
        .create_ticket("other", "Уже є", "Звернення, створене онлайн")
        .await
        .unwrap();
    until("the online ticket is cached", || {
        let d = desk.clone();
        async move { d.ticket(existing.id).await.unwrap().is_some() }
    })
    .await;

    cast.server.stop().await.unwrap();

    // A 3 MiB file, then the original is deleted: the copy in the app's data dir must carry it.
    let video: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let video_path = device.path("відео з диспетчерської.mp4");
    std::fs::write(&video_path, &video).unwrap();
    let note_path = device.path("note.txt");
    std::fs::write(&note_path, "номер 0 44 123 45 67").unwrap();

    let first = desk
        .create_ticket(NewTicketInput {
            topic_id: "telephony-down".into(),
            subject: "Не проходять дзвінки".into(),
            body: "З 02:10 вхідні не проходять".into(),
            files: vec![video_path.clone()],
        })
        .await
        .unwrap();
    std::fs::remove_file(&video_path).unwrap();
    let second = desk
        .create_ticket(NewTicketInput {
            topic_id: "tariffs".into(),
            subject: "Тариф на нічні поїздки".into(),
            body: "Як змінити нічний тариф?".into(),
            files: vec![],
        })
        .await
        .unwrap();
    let reply_to_new = desk
        .reply(
            first,
            ReplyInput {
                body: "Оновлення: вихідні теж".into(),
                internal: false,
                files: vec![note_path],
            },
        )
        .await
        .unwrap();
    let reply_to_old = desk
        .reply(
            existing.id,
            ReplyInput {
                body: "Додаю подробиці".into(),
                ..ReplyInput::default()
            },
        )
        .await
        .unwrap();

    // Shown at once, as sending.
    let list = desk.tickets(&TicketQuery::default()).await.unwrap();
    let shown = list
        .iter()
        .find(|t| t.cached.ticket.id == first)
        .expect("the offline ticket is listed");
    assert!(shown.cached.provisional);
    assert!(shown.sending.is_some());
    assert_eq!(desk.outbox().await.unwrap().len(), 4);
    until("the engine notices it is offline", || {
        let d = desk.clone();
        async move { !d.state().borrow().online && d.state().borrow().pending == 4 }
    })
    .await;

    // The app restarts while still offline.
    desk.close().await;
    drop(desk);
    let desk = device.resume().await;
    assert_eq!(
        desk.outbox().await.unwrap().len(),
        4,
        "the outbox survives a restart"
    );
    let view = desk
        .ticket(first)
        .await
        .unwrap()
        .expect("still shown after restart");
    assert_eq!(view.messages.len(), 2);
    // Before it is sent, a file's bytes are the outbox's copy: nothing may be kept beside it.
    let queued = view.messages[0].cached.message.attachments[0].clone();
    let copy = desk.attachment_file(&queued).await.unwrap();
    assert!(!desk.is_download(&queued, &copy), "{}", copy.display());

    cast.server.start_again().await.unwrap();
    desk.sync_now().await;
    idle(&desk).await;

    // On the server: each exactly once, numbered in the order written, files intact.
    let page: TicketPage = cast
        .alice
        .get_json("/api/v1/tickets?limit=200")
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3, "no duplicates");
    let t1: Ticket = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{first}"))
        .await
        .unwrap();
    let t2: Ticket = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{second}"))
        .await
        .unwrap();
    assert!(t1.number < t2.number, "sent in the order written");
    let msgs: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{first}/messages"))
        .await
        .unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1].id, reply_to_new);
    let video_att = &msgs[0].attachments[0];
    assert_eq!(video_att.filename, "відео з диспетчерської.mp4");
    assert_eq!(video_att.sha256, hex::encode(Sha256::digest(&video)));
    let bytes = cast
        .alice
        .get(&format!("/api/v1/attachments/{}", video_att.id))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), video.as_slice());
    let old_msgs: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", existing.id))
        .await
        .unwrap();
    assert_eq!(old_msgs.iter().filter(|m| m.id == reply_to_old).count(), 1);

    // The cache now matches the server.
    until("the cache has the server's copies", || {
        let d = desk.clone();
        async move {
            d.ticket(first).await.unwrap().is_some_and(|v| {
                !v.item.cached.provisional
                    && v.messages.iter().all(|m| !m.cached.provisional)
                    && v.messages.len() == 2
            })
        }
    })
    .await;
    let cached = desk.tickets(&TicketQuery::default()).await.unwrap();
    let mut cached_tickets: Vec<Ticket> = cached.into_iter().map(|t| t.cached.ticket).collect();
    let mut server_tickets = page.items.clone();
    cached_tickets.sort_by_key(|t| t.number);
    server_tickets.sort_by_key(|t| t.number);
    assert_eq!(cached_tickets, server_tickets);
    let cached_msgs: Vec<Message> = desk
        .ticket(first)
        .await
        .unwrap()
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.cached.message)
        .collect();
    assert_eq!(cached_msgs, msgs);
    // The sender's own file is already on disk as a verified download.
    let local = desk.attachment_file(video_att).await.unwrap();
    assert!(desk.is_download(video_att, &local), "{}", local.display());
    assert_eq!(std::fs::read(local).unwrap(), video);
    desk.close().await;
}

/// Until a write reaches the server, its ticket shows what `desk_domain::rules` (the server's
/// rules) will make of it: a customer's reply reopens a resolved ticket to its assignee and
/// answers support's question; a customer's reopen goes back to the assignee too. Once sent,
/// the server agrees.
#[tokio::test]
async fn queued_writes_show_the_status_the_server_will_give() {
    let mut cast = Cast::new().await.unwrap();
    let base = cast.server.base.clone();
    let device = Device::new();
    let desk = device.sign_in(&base, "alice@a.example.com").await;
    let agent = cast.agent.user().id;
    let mut ids = Vec::new();
    for (subject, support) in [
        (
            "Вирішене, відповім",
            serde_json::json!({"assignee_id": agent, "status": "resolved"}),
        ),
        (
            "Питання до мене",
            serde_json::json!({"status": "waiting_for_customer"}),
        ),
        (
            "Вирішене, відкрию",
            serde_json::json!({"assignee_id": agent, "status": "resolved"}),
        ),
    ] {
        let t = cast
            .alice
            .create_ticket("other", subject, "Опис")
            .await
            .unwrap();
        cast.agent
            .patch(&format!("/api/v1/tickets/{}", t.id), &support)
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        ids.push(t.id);
    }
    let [replied, answered, reopened] = ids[..] else {
        unreachable!()
    };
    let status = |id| {
        let d = desk.clone();
        async move {
            d.ticket(id).await.unwrap().map(|v| {
                (
                    v.item.cached.ticket.status,
                    v.item.cached.ticket.resolved_at.is_some(),
                )
            })
        }
    };
    until("the cache has what support did", || async {
        status(replied).await == Some((TicketStatus::Resolved, true))
            && status(answered).await == Some((TicketStatus::WaitingForCustomer, false))
            && status(reopened).await == Some((TicketStatus::Resolved, true))
    })
    .await;

    cast.server.stop().await.unwrap();
    for (id, body) in [(replied, "Знову не працює"), (answered, "Ось відповідь")]
    {
        let reply = ReplyInput {
            body: body.into(),
            ..ReplyInput::default()
        };
        desk.reply(id, reply).await.unwrap();
    }
    desk.set_status(reopened, TicketStatus::New).await.unwrap();
    let want = [
        (replied, TicketStatus::InProgress),
        (answered, TicketStatus::InProgress),
        (reopened, TicketStatus::InProgress),
    ];
    for (id, s) in want {
        assert_eq!(status(id).await, Some((s, false)), "shown while queued");
    }

    cast.server.start_again().await.unwrap();
    desk.sync_now().await;
    idle(&desk).await;
    for (id, s) in want {
        let server: Ticket = cast
            .alice
            .get_json(&format!("/api/v1/tickets/{id}"))
            .await
            .unwrap();
        assert_eq!((server.status, server.resolved_at.is_some()), (s, false));
        until("the cache holds the server's copy", || {
            let (d, server) = (desk.clone(), server.clone());
            async move {
                d.ticket(id)
                    .await
                    .unwrap()
                    .is_some_and(|v| !v.item.cached.provisional && v.item.cached.ticket == server)
            }
        })
        .await;
    }
    desk.close().await;
}
