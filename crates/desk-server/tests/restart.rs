//! A restart on the same data loses nothing: tickets, conversations with notes, attachment
//! bytes, sign-ins, the change log; numbering and seqs continue without gaps.

mod common;

use common::*;
use desk_domain::{Message, Ticket};
use desk_testkit::reqwest::StatusCode;
use desk_testkit::{Cast, Session};
use serde_json::{Value, json};
use uuid::Uuid;

struct Snapshot {
    agent_list: Vec<Ticket>,
    alice_list: Vec<Ticket>,
    bob_list: Vec<Ticket>,
    agent_messages: Vec<Message>,
    alice_messages: Vec<Message>,
    alice_changes: Vec<desk_domain::Change>,
    agent_changes: Vec<desk_domain::Change>,
}

async fn snapshot(
    alice: &Session,
    bob: &Session,
    agent: &Session,
    t: Uuid,
) -> anyhow::Result<Snapshot> {
    Ok(Snapshot {
        agent_list: list_all(agent).await?,
        alice_list: list_all(alice).await?,
        bob_list: list_all(bob).await?,
        agent_messages: agent
            .get_json(&format!("/api/v1/tickets/{t}/messages"))
            .await?,
        alice_messages: alice
            .get_json(&format!("/api/v1/tickets/{t}/messages"))
            .await?,
        alice_changes: pull_all(alice, 0).await?.0,
        agent_changes: pull_all(agent, 0).await?.0,
    })
}

#[tokio::test]
async fn everything_is_still_there_after_a_restart() -> anyhow::Result<()> {
    let mut cast = Cast::new().await?;
    let photo = noise(200_000, 9);
    let a = upload_ok(&cast.alice, "знімок екрана.bin", photo.clone()).await?;
    let mut body = ticket_body(URGENT_TOPIC, "Не працює телефонія", "Тиша на лініях");
    body["attachment_ids"] = json!([a.id]);
    let (_, t): (Value, Ticket) = created(cast.alice.post("/api/v1/tickets", &body).await?).await?;
    cast.agent.reply(t.id, "Перезапустіть шлюз", false).await?;
    cast.agent
        .reply(t.id, "Внутрішнє: шлюз у ДЦ-2", true)
        .await?;
    let res = cast
        .agent
        .patch(
            &format!("/api/v1/tickets/{}", t.id),
            &json!({"status": "resolved"}),
        )
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    cast.bob.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let draft = upload_ok(
        &cast.alice,
        "чернетка.txt",
        "ще не надіслано".as_bytes().to_vec(),
    )
    .await?;
    let cursor_before = cursor(&cast.alice).await?;

    let before = snapshot(&cast.alice, &cast.bob, &cast.agent, t.id).await?;
    assert_eq!(before.agent_list.len(), 2);
    assert_eq!(before.agent_messages.len(), 3);
    assert_eq!(before.alice_messages.len(), 2);

    // An open event stream ends when the server stops, so shutdown does not wait on it.
    let mut events = EventStream::open(&cast.alice, Some(cursor_before)).await?;
    cast.server.restart().await?;
    events.until_end().await?;
    let base = cast.server.base.clone();
    // Sign-ins survive: the same tokens work.
    let alice = cast.alice.clone().with_base(&base);
    let bob = cast.bob.clone().with_base(&base);
    let agent = cast.agent.clone().with_base(&base);

    let after = snapshot(&alice, &bob, &agent, t.id).await?;
    assert_eq!(after.agent_list, before.agent_list);
    assert_eq!(after.alice_list, before.alice_list);
    assert_eq!(after.bob_list, before.bob_list);
    assert_eq!(after.agent_messages, before.agent_messages);
    assert_eq!(after.alice_messages, before.alice_messages);
    assert_eq!(after.alice_changes, before.alice_changes);
    assert_eq!(after.agent_changes, before.agent_changes);

    // Attachment bytes, used and not yet used.
    let res = agent.get(&format!("/api/v1/attachments/{}", a.id)).await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await?.as_ref(), photo.as_slice());
    let res = alice
        .get(&format!("/api/v1/attachments/{}", draft.id))
        .await?;
    assert_eq!(res.bytes().await?.as_ref(), "ще не надіслано".as_bytes());

    // Nothing new since the old cursor; new work continues the numbering and the log.
    assert!(pull(&alice, cursor_before, 1000).await?.items.is_empty());
    let mut body = ticket_body(TOPIC, "Після перезапуску", "Текст");
    body["attachment_ids"] = json!([draft.id]);
    let (_, t3): (Value, Ticket) = created(alice.post("/api/v1/tickets", &body).await?).await?;
    assert_eq!(t3.number, 3);
    let fresh = pull(&alice, cursor_before, 1000).await?;
    assert!(!fresh.items.is_empty());
    assert!(fresh.items.iter().all(|c| c.seq > cursor_before));
    // A client reconnecting with its old Last-Event-ID is poked for the new work at once.
    let mut events = EventStream::open(&alice, Some(cursor_before)).await?;
    assert_eq!(
        Some(events.next_poke().await?),
        fresh.items.last().map(|c| c.seq)
    );

    // An idempotent retry that straddles the restart answers the same.
    let (_, again): (Value, Ticket) = created(alice.post("/api/v1/tickets", &body).await?).await?;
    assert_eq!(again, t3);

    // Customer reply still reopens; the rules run on reloaded state.
    alice.reply(t.id, "Знову тиша", false).await?;
    let now: Ticket = alice.get_json(&format!("/api/v1/tickets/{}", t.id)).await?;
    assert_eq!(now.status, desk_domain::TicketStatus::New);
    assert_eq!(now.resolved_at, None);
    Ok(())
}

#[tokio::test]
async fn a_partial_upload_left_by_a_crash_is_removed_at_start() -> anyhow::Result<()> {
    let mut cast = Cast::new().await?;
    cast.server.stop().await?;
    let uploads = uploads_dir(&cast.server);
    std::fs::create_dir_all(&uploads)?;
    std::fs::write(uploads.join("left-by-crash.part"), b"half a file")?;
    cast.server.restart().await?;
    assert!(files_in(&uploads).is_empty());
    assert!(files_in(&blobs_dir(&cast.server)).is_empty());
    let alice = cast.alice.clone().with_base(&cast.server.base.clone());
    let t = alice.create_ticket(TOPIC, "Після збою", "Текст").await?;
    assert_eq!(t.number, 1);
    Ok(())
}
