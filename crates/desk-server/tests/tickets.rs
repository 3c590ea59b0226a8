//! Tickets: create, get, list with filters and pages, status rules with `resolved_at`,
//! assignment, gap-free numbering under concurrency, idempotent creation.

mod common;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use common::*;
use desk_domain::{Message, Role, Ticket, TicketStatus};
use desk_testkit::reqwest::StatusCode;
use desk_testkit::{Cast, Session};
use serde_json::{Value, json};
use uuid::Uuid;

async fn patch(s: &Session, id: Uuid, body: Value) -> anyhow::Result<Ticket> {
    let res = s.patch(&format!("/api/v1/tickets/{id}"), &body).await?;
    let status = res.status();
    let text = res.text().await?;
    anyhow::ensure!(status == StatusCode::OK, "PATCH {body}: {status}: {text}");
    Ok(serde_json::from_str(&text)?)
}

async fn get(s: &Session, id: Uuid) -> anyhow::Result<Ticket> {
    s.get_json(&format!("/api/v1/tickets/{id}")).await
}

fn is_utc_rfc3339(v: &Value) -> bool {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .is_some_and(|d| d.offset().local_minus_utc() == 0)
}

#[tokio::test]
async fn create_answers_the_ticket_and_its_first_message() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let id = Uuid::now_v7();
    let before: DateTime<Utc> = Utc::now();
    let res = cast
        .alice
        .post(
            "/api/v1/tickets",
            &json!({"id": id, "topic_id": URGENT_TOPIC,
                    "subject": "  Не працює телефонія на лінії 2  ",
                    "body": "\n Дзвінки не проходять з 9:40.\nПерезапуск не допоміг. \n"}),
        )
        .await?;
    let (raw, t): (Value, Ticket) = created(res).await?;
    for f in [
        "id",
        "number",
        "subject",
        "topic_id",
        "status",
        "organization_id",
        "created_at",
        "resolved_at",
    ] {
        assert!(raw.get(f).is_some(), "ticket JSON has `{f}`: {raw}");
    }
    assert!(raw["resolved_at"].is_null());
    assert!(is_utc_rfc3339(&raw["created_at"]), "{}", raw["created_at"]);
    assert!(is_utc_rfc3339(&raw["updated_at"]));
    assert!(is_utc_rfc3339(&raw["last_message_at"]));
    assert_eq!(raw["status"], "new");

    assert_eq!(t.id, id);
    assert_eq!(t.number, 1);
    assert_eq!(t.subject, "Не працює телефонія на лінії 2", "trimmed");
    assert_eq!(t.topic_id, URGENT_TOPIC);
    assert!(t.urgent);
    assert_eq!(t.status, TicketStatus::New);
    assert_eq!(t.organization_id, cast.org_a.id);
    assert_eq!(t.organization_name, cast.org_a.name);
    assert_eq!(t.requester.id, cast.alice.user().id);
    assert_eq!(t.requester.role, Role::Customer);
    assert!(t.assignee.is_none());
    assert_eq!(t.resolved_at, None);
    assert_eq!(t.message_count, 1);
    assert_eq!(t.last_message_at, t.created_at);
    assert!(t.created_at >= before - chrono::Duration::seconds(1));

    assert_eq!(get(&cast.alice, id).await?, t);
    assert_eq!(get(&cast.alan, id).await?, t, "same organisation sees it");
    assert_eq!(public(get(&cast.agent, id).await?), t, "agents see it");

    let msgs: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{id}/messages"))
        .await?;
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        msgs[0].body,
        "Дзвінки не проходять з 9:40.\nПерезапуск не допоміг."
    );
    assert_eq!(msgs[0].author.id, cast.alice.user().id);
    assert_eq!(msgs[0].ticket_id, id);
    assert!(!msgs[0].internal);
    assert_eq!(msgs[0].channel, desk_domain::Channel::App);
    assert_eq!(msgs[0].created_at, t.created_at);
    Ok(())
}

