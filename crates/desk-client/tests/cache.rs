//! The cache across restarts: a cache this version wrote opens again as it was; a damaged one is
//! detected, set aside and rebuilt from the server, and unsent writes (kept apart) survive it.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::{Seek, SeekFrom, Write};

use common::{Device, idle, until};
use desk_client::{NewTicketInput, TicketQuery};
use desk_domain::TicketPage;
use desk_testkit::Cast;

fn account_dir(device: &Device) -> std::path::PathBuf {
    let accounts = device.dir.path().join("app/accounts");
    std::fs::read_dir(accounts)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

#[tokio::test]
async fn damaged_cache_is_rebuilt_and_unsent_writes_survive() {
    let mut cast = Cast::new().await.unwrap();
    for i in 0..5 {
        cast.alice
            .create_ticket("other", &format!("Звернення {i}"), "Текст")
            .await
            .unwrap();
    }
    let device = Device::new();
    let desk = device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;
    until("five tickets are cached", || {
        let d = desk.clone();
        async move { d.tickets(&TicketQuery::default()).await.unwrap().len() == 5 }
    })
    .await;
    desk.close().await;
    drop(desk);

    // A cache written by this version opens again, offline, with everything in it.
    cast.server.stop().await.unwrap();
    let desk = device.resume().await;
    assert_eq!(
        desk.tickets(&TicketQuery::default()).await.unwrap().len(),
        5
    );
    let search = desk.search("звернен", 10).await.unwrap();
    assert_eq!(search.len(), 5, "search works offline");

    // Written offline, then the cache file is damaged while the app is closed.
    let unsent = desk
        .create_ticket(NewTicketInput {
            topic_id: "other".into(),
            subject: "Не надіслано".into(),
            body: "Чекає на зв'язок".into(),
            files: vec![],
        })
        .await
        .unwrap();
    desk.close().await;
    drop(desk);
    let cache = account_dir(&device).join("cache.sqlite3");
    let _ = std::fs::remove_file(cache.with_file_name("cache.sqlite3-wal"));
    let _ = std::fs::remove_file(cache.with_file_name("cache.sqlite3-shm"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&cache)
        .unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    f.write_all(&[0xA5; 4096]).unwrap();
    f.sync_all().unwrap();
    drop(f);

    let desk = device.resume().await;
    let damaged: Vec<_> = std::fs::read_dir(account_dir(&device))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".damaged-"))
        .collect();
    assert!(
        !damaged.is_empty(),
        "the damaged file is set aside, not deleted"
    );
    assert_eq!(
        desk.outbox().await.unwrap().len(),
        1,
        "the unsent ticket survives the rebuild"
    );
    assert!(
        desk.ticket(unsent).await.unwrap().is_some(),
        "and is shown again"
    );

    cast.server.start_again().await.unwrap();
    desk.sync_now().await;
    idle(&desk).await;
    until("the rebuilt cache holds all six", || {
        let d = desk.clone();
        async move {
            let list = d.tickets(&TicketQuery::default()).await.unwrap();
            list.len() == 6 && list.iter().all(|t| !t.cached.provisional)
        }
    })
    .await;
    let page: TicketPage = cast.alice.get_json("/api/v1/tickets").await.unwrap();
    assert_eq!(page.items.len(), 6);
    assert_eq!(page.items.iter().filter(|t| t.id == unsent).count(), 1);
    desk.close().await;
}

/// The engine's own decoding of a `changes` page (each item's data decoded from its slice of
/// the body, the stored kinds kept as the server sent them) gives the page the derived decoder
/// gives, and the JSON it stores for each kind is what serializing the decoded items gives.
#[tokio::test]
async fn a_pulled_page_decodes_as_derived_and_keeps_the_json_apply_would_write() {
    use desk_domain::{ChangeData, ChangesPage};
    let cast = Cast::new().await.unwrap();
    let t = cast
        .alice
        .create_ticket(
            "other",
            "Звернення «1» \\ \"лапки\"",
            "Текст\nз рядками й emoji 🚕",
        )
        .await
        .unwrap();
    cast.agent.reply(t.id, "Відповідь", false).await.unwrap();
    cast.agent.reply(t.id, "Нотатка", true).await.unwrap();
    for s in [&cast.alice, &cast.agent] {
        let token = s.token.as_deref().unwrap();
        let api = desk_client::api::Api::new(&cast.server.base, "en")
            .unwrap()
            .with_token(token);
        let pulled = api.changes_pulled(0, 1000).await.unwrap();
        let body = s
            .http
            .get(format!(
                "{}/api/v1/changes?after=0&limit=1000",
                cast.server.base
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let derived: ChangesPage = serde_json::from_slice(&body).unwrap();
        assert_eq!(pulled.page, derived);
        // As `Cache::apply` serializes a page's items of one kind (empty: none of that kind).
        fn array<T: serde::Serialize>(items: Vec<&T>) -> String {
            if items.is_empty() {
                String::new()
            } else {
                serde_json::to_string(&items).unwrap()
            }
        }
        let (mut topics, mut tickets, mut messages) = (Vec::new(), Vec::new(), Vec::new());
        for c in &derived.items {
            match &c.entity {
                ChangeData::Topic(t) => topics.push(t),
                ChangeData::Ticket(t) => tickets.push(t),
                ChangeData::Message(m) => messages.push(m),
                _ => {}
            }
        }
        assert!(!pulled.json.topics.is_empty() && !pulled.json.messages.is_empty());
        assert_eq!(pulled.json.topics, array(topics));
        assert_eq!(pulled.json.tickets, array(tickets));
        assert_eq!(pulled.json.messages, array(messages));
    }
}
