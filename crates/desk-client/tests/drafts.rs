//! Drafts autosave with their files and survive a restart; the files are copies, so the
//! originals may go. Search answers from the cache: Ukrainian and English, any case, without
//! diacritics, by prefix, ranked.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{Device, idle, until};
use desk_client::{Desk, DraftInput};
use desk_testkit::Cast;

#[tokio::test]
async fn drafts_survive_restart_with_their_files() {
    let cast = Cast::new().await.unwrap();
    let device = Device::new();
    let desk = device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;
    let key = Desk::new_ticket_draft_key();
    desk.save_draft(
        key,
        &DraftInput {
            topic_id: Some("telephony-down".into()),
            subject: "Телефонія".into(),
            body: "Не чути".into(),
            internal: false,
        },
    )
    .await
    .unwrap();
    let photo = device.path("фото.png");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
    std::fs::write(&photo, png).unwrap();
    let file = desk.attach_to_draft(key, &photo).await.unwrap();
    assert_eq!(file.media_type, "image/png");
    assert_eq!(file.size, png.len() as u64);
    std::fs::remove_file(&photo).unwrap();
    // The person keeps typing.
    desk.save_draft(
        key,
        &DraftInput {
            topic_id: Some("telephony-down".into()),
            subject: "Телефонія".into(),
            body: "Не чути клієнтів".into(),
            internal: false,
        },
    )
    .await
    .unwrap();
    let missing = desk
        .attach_to_draft(key, &device.path("немає.pdf"))
        .await
        .unwrap_err();
    assert_eq!(missing.code, "file_unreadable");
    assert!(missing.message.contains("немає.pdf"));

    // Crash-like stop: no close, the handle is just dropped.
    drop(desk);
    let desk = device.resume().await;
    let d = desk.draft(key).await.unwrap().expect("the draft is there");
    assert_eq!(d.body, "Не чути клієнтів");
    assert_eq!(d.topic_id.as_deref(), Some("telephony-down"));
    assert_eq!(d.files.len(), 1);
    assert_eq!(std::fs::read(&d.files[0].path).unwrap(), png);

    let id = desk.submit_ticket_draft().await.unwrap();
    assert!(
        desk.draft(key).await.unwrap().is_none(),
        "submitting empties the draft"
    );
    idle(&desk).await;
    until("the ticket is numbered", || {
        let d = desk.clone();
        async move {
            d.ticket(id)
                .await
                .unwrap()
                .is_some_and(|v| v.item.cached.ticket.number > 0 && !v.messages.is_empty())
        }
    })
    .await;
    let v = desk.ticket(id).await.unwrap().unwrap();
    assert_eq!(
        v.messages[0].cached.message.attachments[0].filename,
        "фото.png"
    );

    // Reply drafts are per ticket; an empty submit is refused with a clear message.
    let rkey = Desk::reply_draft_key(id);
    desk.save_draft(
        &rkey,
        &DraftInput {
            body: "   ".into(),
            ..DraftInput::default()
        },
    )
    .await
    .unwrap();
    let err = desk.submit_reply_draft(id).await.unwrap_err();
    assert_eq!(err.code, "validation_failed");
    assert!(
        desk.draft(&rkey).await.unwrap().is_some(),
        "a refused submit keeps the draft"
    );
    desk.close().await;
}