#[tokio::test]
async fn agents_file_on_behalf_of_an_organisation() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let res = cast
        .agent
        .post(
            "/api/v1/tickets",
            &ticket_body(TOPIC, "Дзвінок клієнта", "Записано зі слів диспетчера"),
        )
        .await?;
    expect_error(res, 422, "validation_failed").await?;

    let mut body = ticket_body(TOPIC, "Дзвінок клієнта", "Записано зі слів диспетчера");
    body["organization_id"] = json!(Uuid::now_v7());
    let res = cast.agent.post("/api/v1/tickets", &body).await?;
    expect_error(res, 404, "not_found").await?;

    body["organization_id"] = json!(cast.org_b.id);
    let (_, t): (Value, Ticket) = created(cast.agent.post("/api/v1/tickets", &body).await?).await?;
    assert_eq!(t.organization_id, cast.org_b.id);
    assert_eq!(t.requester.id, cast.agent.user().id);
    assert_eq!(t.number, 1, "the failed attempts used no number");
    assert_eq!(
        get(&cast.bob, t.id).await?,
        public(t.clone()),
        "the organisation sees it"
    );
    let res = cast.alice.get(&format!("/api/v1/tickets/{}", t.id)).await?;
    expect_error(res, 404, "not_found").await?;
    Ok(())
}

/// Four tickets in two organisations in assorted states, for the filter tests.
struct Fixture {
    cast: Cast,
    phone: Ticket,
    tariff: Ticket,
    report: Ticket,
    bob_tariff: Ticket,
}

async fn fixture() -> anyhow::Result<Fixture> {
    let cast = Cast::new().await?;
    let phone = cast
        .alice
        .create_ticket(URGENT_TOPIC, "Не працює ТЕЛЕФОНІЯ на лінії 2", "Тиша")
        .await?;
    let tariff = cast
        .alan
        .create_ticket(TOPIC, "Тариф «Нічний» рахує неправильно", "Подвійна ціна")
        .await?;
    let report = cast
        .alice
        .create_ticket(OTHER_TOPIC, "Звіт по водіях порожній", "Після оновлення")
        .await?;
    let bob_tariff = cast
        .bob
        .create_ticket(TOPIC, "ТАРИФ для аеропорту", "Не застосовується")
        .await?;
    patch(
        &cast.agent,
        phone.id,
        json!({"status": "waiting_for_customer"}),
    )
    .await?;
    patch(&cast.agent, tariff.id, json!({"status": "resolved"})).await?;
    patch(&cast.agent, report.id, json!({"status": "resolved"})).await?;
    patch(&cast.agent, report.id, json!({"status": "closed"})).await?;
    Ok(Fixture {
        cast,
        phone,
        tariff,
        report,
        bob_tariff,
    })
}

