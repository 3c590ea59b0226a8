//! Delta sync (`GET /changes`) and push (`GET /events`): cursor semantics, each entity once in
//! its current state, pokes after others' writes, `Last-Event-ID` resume, heartbeats, and the
//! stream ending when its token is revoked.

mod common;

use std::collections::HashSet;

use common::*;
use desk_domain::{ChangeData, TicketStatus};
use desk_testkit::reqwest::{Method, StatusCode};
use desk_testkit::{Cast, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn a_first_pull_carries_the_topics() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let (items, next) = pull_all(&cast.alice, 0).await?;
    let topics: Vec<_> = items
        .iter()
        .filter_map(|c| match &c.entity {
            ChangeData::Topic(t) => Some(t.id.clone()),
            _ => None,
        })
        .collect();
    let listed: Vec<desk_domain::Topic> = cast.alice.get_json("/api/v1/topics").await?;
    assert_eq!(topics.len(), listed.len());
    assert!(topics.contains(&"other".to_owned()));
    assert!(items.len() == topics.len(), "nothing but topics yet");
    assert!(next >= items.last().map(|c| c.seq).unwrap_or(0));
    // Absent parameters mean "everything".
    let all: desk_domain::ChangesPage = cast.alice.get_json("/api/v1/changes").await?;
    assert_eq!(all.items, items);
    Ok(())
}

#[tokio::test]
async fn changes_answer_each_entity_once_in_its_current_state() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let start = cursor(&cast.alice).await?;
    let t = cast
        .alice
        .create_ticket(TOPIC, "Тариф", "Рахує неправильно")
        .await?;
    let reply = cast.agent.reply(t.id, "Перевіряємо", false).await?;
    let res = cast
        .agent
        .patch(
            &format!("/api/v1/tickets/{}", t.id),
            &json!({"status": "waiting_for_customer"}),
        )
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let answer = cast.alice.reply(t.id, "Ось подробиці", false).await?;

    let page = pull(&cast.alice, start, 1000).await?;
    assert!(!page.has_more);
    let seqs: Vec<i64> = page.items.iter().map(|c| c.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "ascending seqs: {seqs:?}"
    );
    assert!(seqs.iter().all(|s| *s > start));
    assert!(page.next >= *seqs.last().unwrap_or(&0));
    let keys: Vec<_> = page.items.iter().map(entity_key).collect();
    let unique: HashSet<_> = keys.iter().cloned().collect();
    assert_eq!(unique.len(), keys.len(), "each entity once: {keys:?}");
    assert_eq!(page.items.len(), 4, "one ticket, three messages: {keys:?}");

    // The ticket comes in its state now, not as it was created.
    let now: desk_domain::Ticket = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}", t.id))
        .await?;
    let tickets: Vec<_> = page
        .items
        .iter()
        .filter_map(|c| match &c.entity {
            ChangeData::Ticket(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(tickets, vec![now.clone()]);
    assert_eq!(now.status, TicketStatus::InProgress);
    assert_eq!(now.message_count, 3);
    let msgs: HashSet<_> = page
        .items
        .iter()
        .filter_map(|c| match &c.entity {
            ChangeData::Message(m) => Some(m.id),
            _ => None,
        })
        .collect();
    assert!(msgs.contains(&reply.id) && msgs.contains(&answer.id));

    // A second pull from `next` has nothing new, and keeps the cursor.
    let again = pull(&cast.alice, page.next, 1000).await?;
    assert!(again.items.is_empty());
    assert!(!again.has_more);
    assert_eq!(again.next, page.next);

    // A later change shows up alone, after the cursor.
    let res = cast
        .alice
        .patch(
            &format!("/api/v1/tickets/{}", t.id),
            &json!({"status": "resolved"}),
        )
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let third = pull(&cast.alice, page.next, 1000).await?;
    assert_eq!(third.items.len(), 1);
    assert!(third.items[0].seq > page.next);
    assert!(matches!(&third.items[0].entity,
        ChangeData::Ticket(x) if x.id == t.id && x.status == TicketStatus::Resolved));
    Ok(())
}

#[tokio::test]
async fn small_pages_walk_the_log_with_has_more_and_next() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let start = cursor(&cast.bob).await?;
    for i in 0..4 {
        let t = cast
            .bob
            .create_ticket(TOPIC, &format!("Тема {i}"), "Текст")
            .await?;
        cast.agent.reply(t.id, "Відповідь", false).await?;
    }
    // Org A activity between Bob's, which his pages must skip.
    cast.alice.create_ticket(TOPIC, "Чуже", "Текст").await?;

    let (everything, end) = pull_all(&cast.bob, start).await?;
    let mut walked = Vec::new();
    let mut after = start;
    let mut pages = 0;
    loop {
        let page = pull(&cast.bob, after, 3).await?;
        pages += 1;
        assert!(page.items.len() <= 3);
        assert!(page.next > after || page.items.is_empty());
        if page.has_more {
            assert_eq!(page.items.len(), 3, "a full page before the end");
            assert_eq!(Some(page.next), page.items.last().map(|c| c.seq));
        }
        walked.extend(page.items);
        after = page.next;
        if !page.has_more {
            break;
        }
        assert!(pages < 100, "the walk ends");
    }
    assert_eq!(walked, everything);
    assert_eq!(after, end);
    assert_eq!(walked.len(), 12, "4 tickets, 8 messages");
    assert!(pages >= 4);
    Ok(())
}

#[tokio::test]
async fn bad_cursors_and_limits_are_bad_requests() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    for q in [
        "limit=0",
        "limit=1001",
        "limit=-5",
        "limit=many",
        "after=-1",
        "after=abc",
        "after=1.5",
    ] {
        let res = cast.alice.get(&format!("/api/v1/changes?{q}")).await?;
        expect_error(res, 400, "bad_request").await?;
    }
    let res = cast.alice.get("/api/v1/events?after=abc").await?;
    expect_error(res, 400, "bad_request").await?;
    let ok = pull(&cast.alice, 0, 1000).await?;
    let beyond = pull(&cast.alice, ok.next + 1_000_000, 1).await?;
    assert!(beyond.items.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_poke_arrives_after_another_users_write() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let head = cursor(&cast.alice).await?;
    let mut alice = EventStream::open(&cast.alice, Some(head)).await?;

    cast.agent.reply(t.id, "Дивимось", false).await?;
    let (items, _) = pull_all(&cast.alice, head).await?;
    let newest = items.last().map(|c| c.seq).expect("the reply is a change");
    let pokes = alice.pokes_until(newest).await?;
    assert_eq!(pokes.last(), Some(&newest), "a poke names the newest seq");
    assert!(pokes.iter().all(|s| *s > head));

    // The pull it prompts brings the reply.
    let (items, _) = pull_all(&cast.alice, head).await?;
    assert!(items.iter().any(|c| matches!(&c.entity,
        ChangeData::Message(m) if m.body == "Дивимось")));
    Ok(())
}

#[tokio::test]
async fn last_event_id_resumes_with_an_immediate_poke_when_behind() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let early = cursor(&cast.alice).await?;
    cast.agent.reply(t.id, "Дивимось", false).await?;
    let (items, head) = pull_all(&cast.alice, early).await?;
    let newest = items.last().map(|c| c.seq).expect("changes");

    // Behind: the first event is a poke with the newest seq in scope.
    let mut behind = EventStream::open(&cast.alice, Some(early)).await?;
    let first = behind.next().await?.expect("an event");
    assert_eq!(first.event, "poke");
    assert_eq!(poke_seq(&first)?, newest);

    // Same through `?after=` for clients that cannot set the header.
    let res = cast
        .alice
        .request(Method::GET, &format!("/api/v1/events?after={early}"))
        .send()
        .await?;
    let mut by_query = EventStream::from_response(res)?;
    let first = by_query.next().await?.expect("an event");
    assert_eq!(first.event, "poke");
    assert_eq!(poke_seq(&first)?, newest);

    // No cursor at all is as far behind as can be.
    let mut fresh = EventStream::open(&cast.alice, None).await?;
    assert_eq!(fresh.next_poke().await?, newest);

    // Up to date: no poke, just heartbeats.
    let mut current = EventStream::open(&cast.alice, Some(head)).await?;
    let first = current.next().await?.expect("an event");
    assert_eq!(first.event, "heartbeat", "{first:?}");
    Ok(())
}

