//! Conversations: replies and what they do to the status, internal notes that never reach
//! customers, idempotent messages.

mod common;

use common::*;
use desk_domain::{ChangeData, Message, Role, Ticket, TicketStatus};
use desk_testkit::reqwest::StatusCode;
use desk_testkit::{Cast, Session};
use serde_json::{Value, json};
use uuid::Uuid;

async fn messages(s: &Session, ticket: Uuid) -> anyhow::Result<Vec<Message>> {
    s.get_json(&format!("/api/v1/tickets/{ticket}/messages"))
        .await
}

async fn ticket(s: &Session, id: Uuid) -> anyhow::Result<Ticket> {
    s.get_json(&format!("/api/v1/tickets/{id}")).await
}

async fn set_status(s: &Session, id: Uuid, status: &str) -> anyhow::Result<Ticket> {
    let res = s
        .patch(&format!("/api/v1/tickets/{id}"), &json!({"status": status}))
        .await?;
    anyhow::ensure!(res.status() == StatusCode::OK, "PATCH: {}", res.status());
    Ok(res.json().await?)
}

#[tokio::test]
async fn replies_join_the_conversation_in_order() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast
        .alice
        .create_ticket(TOPIC, "Тариф", "Рахує неправильно")
        .await?;
    let id = Uuid::now_v7();
    let res = cast
        .agent
        .post(
            &format!("/api/v1/tickets/{}/messages", t.id),
            &json!({"id": id, "body": "  Надішліть, будь ласка, знімок налаштувань тарифу.  "}),
        )
        .await?;
    let (_, reply): (Value, Message) = created(res).await?;
    assert_eq!(reply.id, id);
    assert_eq!(reply.ticket_id, t.id);
    assert_eq!(
        reply.body,
        "Надішліть, будь ласка, знімок налаштувань тарифу."
    );
    assert_eq!(reply.author.id, cast.agent.user().id);
    assert_eq!(reply.author.role, Role::Agent);
    assert!(!reply.internal);
    assert!(reply.attachments.is_empty());
    assert!(reply.created_at >= t.created_at);

    let answer = cast.alan.reply(t.id, "Ось знімок", false).await?;
    assert_eq!(answer.author.role, Role::Customer);

    let seen = messages(&cast.alice, t.id).await?;
    assert_eq!(
        seen.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        vec![
            "Рахує неправильно",
            "Надішліть, будь ласка, знімок налаштувань тарифу.",
            "Ось знімок"
        ]
    );
    assert_eq!(seen[1], reply);
    assert_eq!(seen, messages(&cast.agent, t.id).await?);

    let now = ticket(&cast.alice, t.id).await?;
    assert_eq!(now.message_count, 3);
    assert_eq!(now.last_message_at, answer.created_at);
    assert!(now.updated_at >= answer.created_at);
    assert_eq!(
        now.status,
        TicketStatus::New,
        "replies on a new ticket keep it new"
    );
    Ok(())
}

#[tokio::test]
async fn a_customer_reply_reopens_a_resolved_ticket() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;

    // Unassigned: back to the queue.
    set_status(&cast.agent, t.id, "resolved").await?;
    // An agent's reply to a resolved ticket leaves it resolved.
    cast.agent.reply(t.id, "Виправили", false).await?;
    assert_eq!(
        ticket(&cast.alice, t.id).await?.status,
        TicketStatus::Resolved
    );
    cast.alice
        .reply(t.id, "Знову рахує неправильно", false)
        .await?;
    let now = ticket(&cast.alice, t.id).await?;
    assert_eq!(now.status, TicketStatus::New);
    assert_eq!(now.resolved_at, None);

    // Assigned: back to its agent.
    let res = cast
        .agent
        .patch(
            &format!("/api/v1/tickets/{}", t.id),
            &json!({"assignee_id": cast.agent.user().id}),
        )
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    set_status(&cast.agent, t.id, "resolved").await?;
    cast.alan.reply(t.id, "І досі", false).await?;
    let now = ticket(&cast.alice, t.id).await?;
    assert_eq!(now.status, TicketStatus::InProgress);
    assert_eq!(now.resolved_at, None);
    Ok(())
}

#[tokio::test]
async fn a_closed_ticket_takes_no_customer_reply() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let closed = set_status(&cast.agent, t.id, "closed").await?;
    let res = cast
        .alice
        .post(
            &format!("/api/v1/tickets/{}/messages", t.id),
            &message_body("Ще питання"),
        )
        .await?;
    expect_error(res, 409, "ticket_closed").await?;
    assert_eq!(messages(&cast.agent, t.id).await?.len(), 1, "nothing added");
    assert_eq!(
        ticket(&cast.alice, t.id).await?,
        public(closed),
        "nothing changed"
    );
    Ok(())
}