#[tokio::test]
async fn list_filters_by_status_topic_organisation_and_text() -> anyhow::Result<()> {
    let f = fixture().await?;
    let (alice, agent, bob) = (&f.cast.alice, &f.cast.agent, &f.cast.bob);
    let (p, t, r, b) = (
        f.phone.number,
        f.tariff.number,
        f.report.number,
        f.bob_tariff.number,
    );

    // Customers: their organisation's, newest first; agents: everything.
    assert_eq!(numbers(&list(alice, &[]).await?), vec![r, t, p]);
    assert_eq!(
        numbers(&list(alice, &[("status", "all")]).await?),
        vec![r, t, p]
    );
    assert_eq!(numbers(&list(agent, &[]).await?), vec![b, r, t, p]);
    assert_eq!(numbers(&list(bob, &[]).await?), vec![b]);

    // Status groups and single statuses.
    assert_eq!(numbers(&list(alice, &[("status", "open")]).await?), vec![p]);
    assert_eq!(
        numbers(&list(alice, &[("status", "resolved")]).await?),
        vec![r, t],
        "`resolved` means done: resolved or closed"
    );
    assert_eq!(
        numbers(&list(alice, &[("status", "closed")]).await?),
        vec![r]
    );
    assert_eq!(
        numbers(&list(alice, &[("status", "waiting_for_customer")]).await?),
        vec![p]
    );
    assert_eq!(
        numbers(&list(alice, &[("status", "new")]).await?),
        Vec::<i64>::new()
    );
    assert_eq!(numbers(&list(agent, &[("status", "new")]).await?), vec![b]);
    let res = alice
        .request(desk_testkit::reqwest::Method::GET, "/api/v1/tickets")
        .query(&[("status", "bogus")])
        .send()
        .await?;
    expect_error(res, 400, "bad_request").await?;

    // Topic, alone and with a status.
    assert_eq!(
        numbers(&list(alice, &[("topic_id", TOPIC)]).await?),
        vec![t]
    );
    assert_eq!(
        numbers(&list(agent, &[("topic_id", TOPIC)]).await?),
        vec![b, t]
    );
    assert_eq!(
        numbers(&list(agent, &[("topic_id", TOPIC), ("status", "open")]).await?),
        vec![b]
    );

    // Organisation: agents choose; customers cannot widen their view.
    let org_a = f.cast.org_a.id.to_string();
    let org_b = f.cast.org_b.id.to_string();
    assert_eq!(
        numbers(&list(agent, &[("organization_id", &org_b)]).await?),
        vec![b]
    );
    assert_eq!(
        numbers(&list(agent, &[("organization_id", &org_a)]).await?),
        vec![r, t, p]
    );
    assert_eq!(
        numbers(&list(alice, &[("organization_id", &org_b)]).await?),
        vec![r, t, p]
    );
    assert_eq!(
        numbers(&list(bob, &[("organization_id", &org_a)]).await?),
        vec![b]
    );

    // Text: case-insensitive in Ukrainian, in the subject.
    assert_eq!(numbers(&list(alice, &[("q", "тариф")]).await?), vec![t]);
    assert_eq!(numbers(&list(agent, &[("q", "тариф")]).await?), vec![b, t]);
    assert_eq!(numbers(&list(agent, &[("q", "Телефонія")]).await?), vec![p]);
    assert_eq!(
        numbers(&list(agent, &[("q", "  нічний  ")]).await?),
        vec![t]
    );
    assert_eq!(numbers(&list(agent, &[("q", "ВОДІЯХ")]).await?), vec![r]);
    assert_eq!(
        numbers(&list(agent, &[("q", "немає такого")]).await?),
        Vec::<i64>::new()
    );
    // LIKE wildcards are taken literally.
    assert_eq!(
        numbers(&list(agent, &[("q", "%")]).await?),
        Vec::<i64>::new()
    );
    assert_eq!(
        numbers(&list(agent, &[("q", "_")]).await?),
        Vec::<i64>::new()
    );

    // A ticket number, with or without `#`.
    assert_eq!(
        numbers(&list(alice, &[("q", &format!("#{t}"))]).await?),
        vec![t]
    );
    assert_eq!(
        numbers(&list(alice, &[("q", &r.to_string())]).await?),
        vec![r]
    );
    assert_eq!(
        numbers(&list(agent, &[("q", &format!("#{b}"))]).await?),
        vec![b]
    );
    assert_eq!(
        numbers(&list(alice, &[("q", &format!("#{b}"))]).await?),
        Vec::<i64>::new(),
        "another organisation's number finds nothing"
    );
    assert_eq!(
        numbers(&list(alice, &[("q", "#999")]).await?),
        Vec::<i64>::new()
    );

    // Assignee.
    patch(agent, f.phone.id, json!({"assignee_id": agent.user().id})).await?;
    let me = agent.user().id.to_string();
    assert_eq!(
        numbers(&list(agent, &[("assignee_id", &me)]).await?),
        vec![p]
    );
    Ok(())
}

#[tokio::test]
async fn list_pages_with_before_and_next() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    for i in 1..=7 {
        cast.alice
            .create_ticket(TOPIC, &format!("Звернення {i}"), "Текст")
            .await?;
    }
    cast.bob.create_ticket(TOPIC, "Чуже", "Текст").await?;

    let p1 = list(&cast.alice, &[("limit", "3")]).await?;
    assert_eq!(numbers(&p1), vec![7, 6, 5]);
    assert_eq!(p1.next, Some(5));
    let p2 = list(&cast.alice, &[("limit", "3"), ("before", "5")]).await?;
    assert_eq!(numbers(&p2), vec![4, 3, 2]);
    assert_eq!(p2.next, Some(2));
    let p3 = list(&cast.alice, &[("limit", "3"), ("before", "2")]).await?;
    assert_eq!(numbers(&p3), vec![1]);
    assert_eq!(p3.next, None, "the last page says so");

    // A page that ends exactly at the end has no `next`.
    let exact = list(&cast.alice, &[("limit", "7")]).await?;
    assert_eq!(exact.items.len(), 7);
    assert_eq!(exact.next, None);

    // Bob's ticket (#8) is the newest but not Alice's; agents page through all.
    let agent_all = list_all(&cast.agent).await?;
    assert_eq!(
        agent_all.iter().map(|t| t.number).collect::<Vec<_>>(),
        (1..=8).rev().collect::<Vec<_>>()
    );
    let a1 = list(&cast.agent, &[("limit", "5")]).await?;
    assert_eq!(numbers(&a1), vec![8, 7, 6, 5, 4]);
    let a2 = list(&cast.agent, &[("limit", "5"), ("before", "4")]).await?;
    assert_eq!(numbers(&a2), vec![3, 2, 1]);
    assert_eq!(a2.next, None);
    Ok(())
}