#[tokio::test]
async fn search_finds_ukrainian_and_english_by_prefix_any_case() {
    let cast = Cast::new().await.unwrap();
    let a = cast
        .alice
        .create_ticket(
            "other",
            "Диспетчерська не бачить водіїв",
            "Карта порожня з ранку",
        )
        .await
        .unwrap();
    let b = cast
        .alice
        .create_ticket("other", "Invoice for October", "Please resend the invoice")
        .await
        .unwrap();
    let c = cast
        .alice
        .create_ticket("other", "Тариф", "Зустріч у Café Ŝtrand, їжак і ґудзик")
        .await
        .unwrap();
    cast.agent
        .reply(a.id, "Перезапустіть сервіс карт, будь ласка", false)
        .await
        .unwrap();
    cast.agent
        .reply(b.id, "Секретна нотатка про карту", true)
        .await
        .unwrap();
    let device = Device::new();
    let desk = device
        .sign_in(&cast.server.base, "alice@a.example.com")
        .await;
    until("all three are cached", || {
        let d = desk.clone();
        async move {
            d.search("тариф", 10).await.unwrap().len() == 1
                && d.ticket(a.id)
                    .await
                    .unwrap()
                    .is_some_and(|v| v.messages.len() == 2)
        }
    })
    .await;
    let ids = |hits: Vec<desk_client::SearchHit>| {
        hits.into_iter()
            .map(|h| h.ticket.ticket.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(desk.search("ДИСПЕТЧ", 10).await.unwrap()),
        vec![a.id],
        "prefix, any case"
    );
    assert_eq!(ids(desk.search("invoice", 10).await.unwrap()), vec![b.id]);
    assert_eq!(
        ids(desk.search("INVO octo", 10).await.unwrap()),
        vec![b.id],
        "two prefixes"
    );
    assert_eq!(
        ids(desk.search("сервіс карт", 10).await.unwrap()),
        vec![a.id],
        "message bodies too"
    );
    assert_eq!(
        ids(desk.search("cafe strand", 10).await.unwrap()),
        vec![c.id],
        "diacritics ignored"
    );
    // In Ukrainian ї, й and ґ are letters of their own, not і, и and г with marks: matched as typed.
    assert_eq!(ids(desk.search("ЇЖАК ґудз", 10).await.unwrap()), vec![c.id]);
    assert!(
        desk.search("секретна", 10).await.unwrap().is_empty(),
        "internal notes are not in a customer's cache"
    );
    assert!(
        desk.search("\"*) OR (", 10).await.unwrap().is_empty(),
        "syntax is text, not an error"
    );
    assert_eq!(
        ids(desk.search(&format!("#{}", b.number), 10).await.unwrap())[0],
        b.id,
        "a ticket number finds it"
    );
    let hits = desk.search("карт", 10).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].snippet.contains('['), "the snippet marks the hit");
    assert!(
        desk.search("карток", 10).await.unwrap().is_empty(),
        "a prefix no indexed word begins finds nothing"
    );
    // After the first sync rows are indexed as they arrive: a reply pulled later, and a
    // reply written here (shown before the server has it).
    cast.agent
        .reply(c.id, "Надішліть квитанцію, будь ласка", false)
        .await
        .unwrap();
    until("the later reply is searchable", || {
        let d = desk.clone();
        async move { d.search("КВИТАНЦ", 10).await.unwrap().len() == 1 }
    })
    .await;
    desk.reply(
        b.id,
        desk_client::ReplyInput {
            body: "Зустріч перенесено на понеділок".into(),
            internal: false,
            files: vec![],
        },
    )
    .await
    .unwrap();
    assert_eq!(
        ids(desk.search("понеділ", 10).await.unwrap()),
        vec![b.id],
        "a reply waiting to be sent is found too"
    );
    desk.close().await;
}

#[tokio::test]
async fn sign_in_errors_say_what_to_do() {
    let cast = Cast::new().await.unwrap();
    let device = Device::new();
    let wrong = Desk::sign_in(
        device.config.clone(),
        &cast.server.base,
        "alice@a.example.com",
        "not the password",
    )
    .await
    .err()
    .expect("refused");
    assert_eq!(wrong.code, "invalid_credentials");
    assert!(wrong.message.contains("пароль"), "{}", wrong.message);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gone = Desk::sign_in(
        device.config.clone(),
        &format!("http://127.0.0.1:{port}"),
        "alice@a.example.com",
        "x",
    )
    .await
    .err()
    .expect("unreachable");
    assert_eq!(gone.code, "server_unreachable");
    let bad = Desk::sign_in(device.config.clone(), "support.example.com", "a@b.c", "x")
        .await
        .err()
        .expect("bad url");
    assert_eq!(bad.code, "validation_failed");
    // The API address pasted whole works too.
    let ok = Desk::sign_in(
        device.config.clone(),
        &format!("{}/api/v1/", cast.server.base),
        "alice@a.example.com",
        desk_testkit::PASSWORD,
    )
    .await
    .unwrap();
    assert_eq!(ok.account().server, cast.server.base);
    ok.close().await;
    // Five wrong passwords in a row: the server holds Bob's sign-ins for a while, and the app
    // says so in the person's language, with how long to wait.
    for _ in 0..5 {
        let e = Desk::sign_in(
            device.config.clone(),
            &cast.server.base,
            "bob@b.example.com",
            "x",
        )
        .await
        .err()
        .expect("refused");
        assert_eq!(e.code, "invalid_credentials");
    }
    let held = Desk::sign_in(
        device.config.clone(),
        &cast.server.base,
        "bob@b.example.com",
        desk_testkit::PASSWORD,
    )
    .await
    .err()
    .expect("held");
    assert_eq!(held.code, "too_many_attempts");
    assert!(
        held.message.contains("Спробуйте знову через 15 хв"),
        "{}",
        held.message
    );
}