#[tokio::test]
async fn heartbeats_keep_coming() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let head = cursor(&cast.alice).await?;
    let mut s = EventStream::open(&cast.alice, Some(head)).await?;
    for _ in 0..3 {
        let ev = s.next().await?.expect("the stream stays open");
        assert_eq!(ev.event, "heartbeat");
        let v: serde_json::Value = serde_json::from_str(&ev.data)?;
        assert!(v["seq"].as_i64().is_some_and(|s| s <= head), "{}", ev.data);
    }
    Ok(())
}

#[tokio::test]
async fn the_stream_ends_when_its_token_is_revoked() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let doomed = cast.server.login("alice@a.example.com", PASSWORD).await?;
    let head = cursor(&cast.alice).await?;
    let mut ending = EventStream::open(&doomed, Some(head)).await?;
    let mut staying = EventStream::open(&cast.alice, Some(head)).await?;
    assert_eq!(
        ending.next().await?.map(|e| e.event).as_deref(),
        Some("heartbeat")
    );

    let res = doomed
        .request(Method::POST, "/api/v1/auth/logout")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    ending.until_end().await?;
    // Another sign-in of the same person is unaffected.
    assert_eq!(
        staying.next().await?.map(|e| e.event).as_deref(),
        Some("heartbeat")
    );
    // And the revoked token cannot reconnect.
    let res = doomed.get("/api/v1/events").await?;
    expect_error(res, 401, "unauthorized").await?;
    Ok(())
}