#[tokio::test]
async fn resolved_at_is_set_on_resolve_kept_on_close_cleared_on_reopen() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast
        .alice
        .create_ticket(TOPIC, "Тариф", "Рахує неправильно")
        .await?;
    let agent = &cast.agent;

    let t1 = patch(agent, t.id, json!({"status": "in_progress"})).await?;
    assert_eq!(t1.status, TicketStatus::InProgress);
    assert_eq!(t1.resolved_at, None);
    assert!(t1.updated_at >= t.updated_at);

    let t2 = patch(agent, t.id, json!({"status": "resolved"})).await?;
    assert_eq!(t2.status, TicketStatus::Resolved);
    let resolved_at = t2.resolved_at.expect("set on resolve");
    assert!(resolved_at >= t.created_at);

    let t3 = patch(agent, t.id, json!({"status": "closed"})).await?;
    assert_eq!(t3.status, TicketStatus::Closed);
    assert_eq!(t3.resolved_at, Some(resolved_at), "kept on close");

    let t4 = patch(agent, t.id, json!({"status": "in_progress"})).await?;
    assert_eq!(t4.status, TicketStatus::InProgress);
    assert_eq!(t4.resolved_at, None, "cleared on reopen");

    // Closing straight from an open state sets it too.
    let t5 = patch(agent, t.id, json!({"status": "closed"})).await?;
    assert!(t5.resolved_at.is_some_and(|r| r >= resolved_at));

    // What the customer reads agrees.
    assert_eq!(get(&cast.alice, t.id).await?, public(t5));
    Ok(())
}

#[tokio::test]
async fn customers_may_resolve_and_reopen_but_not_run_the_workflow() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let alice = &cast.alice;
    let t = alice
        .create_ticket(TOPIC, "Тариф", "Рахує неправильно")
        .await?;

    for status in ["in_progress", "waiting_for_customer", "closed"] {
        let res = alice
            .patch(
                &format!("/api/v1/tickets/{}", t.id),
                &json!({"status": status}),
            )
            .await?;
        expect_error(res, 409, "invalid_transition").await?;
    }
    assert_eq!(get(alice, t.id).await?, t, "refused changes change nothing");

    // An unchanged status is no change at all.
    assert_eq!(patch(alice, t.id, json!({"status": "new"})).await?, t);
    assert_eq!(patch(alice, t.id, json!({})).await?, t);

    let resolved = patch(alice, t.id, json!({"status": "resolved"})).await?;
    assert_eq!(resolved.status, TicketStatus::Resolved);
    assert!(resolved.resolved_at.is_some());
    let res = alice
        .patch(
            &format!("/api/v1/tickets/{}", t.id),
            &json!({"status": "closed"}),
        )
        .await?;
    expect_error(res, 409, "invalid_transition").await?;

    // Reopening an unassigned ticket puts it back in the queue.
    let reopened = patch(alice, t.id, json!({"status": "new"})).await?;
    assert_eq!(reopened.status, TicketStatus::New);
    assert_eq!(reopened.resolved_at, None);

    // Reopening an assigned one gives it back to its agent, whatever open status was asked.
    patch(
        &cast.agent,
        t.id,
        json!({"assignee_id": cast.agent.user().id}),
    )
    .await?;
    patch(&cast.alan, t.id, json!({"status": "resolved"})).await?;
    let back = patch(alice, t.id, json!({"status": "new"})).await?;
    assert_eq!(back.status, TicketStatus::InProgress);
    assert_eq!(back.resolved_at, None);

    // Closed is final for customers.
    patch(&cast.agent, t.id, json!({"status": "closed"})).await?;
    for status in ["new", "resolved", "in_progress"] {
        let res = alice
            .patch(
                &format!("/api/v1/tickets/{}", t.id),
                &json!({"status": status}),
            )
            .await?;
        expect_error(res, 409, "ticket_closed").await?;
    }
    assert_eq!(get(alice, t.id).await?.status, TicketStatus::Closed);
    Ok(())
}