#[tokio::test]
async fn a_customer_reply_while_waiting_puts_it_back_in_progress() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    set_status(&cast.agent, t.id, "waiting_for_customer").await?;
    cast.agent.reply(t.id, "Чекаємо знімок", false).await?;
    assert_eq!(
        ticket(&cast.alice, t.id).await?.status,
        TicketStatus::WaitingForCustomer,
        "an agent's reply keeps it waiting"
    );
    cast.alice.reply(t.id, "Ось знімок", false).await?;
    let now = ticket(&cast.alice, t.id).await?;
    assert_eq!(now.status, TicketStatus::InProgress);
    assert_eq!(now.resolved_at, None);
    Ok(())
}

#[tokio::test]
async fn internal_notes_never_reach_customers() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast
        .alice
        .create_ticket(TOPIC, "Тариф", "Рахує неправильно")
        .await?;
    set_status(&cast.agent, t.id, "waiting_for_customer").await?;
    let before = ticket(&cast.alice, t.id).await?;
    let alice_cursor = cursor(&cast.alice).await?;
    let agent_cursor = cursor(&cast.agent).await?;

    const NOTE: &str = "ВНУТРІШНЄ: клієнт має борг за березень, не обіцяти знижку";
    let note = cast.agent.reply(t.id, NOTE, true).await?;
    assert!(note.internal);
    assert_eq!(note.author.role, Role::Agent);

    // The ticket as anyone sees it has not moved: no count, no time, no status.
    let after = ticket(&cast.alice, t.id).await?;
    assert_eq!(after, before);
    assert_eq!(public(ticket(&cast.agent, t.id).await?), before);

    // Customers' conversation and sync leave it out; agents get it.
    for s in [&cast.alice, &cast.alan] {
        let res = s.get(&format!("/api/v1/tickets/{}/messages", t.id)).await?;
        let text = res.text().await?;
        assert!(!text.contains("ВНУТРІШНЄ"), "{text}");
        assert!(!text.contains(&note.id.to_string()));
    }
    let agent_sees = messages(&cast.agent, t.id).await?;
    assert_eq!(agent_sees.last(), Some(&note));

    let page = pull(&cast.alice, alice_cursor, 1000).await?;
    assert!(
        page.items.is_empty(),
        "nothing new for Alice: {:?}",
        page.items
    );
    let raw = cast
        .alice
        .get(&format!("/api/v1/changes?after={alice_cursor}"))
        .await?
        .text()
        .await?;
    assert!(!raw.contains("ВНУТРІШНЄ") && !raw.contains(&note.id.to_string()));
    let full = cast.alice.get("/api/v1/changes").await?.text().await?;
    assert!(!full.contains("ВНУТРІШНЄ"), "not in a full pull either");

    let (agent_items, _) = pull_all(&cast.agent, agent_cursor).await?;
    assert!(agent_items.iter().any(|c| matches!(&c.entity,
        ChangeData::Message(m) if m.id == note.id && m.internal)));
    assert!(
        !agent_items
            .iter()
            .any(|c| matches!(&c.entity, ChangeData::Ticket(_))),
        "a note does not touch the ticket"
    );

    // A note changes no status, even where a reply would.
    assert_eq!(after.status, TicketStatus::WaitingForCustomer);
    set_status(&cast.agent, t.id, "closed").await?;
    let on_closed = cast
        .agent
        .reply(t.id, "ВНУТРІШНЄ: закрито за згодою", true)
        .await?;
    assert!(on_closed.internal);
    assert_eq!(
        ticket(&cast.agent, t.id).await?.status,
        TicketStatus::Closed
    );
    Ok(())
}

#[tokio::test]
async fn customers_cannot_write_internal_notes() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let res = cast
        .alice
        .post(
            &format!("/api/v1/tickets/{}/messages", t.id),
            &json!({"id": Uuid::now_v7(), "body": "Таємно", "internal": true}),
        )
        .await?;
    expect_error(res, 403, "forbidden").await?;
    assert_eq!(messages(&cast.agent, t.id).await?.len(), 1, "nothing added");
    assert_eq!(public(ticket(&cast.agent, t.id).await?), t);
    Ok(())
}