#[tokio::test]
async fn assignment_is_for_agents_and_to_agents() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast
        .alice
        .create_ticket(TOPIC, "Тариф", "Рахує неправильно")
        .await?;
    let path = format!("/api/v1/tickets/{}", t.id);
    let agent_id = cast.agent.user().id;

    // Customers cannot assign, not even alongside a change they may make.
    let res = cast
        .alice
        .patch(&path, &json!({"assignee_id": agent_id}))
        .await?;
    expect_error(res, 403, "forbidden").await?;
    let res = cast
        .alice
        .patch(&path, &json!({"assignee_id": null}))
        .await?;
    expect_error(res, 403, "forbidden").await?;
    let res = cast
        .alice
        .patch(
            &path,
            &json!({"status": "resolved", "assignee_id": agent_id}),
        )
        .await?;
    expect_error(res, 403, "forbidden").await?;
    assert_eq!(public(get(&cast.agent, t.id).await?), t, "nothing changed");

    // Only a support specialist can be the assignee.
    let res = cast
        .agent
        .patch(&path, &json!({"assignee_id": cast.alice.user().id}))
        .await?;
    expect_error(res, 422, "validation_failed").await?;
    let res = cast
        .agent
        .patch(&path, &json!({"assignee_id": Uuid::now_v7()}))
        .await?;
    expect_error(res, 404, "not_found").await?;
    assert_eq!(public(get(&cast.agent, t.id).await?), t, "nothing changed");

    let assigned = patch(&cast.agent, t.id, json!({"assignee_id": agent_id})).await?;
    let a = assigned.assignee.clone().expect("assigned");
    assert_eq!(a.id, agent_id);
    assert_eq!(a.role, Role::Agent);
    assert_eq!(a.name, cast.agent.user().name);
    assert_eq!(
        assigned.status,
        TicketStatus::New,
        "assigning keeps the status"
    );
    assert_eq!(get(&cast.alice, t.id).await?.assignee, Some(a.clone()));

    // Leaving the field out keeps the assignee.
    let moved = patch(&cast.agent, t.id, json!({"status": "in_progress"})).await?;
    assert_eq!(moved.assignee, Some(a));

    // Admins are staff too.
    let admin_id = cast.admin.user().id;
    let to_admin = patch(&cast.agent, t.id, json!({"assignee_id": admin_id})).await?;
    assert_eq!(to_admin.assignee.map(|p| p.id), Some(admin_id));

    // `null` unassigns.
    let none = patch(&cast.agent, t.id, json!({"assignee_id": null})).await?;
    assert!(none.assignee.is_none());
    assert_eq!(none.status, TicketStatus::InProgress);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn numbers_are_gap_free_and_unique_under_concurrency() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    // Alan's upload: Alice may not use it, which fails her create only after a number was
    // drawn and the ticket inserted, inside the same write batch as the others.
    let alans = upload_ok(&cast.alan, "alan.txt", b"alan's".to_vec()).await?;
    let writers: Vec<Session> = vec![
        cast.alice.clone(),
        cast.alan.clone(),
        cast.bob.clone(),
        cast.alice.clone(),
        cast.bob.clone(),
    ];
    let mut set = tokio::task::JoinSet::new();
    const GOOD: usize = 50;
    for i in 0..GOOD {
        let s = writers[i % writers.len()].clone();
        set.spawn(async move {
            let body = ticket_body(TOPIC, &format!("Паралельне {i}"), "Текст");
            let res = s.post("/api/v1/tickets", &body).await?;
            let status = res.status();
            let text = res.text().await?;
            anyhow::Ok((true, status, text))
        });
        if i % 5 == 2 {
            let s = cast.alice.clone();
            let kind = i % 3;
            let alans = alans.id;
            set.spawn(async move {
                let mut body = ticket_body(TOPIC, "Має не вийти", "Текст");
                match kind {
                    0 => body["topic_id"] = json!("no-such-topic"),
                    1 => body["attachment_ids"] = json!([alans]),
                    _ => body["attachment_ids"] = json!([Uuid::now_v7()]),
                }
                let res = s.post("/api/v1/tickets", &body).await?;
                let status = res.status();
                let text = res.text().await?;
                anyhow::Ok((false, status, text))
            });
        }
    }
    // And a few with an empty subject, refused before the store.
    for _ in 0..3 {
        let s = cast.bob.clone();
        set.spawn(async move {
            let res = s
                .post("/api/v1/tickets", &ticket_body(TOPIC, "   ", "Текст"))
                .await?;
            let status = res.status();
            let text = res.text().await?;
            anyhow::Ok((false, status, text))
        });
    }
    let mut got = Vec::new();
    let mut failed = 0;
    while let Some(joined) = set.join_next().await {
        let (good, status, text) = joined??;
        if good {
            assert_eq!(status, StatusCode::CREATED, "{text}");
            let t: Ticket = serde_json::from_str(&text)?;
            got.push(t.number);
        } else {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
            failed += 1;
        }
    }
    assert!(failed >= 10);
    got.sort_unstable();
    assert_eq!(got, (1..=GOOD as i64).collect::<Vec<_>>());

    let stored: Vec<i64> = list_all(&cast.agent)
        .await?
        .iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(stored, (1..=GOOD as i64).rev().collect::<Vec<_>>());
    let ids: HashSet<Uuid> = list_all(&cast.agent).await?.iter().map(|t| t.id).collect();
    assert_eq!(ids.len(), GOOD);

    let next = cast.alan.create_ticket(TOPIC, "Після", "Текст").await?;
    assert_eq!(next.number, GOOD as i64 + 1);
    Ok(())
}

#[tokio::test]
async fn creating_the_same_id_twice_makes_one_ticket_and_answers_the_same() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let body = ticket_body(TOPIC, "Тариф", "Рахує неправильно");
    let (first, t): (Value, Ticket) =
        created(cast.alice.post("/api/v1/tickets", &body).await?).await?;
    let (second, _): (Value, Ticket) =
        created(cast.alice.post("/api/v1/tickets", &body).await?).await?;
    assert_eq!(first, second, "a repeat answers the same");

    // A repeat whose text drifted (an edited outbox row) still names the same ticket.
    let mut edited = body.clone();
    edited["subject"] = json!("Інша тема");
    edited["body"] = json!("Інший текст");
    let (third, _): (Value, Ticket) =
        created(cast.alice.post("/api/v1/tickets", &edited).await?).await?;
    assert_eq!(third, first);

    let all = list_all(&cast.agent).await?;
    assert_eq!(all.len(), 1);
    let msgs: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", t.id))
        .await?;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].body, "Рахує неправильно");

    // The same id from anyone else is a conflict, and says nothing about the ticket.
    for other in [&cast.alan, &cast.bob, &cast.agent] {
        let mut b = body.clone();
        b["organization_id"] = json!(cast.org_b.id);
        let res = other.post("/api/v1/tickets", &b).await?;
        let (text, _) = expect_error(res, 409, "id_conflict").await?;
        assert!(!text.contains("Тариф") && !text.contains("Рахує"), "{text}");
    }
    assert_eq!(list_all(&cast.agent).await?.len(), 1);
    let next = cast.alice.create_ticket(TOPIC, "Друге", "Текст").await?;
    assert_eq!(next.number, 2, "repeats used no number");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeats_of_one_id_make_one_ticket() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let body = ticket_body(URGENT_TOPIC, "Телефонія", "Тиша");
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let s = cast.alice.clone();
        let b = body.clone();
        set.spawn(async move {
            let res = s.post("/api/v1/tickets", &b).await?;
            anyhow::Ok(created::<Ticket>(res).await?.0)
        });
    }
    let mut answers = Vec::new();
    while let Some(j) = set.join_next().await {
        answers.push(j??);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(answers[0]["number"], 1);
    assert_eq!(list_all(&cast.agent).await?.len(), 1);
    let msgs: Vec<Message> = cast
        .agent
        .get_json(&format!(
            "/api/v1/tickets/{}/messages",
            body["id"].as_str().unwrap_or("")
        ))
        .await?;
    assert_eq!(msgs.len(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_id_raced_by_two_people_goes_to_exactly_one() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    for round in 0..5 {
        let body = ticket_body(TOPIC, &format!("Гонка {round}"), "Текст");
        let (a, b) = tokio::join!(
            cast.alice.post("/api/v1/tickets", &body),
            cast.bob.post("/api/v1/tickets", &body)
        );
        let (a, b) = (a?, b?);
        let statuses = [a.status().as_u16(), b.status().as_u16()];
        let (winner, loser, loser_res) = match statuses {
            [201, 409] => (&cast.alice, &cast.bob, b),
            [409, 201] => (&cast.bob, &cast.alice, a),
            other => panic!("round {round}: one creates, one conflicts; got {other:?}"),
        };
        expect_error(loser_res, 409, "id_conflict").await?;
        let id = body["id"].as_str().unwrap_or_default();
        let t: Ticket = winner.get_json(&format!("/api/v1/tickets/{id}")).await?;
        assert_eq!(t.requester.id, winner.user().id);
        let res = loser.get(&format!("/api/v1/tickets/{id}")).await?;
        expect_error(res, 404, "not_found").await?;
    }
    let numbers: Vec<i64> = list_all(&cast.agent)
        .await?
        .iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(numbers, vec![5, 4, 3, 2, 1]);
    Ok(())
}