#[tokio::test]
async fn a_note_with_a_file_keeps_the_file_from_customers() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let file = upload_ok(&cast.agent, "борг.txt", "Борг 1200 грн".as_bytes().to_vec()).await?;
    let res = cast
        .agent
        .post(
            &format!("/api/v1/tickets/{}/messages", t.id),
            &json!({"id": Uuid::now_v7(), "body": "Див. файл", "internal": true,
                    "attachment_ids": [file.id]}),
        )
        .await?;
    let (_, note): (Value, Message) = created(res).await?;
    assert_eq!(note.attachments, vec![file.clone()]);
    let path = format!("/api/v1/attachments/{}", file.id);
    assert_eq!(cast.agent.get(&path).await?.status(), StatusCode::OK);
    for s in [&cast.alice, &cast.alan, &cast.bob] {
        expect_error(s.get(&path).await?, 404, "not_found").await?;
    }
    Ok(())
}

#[tokio::test]
async fn the_same_message_id_twice_makes_one_message() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let other = cast.alice.create_ticket(TOPIC, "Інше", "Текст").await?;
    let path = format!("/api/v1/tickets/{}/messages", t.id);
    let body = message_body("Додаю подробиці");
    let (first, m): (Value, Message) = created(cast.alice.post(&path, &body).await?).await?;
    let (second, _): (Value, Message) = created(cast.alice.post(&path, &body).await?).await?;
    assert_eq!(first, second);
    assert_eq!(messages(&cast.alice, t.id).await?.len(), 2);
    assert_eq!(ticket(&cast.alice, t.id).await?.message_count, 2);

    // Another author, or another ticket, with that id: a conflict, and no copy.
    let res = cast.alan.post(&path, &body).await?;
    let (text, _) = expect_error(res, 409, "id_conflict").await?;
    assert!(!text.contains("подробиці"));
    let res = cast.agent.post(&path, &body).await?;
    expect_error(res, 409, "id_conflict").await?;
    let res = cast
        .alice
        .post(&format!("/api/v1/tickets/{}/messages", other.id), &body)
        .await?;
    expect_error(res, 409, "id_conflict").await?;
    assert_eq!(messages(&cast.agent, t.id).await?.len(), 2);
    assert_eq!(messages(&cast.agent, other.id).await?.len(), 1);

    // A retry that arrives after the ticket closed still gets its answer.
    set_status(&cast.agent, t.id, "closed").await?;
    let (late, _): (Value, Message) = created(cast.alice.post(&path, &body).await?).await?;
    assert_eq!(late, first);
    assert_eq!(m.body, "Додаю подробиці");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeats_of_one_message_make_one() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let file = upload_ok(&cast.alice, "знімок.txt", b"screen".to_vec()).await?;
    let path = format!("/api/v1/tickets/{}/messages", t.id);
    let body = json!({"id": Uuid::now_v7(), "body": "З файлом", "attachment_ids": [file.id]});
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (s, p, b) = (cast.alice.clone(), path.clone(), body.clone());
        set.spawn(async move { anyhow::Ok(created::<Message>(s.post(&p, &b).await?).await?.0) });
    }
    let mut answers = Vec::new();
    while let Some(j) = set.join_next().await {
        answers.push(j??);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    let msgs = messages(&cast.alice, t.id).await?;
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1].attachments, vec![file]);
    assert_eq!(ticket(&cast.alice, t.id).await?.message_count, 2);
    Ok(())
}

#[tokio::test]
async fn message_text_is_checked() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let path = format!("/api/v1/tickets/{}/messages", t.id);
    let max = desk_domain::limits::BODY_MAX_CHARS;
    for bad in [String::new(), " \n\t ".into(), "ї".repeat(max + 1)] {
        let res = cast.alice.post(&path, &message_body(&bad)).await?;
        expect_error(res, 422, "validation_failed").await?;
    }
    assert_eq!(messages(&cast.alice, t.id).await?.len(), 1);
    let res = cast
        .alice
        .post(&path, &message_body(&"ї".repeat(max)))
        .await?;
    let (_, m): (Value, Message) = created(res).await?;
    assert_eq!(m.body.chars().count(), max);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_message_id_raced_by_two_people_goes_to_exactly_one() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let path = format!("/api/v1/tickets/{}/messages", t.id);
    let body = message_body("Хто перший");
    let (a, b) = tokio::join!(cast.alice.post(&path, &body), cast.alan.post(&path, &body));
    let (a, b) = (a?, b?);
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let msgs = messages(&cast.agent, t.id).await?;
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1].body, "Хто перший");
    assert_eq!(ticket(&cast.agent, t.id).await?.message_count, 2);
    Ok(())
}
