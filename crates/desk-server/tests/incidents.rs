//! Outages over HTTP on a manual clock standing at 02:00 in Kyiv: a report pages the agent on
//! duty, is paged again to everyone each timeout until acknowledged (also across a restart);
//! reports of one kind and organisation join one incident, merges join scopes; updates and the
//! resolution reach exactly the affected organisations (pull and push), and resolve the reports;
//! writes are idempotent; bad input answers clear errors; nothing leaks across organisations.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use desk_domain::{
    ChangeData, DutyAgent, Incident, IncidentEventKind, IncidentStatus, Message, OutageReport,
    Page, Role, Ticket, TicketStatus,
};
use desk_testkit::reqwest::{Method, StatusCode};
use desk_testkit::{Cast, Session, TestServer};
use serde_json::{Value, json};
use uuid::Uuid;

/// 02:00 in Kyiv (UTC+2 in winter): nobody is in the office.
fn night() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-15T00:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

async fn night_cast() -> anyhow::Result<Cast> {
    Cast::on(TestServer::start_at(night()).await?).await
}

async fn report(s: &Session, kind: &str, description: &str) -> anyhow::Result<OutageReport> {
    let res = s
        .post(
            "/api/v1/outages",
            &json!({"id": Uuid::now_v7(), "kind": kind, "description": description}),
        )
        .await?;
    Ok(created::<OutageReport>(res).await?.1)
}

async fn on_duty(s: &Session) -> anyhow::Result<DutyAgent> {
    let res = s
        .request(Method::PUT, "/api/v1/duty")
        .json(&json!({"on_duty": true}))
        .send()
        .await?;
    anyhow::ensure!(
        res.status() == StatusCode::OK,
        "PUT /duty: {}",
        res.status()
    );
    Ok(res.json().await?)
}

async fn post_ok(s: &Session, path: &str, body: &Value) -> anyhow::Result<Incident> {
    s.post_json(path, body).await
}

fn pages(changes: &[desk_domain::Change]) -> Vec<Page> {
    changes
        .iter()
        .filter_map(|c| match &c.entity {
            ChangeData::Page(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn incidents(changes: &[desk_domain::Change]) -> Vec<Incident> {
    changes
        .iter()
        .filter_map(|c| match &c.entity {
            ChangeData::Incident(i) => Some(i.clone()),
            _ => None,
        })
        .collect()
}

/// Every page `agent` can pull, oldest first.
async fn all_pages(agent: &Session) -> anyhow::Result<Vec<Page>> {
    let mut p = pages(&pull_all(agent, 0).await?.0);
    p.sort_by_key(|p| (p.created_at, p.round));
    Ok(p)
}

/// Waits (bounded) until the agent can pull a page of `round`; the re-pager runs on its own task.
async fn wait_for_round(agent: &Session, round: u32) -> anyhow::Result<Page> {
    let deadline = tokio::time::Instant::now() + HANG_GUARD;
    loop {
        if let Some(p) = all_pages(agent)
            .await?
            .into_iter()
            .find(|p| p.round == round)
        {
            return Ok(p);
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "no page of round {round} within {HANG_GUARD:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Gives the re-pager several looks at the clock (it looks at least every half second on a
/// manual clock), so a page that should not come has had its chance to.
async fn let_repager_look() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

fn advance_minutes(server: &TestServer, m: i64) {
    server.clock.advance(chrono::Duration::minutes(m));
}

#[tokio::test]
async fn a_night_report_pages_the_agent_on_duty_then_everyone_until_acknowledged()
-> anyhow::Result<()> {
    let cast = night_cast().await?;
    let night_agent = cast
        .server
        .add_user("night@vendor.example.com", Role::Agent, None)
        .await?;
    let duty = on_duty(&night_agent).await?;
    assert!(duty.on_duty);
    assert_eq!(duty.since, night());
    let roster: Vec<DutyAgent> = cast.agent.get_json("/api/v1/duty").await?;
    assert_eq!(roster.len(), 3, "two agents and the admin: {roster:?}");
    assert_eq!(roster[0].agent.id, night_agent.user().id, "on duty first");

    let r = report(
        &cast.alice,
        "telephony",
        "Не проходять дзвінки з 01:50, оператори не чують клієнтів",
    )
    .await?;
    assert!(!r.already_known);
    assert_eq!(r.ticket.topic_id, "telephony-down");
    assert!(r.ticket.urgent);
    assert_eq!(r.ticket.incident_id, Some(r.incident.id));
    assert_eq!(r.incident.status, IncidentStatus::Open);
    assert_eq!(r.incident.title, "Не працює телефонія");
    assert_eq!(r.incident.started_at, night());
    assert_eq!(r.incident.ticket_ids, vec![r.ticket.id]);
    assert_eq!(r.incident.organizations.len(), 1);
    assert_eq!(r.incident.timeline[0].kind, IncidentEventKind::Reported);
    let messages: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", r.ticket.id))
        .await?;
    assert_eq!(
        messages[0].body,
        "Не проходять дзвінки з 01:50, оператори не чують клієнтів"
    );

    // Round 1: only the agent on duty.
    let first = all_pages(&cast.agent).await?;
    assert_eq!(first.len(), 1, "{first:?}");
    let p = &first[0];
    assert_eq!(p.round, 1);
    assert!(!p.all_agents);
    assert_eq!(p.recipients, vec![night_agent.user().id]);
    assert!(p.is_for(night_agent.user().id));
    assert!(!p.is_for(cast.agent.user().id));
    assert_eq!(p.ticket_id, r.ticket.id);
    assert_eq!(p.ticket_number, r.ticket.number);
    assert_eq!(p.organization_name, cast.org_a.name);
    assert!(p.summary.starts_with("Не проходять дзвінки"));
    // Customers never pull pages or the roster.
    for c in [&cast.alice, &cast.bob] {
        let (changes, _) = pull_all(c, 0).await?;
        assert!(
            changes
                .iter()
                .all(|c| !matches!(c.entity, ChangeData::Page(_) | ChangeData::Duty(_))),
            "a customer pulled a page or the roster"
        );
    }

    // Nobody acknowledges: after the timeout, everyone; and again after the next one.
    advance_minutes(&cast.server, 4);
    let_repager_look().await;
    assert_eq!(
        all_pages(&cast.agent).await?.len(),
        1,
        "paged again too early"
    );
    advance_minutes(&cast.server, 1);
    let second = wait_for_round(&cast.agent, 2).await?;
    assert!(second.all_agents);
    assert!(second.is_for(cast.agent.user().id));
    assert_eq!(second.incident_id, r.incident.id);
    assert_eq!(second.ticket_id, r.ticket.id);
    advance_minutes(&cast.server, 5);
    let third = wait_for_round(&cast.agent, 3).await?;
    assert!(third.all_agents);

    // The agent on duty acknowledges; the reporter sees who and when.
    advance_minutes(&cast.server, 1);
    let acked = post_ok(
        &night_agent,
        &format!("/api/v1/incidents/{}/acknowledge", r.incident.id),
        &json!({}),
    )
    .await?;
    let at = night() + chrono::Duration::minutes(11);
    assert_eq!(acked.acknowledged_at, Some(at));
    let seen: Incident = cast
        .alice
        .get_json(&format!("/api/v1/incidents/{}", r.incident.id))
        .await?;
    assert_eq!(
        seen.acknowledged_by.as_ref().map(|p| p.name.as_str()),
        Some("night")
    );
    assert_eq!(seen.acknowledged_at, Some(at));
    let pulled = incidents(&pull_all(&cast.alice, 0).await?.0);
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0].acknowledged_at, Some(at));
    // The acknowledging agent took the report.
    let t: Ticket = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}", r.ticket.id))
        .await?;
    assert_eq!(t.status, TicketStatus::InProgress);
    assert_eq!(t.assignee.map(|a| a.id), Some(night_agent.user().id));

    // No more pages however long it stays open.
    advance_minutes(&cast.server, 30);
    let_repager_look().await;
    assert_eq!(all_pages(&cast.agent).await?.len(), 3);
    // A second acknowledgement answers the incident as it is.
    let again = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{}/acknowledge", r.incident.id),
        &json!({}),
    )
    .await?;
    assert_eq!(again.acknowledged_by, acked.acknowledged_by);
    Ok(())
}

#[tokio::test]
async fn nobody_on_duty_pages_every_agent_and_resolution_stops_paging() -> anyhow::Result<()> {
    let cast = night_cast().await?;
    let r = report(&cast.bob, "program", "Програма не відкривається").await?;
    let p = all_pages(&cast.agent).await?;
    assert_eq!(p.len(), 1);
    assert!(p[0].all_agents && p[0].recipients.is_empty());
    post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{}/resolve", r.incident.id),
        &json!({"id": Uuid::now_v7(), "body": "Перезапустили сервер"}),
    )
    .await?;
    advance_minutes(&cast.server, 10);
    let_repager_look().await;
    assert_eq!(all_pages(&cast.agent).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn reports_join_the_open_incident_of_their_kind_and_organisation() -> anyhow::Result<()> {
    let cast = night_cast().await?;
    let first = report(&cast.alice, "telephony", "Не проходять дзвінки").await?;
    advance_minutes(&cast.server, 2);
    let second = report(&cast.alan, "telephony", "У нас теж тиша на лініях").await?;
    assert!(second.already_known);
    assert_eq!(second.incident.id, first.incident.id);
    assert_eq!(second.incident.started_at, night());
    assert_eq!(
        second.incident.ticket_ids,
        vec![first.ticket.id, second.ticket.id]
    );
    assert_eq!(second.ticket.incident_id, Some(first.incident.id));
    assert_eq!(
        all_pages(&cast.agent).await?.len(),
        1,
        "a known outage pages nobody again"
    );

    // Another kind, or another organisation: another incident, another page.
    let program = report(&cast.alice, "program", "Не відкривається карта").await?;
    assert!(!program.already_known);
    assert_ne!(program.incident.id, first.incident.id);
    let other_org = report(&cast.bob, "telephony", "Дзвінки обриваються").await?;
    assert!(!other_org.already_known);
    assert_ne!(other_org.incident.id, first.incident.id);
    assert_eq!(all_pages(&cast.agent).await?.len(), 3);

    // `other` is filed under «Інше» and still urgent.
    let other = report(&cast.alice, "other", "Не працює бонусна програма").await?;
    assert_eq!(other.ticket.topic_id, "other");
    assert!(other.ticket.urgent);
    assert_eq!(other.incident.title, "Критична несправність");

    // Open incidents as each side sees them.
    let mine: Vec<Incident> = cast.alice.get_json("/api/v1/incidents").await?;
    assert_eq!(mine.len(), 3);
    assert!(mine.iter().all(|i| i.affects(cast.org_a.id)));
    let all: Vec<Incident> = cast.agent.get_json("/api/v1/incidents").await?;
    assert_eq!(all.len(), 4);

    // A report within the hour after the resolution reopens the incident and pages again.
    post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{}/resolve", first.incident.id),
        &json!({"id": Uuid::now_v7(), "body": "Відновили лінії"}),
    )
    .await?;
    advance_minutes(&cast.server, 20);
    let back = report(&cast.alice, "telephony", "Знову не працює").await?;
    assert_eq!(back.incident.id, first.incident.id);
    assert!(!back.already_known);
    assert_eq!(back.incident.status, IncidentStatus::Open);
    assert_eq!(back.incident.acknowledged_at, None);
    assert!(
        back.incident
            .timeline
            .iter()
            .any(|e| e.kind == IncidentEventKind::Reopened)
    );
    let first_rounds = all_pages(&cast.agent)
        .await?
        .into_iter()
        .filter(|p| p.round == 1)
        .count();
    assert_eq!(first_rounds, 5, "the reopening paged the agents again");
    Ok(())
}

#[tokio::test]
async fn a_merge_joins_scopes_and_moves_the_reports() -> anyhow::Result<()> {
    let cast = night_cast().await?;
    let a = report(&cast.alice, "telephony", "Тиша на лініях у Вінниці").await?;
    let b = report(&cast.bob, "telephony", "Тиша на лініях у Полтаві").await?;
    let merged = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{}/merge", a.incident.id),
        &json!({"from": b.incident.id}),
    )
    .await?;
    let mut orgs: Vec<Uuid> = merged.organizations.iter().map(|o| o.id).collect();
    orgs.sort();
    let mut want = vec![cast.org_a.id, cast.org_b.id];
    want.sort();
    assert_eq!(orgs, want);
    assert_eq!(merged.ticket_ids, vec![a.ticket.id, b.ticket.id]);
    let gone: Incident = cast
        .agent
        .get_json(&format!("/api/v1/incidents/{}", b.incident.id))
        .await?;
    assert_eq!(gone.status, IncidentStatus::Merged);
    assert_eq!(gone.merged_into, Some(a.incident.id));
    assert!(gone.ticket_ids.is_empty());
    // Merging again answers the same.
    let again = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{}/merge", a.incident.id),
        &json!({"from": b.incident.id}),
    )
    .await?;
    assert_eq!(again.ticket_ids, merged.ticket_ids);

    // Bob now follows the merged incident, seeing only his own organisation in it.
    let bobs: Incident = cast
        .bob
        .get_json(&format!("/api/v1/incidents/{}", a.incident.id))
        .await?;
    assert_eq!(bobs.organizations.len(), 1);
    assert_eq!(bobs.organizations[0].id, cast.org_b.id);
    assert_eq!(bobs.ticket_ids, vec![b.ticket.id]);
    assert!(bobs.affects(cast.org_b.id));
    let reporters: Vec<Uuid> = bobs
        .timeline
        .iter()
        .filter(|e| e.kind == IncidentEventKind::Reported)
        .map(|e| e.author.id)
        .collect();
    assert_eq!(reporters, vec![cast.bob.user().id]);
    let text = cast
        .bob
        .get(&format!("/api/v1/incidents/{}", a.incident.id))
        .await?
        .text()
        .await?;
    assert!(!text.contains(&cast.org_a.name) && !text.contains("alice"));
    let t: Ticket = cast
        .bob
        .get_json(&format!("/api/v1/tickets/{}", b.ticket.id))
        .await?;
    assert_eq!(t.incident_id, Some(a.incident.id));
    // Bob's client learns it through the change log, too.
    let (changes, _) = pull_all(&cast.bob, 0).await?;
    let pulled = incidents(&changes);
    assert!(
        pulled
            .iter()
            .any(|i| i.id == a.incident.id && i.ticket_ids == vec![b.ticket.id])
    );
    assert!(
        pulled
            .iter()
            .any(|i| i.id == b.incident.id && i.status == IncidentStatus::Merged)
    );
    // A new report from Bob's office joins the merged incident.
    let more = report(&cast.bob, "telephony", "Досі не працює").await?;
    assert!(more.already_known);
    assert_eq!(more.incident.id, a.incident.id);
    Ok(())
}

/// Opens the event stream and answers it with the cursor the session holds now.
async fn follow(s: &Session) -> anyhow::Result<(EventStream, i64)> {
    let cur = cursor(s).await?;
    Ok((EventStream::open(s, Some(cur)).await?, cur))
}

#[tokio::test]
async fn updates_and_resolution_reach_every_affected_organisation_and_no_other()
-> anyhow::Result<()> {
    let cast = night_cast().await?;
    let org_c = cast.server.add_org("Таксі Оберіг").await?;
    let carol = cast
        .server
        .add_user("carol@c.example.com", Role::Customer, Some(&org_c.name))
        .await?;
    let r = report(&cast.alice, "driver_app", "Водії не бачать замовлень").await?;
    // Agent widens it to Bob's service, which reported nothing.
    let res = cast
        .agent
        .patch(
            &format!("/api/v1/incidents/{}", r.incident.id),
            &json!({"organization_ids": [cast.org_b.id], "title": "Застосунок водія не отримує замовлень"}),
        )
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let widened: Incident = res.json().await?;
    assert_eq!(widened.organizations.len(), 2, "the reporting org stays");
    assert_eq!(widened.title, "Застосунок водія не отримує замовлень");

    let (mut alice_events, alice_at) = follow(&cast.alice).await?;
    let (mut bob_events, bob_at) = follow(&cast.bob).await?;
    let (mut carol_events, carol_at) = follow(&carol).await?;

    let update_id = Uuid::now_v7();
    let updated = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{}/updates", r.incident.id),
        &json!({"id": update_id, "body": "Знайшли причину, перезапускаємо сервер замовлень"}),
    )
    .await?;
    assert_eq!(
        updated.timeline.last().map(|e| e.kind),
        Some(IncidentEventKind::Update)
    );
    for (s, events, at) in [
        (&cast.alice, &mut alice_events, alice_at),
        (&cast.bob, &mut bob_events, bob_at),
    ] {
        let poke = events.next_poke().await?;
        assert!(poke > at);
        let got = incidents(&pull_all(s, at).await?.0);
        assert_eq!(got.len(), 1, "one incident, once");
        assert!(got[0].timeline.iter().any(|e| e.id == update_id));
        assert!(got[0].affects(s.user().organization_id.unwrap_or_default()));
    }

    let resolution = "Сервер замовлень працює, перевірте, будь ласка";
    let (_, before_resolve) = pull_all(&cast.alice, 0).await?;
    let resolved = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{}/resolve", r.incident.id),
        &json!({"id": Uuid::now_v7(), "body": resolution}),
    )
    .await?;
    assert_eq!(resolved.status, IncidentStatus::Resolved);
    assert_eq!(resolved.resolved_at, Some(night()));
    for (s, events) in [
        (&cast.alice, &mut alice_events),
        (&cast.bob, &mut bob_events),
    ] {
        events.next_poke().await?;
        let got = incidents(&pull_all(s, 0).await?.0);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].status, IncidentStatus::Resolved);
        assert!(!got[0].affects(s.user().organization_id.unwrap_or_default()));
    }
    // The report was resolved with the resolution as the agent's reply.
    let t: Ticket = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}", r.ticket.id))
        .await?;
    assert_eq!(t.status, TicketStatus::Resolved);
    let messages: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", r.ticket.id))
        .await?;
    let last = messages.last().map(|m| (m.body.as_str(), m.author.id));
    assert_eq!(last, Some((resolution, cast.agent.user().id)));
    let alices = pull_all(&cast.alice, alice_at).await?.0;
    assert!(alices.iter().any(
        |c| matches!(&c.entity, ChangeData::Ticket(t) if t.id == r.ticket.id && t.status == TicketStatus::Resolved)
    ));
    // In the log the incident comes before its report, and the report before the resolution
    // message: a pull split across pages learns of the resolution first (one notification).
    let since = pull_all(&cast.alice, before_resolve).await?.0;
    let at = |f: &dyn Fn(&ChangeData) -> bool| since.iter().position(|c| f(&c.entity));
    let incident_at = at(&|e| matches!(e, ChangeData::Incident(i) if i.id == r.incident.id));
    let ticket_at = at(&|e| matches!(e, ChangeData::Ticket(t) if t.id == r.ticket.id));
    let message_at = at(&|e| matches!(e, ChangeData::Message(m) if m.body == resolution));
    assert!(
        incident_at.is_some() && incident_at < ticket_at && ticket_at < message_at,
        "incident, report, message in that order: {incident_at:?} {ticket_at:?} {message_at:?}"
    );

    // Carol's service was never affected: no poke, nothing to pull, no access.
    let own = carol.create_ticket(TOPIC, "Своє питання", "Текст").await?;
    let first_poke = carol_events.next_poke().await?;
    let (carols, _) = pull_all(&carol, carol_at).await?;
    assert!(incidents(&carols).is_empty());
    // A poke for anything of the incident would have come before the one for her ticket.
    assert_eq!(Some(first_poke), carols.last().map(|c| c.seq));
    assert!(
        carols.iter().all(|c| match &c.entity {
            ChangeData::Ticket(t) => t.id == own.id,
            ChangeData::Message(m) => m.ticket_id == own.id,
            _ => false,
        }),
        "carol's first poke after the incident's updates was for her own ticket"
    );
    assert!(
        incidents(&pull_all(&carol, 0).await?.0).is_empty(),
        "never any incident for Carol"
    );
    let none: Vec<Incident> = carol.get_json("/api/v1/incidents?status=all").await?;
    assert!(none.is_empty());
    let res = carol
        .get(&format!("/api/v1/incidents/{}", r.incident.id))
        .await?;
    expect_error(res, 404, "not_found").await?;
    Ok(())
}

#[tokio::test]
async fn an_incident_for_every_organisation_reaches_everyone() -> anyhow::Result<()> {
    let cast = night_cast().await?;
    let id = Uuid::now_v7();
    let body = json!({"id": id, "kind": "program", "title": "", "body": "Планові роботи: програма недоступна до 03:00",
                      "all_organizations": true});
    let res = cast.agent.post("/api/v1/incidents", &body).await?;
    let (_, announced): (Value, Incident) = created(res).await?;
    assert!(announced.all_organizations);
    assert_eq!(announced.title, "Не працює диспетчерська програма");
    assert!(
        announced.acknowledged_at.is_some(),
        "an announcement pages nobody"
    );
    // The same id again answers the same incident.
    let (_, again): (Value, Incident) =
        created(cast.agent.post("/api/v1/incidents", &body).await?).await?;
    assert_eq!(again.id, announced.id);
    assert!(all_pages(&cast.agent).await?.is_empty());
    for s in [&cast.alice, &cast.bob] {
        let got = incidents(&pull_all(s, 0).await?.0);
        assert_eq!(got.len(), 1);
        assert!(got[0].affects(s.user().organization_id.unwrap_or_default()));
        assert!(got[0].organizations.is_empty());
    }
    // A report of that kind from anyone joins it.
    let r = report(&cast.bob, "program", "Не відкривається програма").await?;
    assert!(r.already_known);
    assert_eq!(r.incident.id, id);
    // Narrowed to Bob's service: Alice's client learns it no longer affects her.
    let res = cast
        .agent
        .patch(
            &format!("/api/v1/incidents/{id}"),
            &json!({"all_organizations": false, "organization_ids": []}),
        )
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let alices = incidents(&pull_all(&cast.alice, 0).await?.0);
    assert_eq!(alices.len(), 1);
    assert!(!alices[0].affects(cast.org_a.id));
    let bobs = incidents(&pull_all(&cast.bob, 0).await?.0);
    assert!(bobs[0].affects(cast.org_b.id));
    Ok(())
}

#[tokio::test]
async fn reports_and_updates_are_idempotent() -> anyhow::Result<()> {
    let cast = night_cast().await?;
    let id = Uuid::now_v7();
    let body = json!({"id": id, "kind": "telephony", "description": "Не проходять дзвінки"});
    let (_, first): (Value, OutageReport) =
        created(cast.alice.post("/api/v1/outages", &body).await?).await?;
    let (_, second): (Value, OutageReport) =
        created(cast.alice.post("/api/v1/outages", &body).await?).await?;
    assert_eq!(first.ticket.id, second.ticket.id);
    assert_eq!(first.incident.id, second.incident.id);
    assert_eq!(first.already_known, second.already_known);
    assert_eq!(list_all(&cast.alice).await?.len(), 1);
    assert_eq!(all_pages(&cast.agent).await?.len(), 1);
    // A joined report's repeat still says it was known.
    let joined_body = json!({"id": Uuid::now_v7(), "kind": "telephony", "description": "І в нас"});
    let (_, j1): (Value, OutageReport) =
        created(cast.alan.post("/api/v1/outages", &joined_body).await?).await?;
    let (_, j2): (Value, OutageReport) =
        created(cast.alan.post("/api/v1/outages", &joined_body).await?).await?;
    assert!(j1.already_known && j2.already_known);
    // Somebody else's id, or a plain ticket's: a conflict.
    let res = cast.alan.post("/api/v1/outages", &body).await?;
    expect_error(res, 409, "id_conflict").await?;
    let plain = cast.alice.create_ticket(TOPIC, "Тарифи", "Питання").await?;
    let res = cast
        .alice
        .post(
            "/api/v1/outages",
            &json!({"id": plain.id, "kind": "telephony", "description": "Текст"}),
        )
        .await?;
    expect_error(res, 409, "id_conflict").await?;

    let inc = first.incident.id;
    let update = json!({"id": Uuid::now_v7(), "body": "Працюємо"});
    let u1 = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{inc}/updates"),
        &update,
    )
    .await?;
    let u2 = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{inc}/updates"),
        &update,
    )
    .await?;
    assert_eq!(u1.timeline, u2.timeline);
    let count = |i: &Incident| {
        i.timeline
            .iter()
            .filter(|e| e.kind == IncidentEventKind::Update)
            .count()
    };
    assert_eq!(count(&u2), 1);
    // The update's id cannot become a resolution.
    let res = cast
        .agent
        .post(&format!("/api/v1/incidents/{inc}/resolve"), &update)
        .await?;
    expect_error(res, 409, "id_conflict").await?;
    let resolve = json!({"id": Uuid::now_v7(), "body": "Готово"});
    let r1 = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{inc}/resolve"),
        &resolve,
    )
    .await?;
    let r2 = post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{inc}/resolve"),
        &resolve,
    )
    .await?;
    assert_eq!(r1, r2);
    let messages: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", first.ticket.id))
        .await?;
    assert_eq!(messages.len(), 2, "one resolution message");
    // A new resolution of a resolved incident is refused.
    let res = cast
        .agent
        .post(
            &format!("/api/v1/incidents/{inc}/resolve"),
            &json!({"id": Uuid::now_v7(), "body": "Ще раз"}),
        )
        .await?;
    expect_error(res, 409, "invalid_transition").await?;
    Ok(())
}

#[tokio::test]
async fn bad_input_and_customers_at_agent_endpoints_get_clear_errors() -> anyhow::Result<()> {
    let cast = night_cast().await?;
    let res = cast
        .alice
        .request(Method::POST, "/api/v1/outages")
        .header("accept-language", "en")
        .json(&json!({"id": Uuid::now_v7(), "kind": "elevator", "description": "Текст"}))
        .send()
        .await?;
    let (_, e) = expect_error(res, 422, "validation_failed").await?;
    assert!(e.message.contains("elevator"), "{}", e.message);
    let res = cast
        .alice
        .post(
            "/api/v1/outages",
            &json!({"id": Uuid::now_v7(), "kind": "telephony", "description": "  \n "}),
        )
        .await?;
    let (_, e) = expect_error(res, 422, "validation_failed").await?;
    assert!(e.message.contains("Опишіть"), "{}", e.message);
    let res = cast
        .agent
        .post(
            "/api/v1/outages",
            &json!({"id": Uuid::now_v7(), "kind": "telephony", "description": "За дзвінком"}),
        )
        .await?;
    expect_error(res, 422, "validation_failed").await?;
    let res = cast
        .alice
        .post("/api/v1/outages", &json!({"kind": "telephony"}))
        .await?;
    expect_error(res, 400, "bad_request").await?;

    let r = report(&cast.alice, "telephony", "Не проходять дзвінки").await?;
    let inc = r.incident.id;
    let upd = json!({"id": Uuid::now_v7(), "body": "Текст"});
    let agent_only: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            format!("/api/v1/incidents/{inc}/acknowledge"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{inc}/updates"),
            Some(upd.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{inc}/resolve"),
            Some(upd.clone()),
        ),
        (
            Method::PATCH,
            format!("/api/v1/incidents/{inc}"),
            Some(json!({"title": "Моя назва"})),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{inc}/merge"),
            Some(json!({"from": Uuid::now_v7()})),
        ),
        (
            Method::POST,
            "/api/v1/incidents".into(),
            Some(
                json!({"id": Uuid::now_v7(), "kind": "program", "title": "x", "body": "x", "all_organizations": true}),
            ),
        ),
        (Method::GET, "/api/v1/duty".into(), None),
        (
            Method::PUT,
            "/api/v1/duty".into(),
            Some(json!({"on_duty": true})),
        ),
    ];
    for (method, path, body) in agent_only {
        for s in [&cast.alice, &cast.bob] {
            let mut rb = s.request(method.clone(), &path);
            if let Some(b) = &body {
                rb = rb.json(b);
            }
            expect_error(rb.send().await?, 403, "forbidden").await?;
        }
    }
    let after: Incident = cast
        .agent
        .get_json(&format!("/api/v1/incidents/{inc}"))
        .await?;
    assert_eq!(after.acknowledged_at, None);
    assert_eq!(after.title, r.incident.title);

    // Agents' own mistakes.
    let unknown = Uuid::now_v7();
    let res = cast
        .agent
        .post(
            &format!("/api/v1/incidents/{unknown}/acknowledge"),
            &json!({}),
        )
        .await?;
    expect_error(res, 404, "not_found").await?;
    let res = cast
        .agent
        .post(
            &format!("/api/v1/incidents/{inc}/updates"),
            &json!({"id": Uuid::now_v7(), "body": " "}),
        )
        .await?;
    expect_error(res, 422, "validation_failed").await?;
    let res = cast
        .agent
        .post(
            &format!("/api/v1/incidents/{inc}/merge"),
            &json!({"from": inc}),
        )
        .await?;
    expect_error(res, 422, "validation_failed").await?;
    let res = cast
        .agent
        .post(
            "/api/v1/incidents",
            &json!({"id": Uuid::now_v7(), "kind": "program", "title": "", "body": "Текст"}),
        )
        .await?;
    expect_error(res, 422, "validation_failed").await?;
    let res = cast.agent.get("/api/v1/incidents?status=sideways").await?;
    expect_error(res, 400, "bad_request").await?;
    Ok(())
}

#[tokio::test]
async fn another_organisation_sees_nothing_of_an_incident() -> anyhow::Result<()> {
    let cast = night_cast().await?;
    let (mut bob_events, _) = follow(&cast.bob).await?;
    let secret = "Таємний опис збою Ластівки";
    let r = report(&cast.alice, "telephony", secret).await?;
    let inc = r.incident.id;
    post_ok(
        &cast.agent,
        &format!("/api/v1/incidents/{inc}/updates"),
        &json!({"id": Uuid::now_v7(), "body": "Оновлення для Ластівки"}),
    )
    .await?;
    let res = cast.bob.get(&format!("/api/v1/incidents/{inc}")).await?;
    let (text, _) = expect_error(res, 404, "not_found").await?;
    assert!(!text.contains(secret));
    for q in ["open", "resolved", "all"] {
        let list: Vec<Incident> = cast
            .bob
            .get_json(&format!("/api/v1/incidents?status={q}"))
            .await?;
        assert!(list.is_empty(), "{q}: {list:?}");
    }
    let text = cast
        .bob
        .get("/api/v1/changes?after=0&limit=1000")
        .await?
        .text()
        .await?;
    for leak in [
        secret,
        &cast.org_a.name,
        "Оновлення для Ластівки",
        &inc.to_string(),
        &r.ticket.id.to_string(),
    ] {
        assert!(!text.contains(leak), "bob's changes leak “{leak}”");
    }
    // Neither the incident nor its page poked Bob: his first poke comes after all of them, for
    // his own ticket.
    let (agents, _) = pull_all(&cast.agent, 0).await?;
    let newest_of_alices = agents.iter().map(|c| c.seq).max().unwrap_or(0);
    cast.bob.create_ticket(TOPIC, "Своє", "Своє").await?;
    let poke = bob_events.next_poke().await?;
    assert!(
        poke > newest_of_alices,
        "Bob was poked ({poke}) for Alice's outage (up to {newest_of_alices})"
    );
    // The agent sees all of it.
    let all = incidents(&pull_all(&cast.agent, 0).await?.0);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].organizations[0].name, cast.org_a.name);
    Ok(())
}

#[tokio::test]
async fn paging_carries_on_after_a_restart() -> anyhow::Result<()> {
    let mut cast = night_cast().await?;
    let r = report(&cast.alice, "telephony", "Не проходять дзвінки").await?;
    cast.server.stop().await?;
    advance_minutes(&cast.server, 6);
    cast.server.start_again().await?;
    let agent = cast.agent.clone().with_base(&cast.server.base);
    let p = wait_for_round(&agent, 2).await?;
    assert_eq!(p.incident_id, r.incident.id);
    assert!(p.all_agents);
    // Acknowledged, it stays quiet across the next restart too.
    post_ok(
        &agent,
        &format!("/api/v1/incidents/{}/acknowledge", r.incident.id),
        &json!({}),
    )
    .await?;
    cast.server.stop().await?;
    advance_minutes(&cast.server, 30);
    cast.server.start_again().await?;
    let agent = agent.with_base(&cast.server.base);
    let_repager_look().await;
    assert_eq!(all_pages(&agent).await?.len(), 2);
    Ok(())
}

/// Every outage endpoint with its method, for the token and documentation checks.
fn endpoints(inc: Uuid) -> Vec<(Method, String, &'static str)> {
    vec![
        (Method::POST, "/api/v1/outages".into(), "/api/v1/outages"),
        (Method::GET, "/api/v1/incidents".into(), "/api/v1/incidents"),
        (
            Method::POST,
            "/api/v1/incidents".into(),
            "/api/v1/incidents",
        ),
        (
            Method::GET,
            format!("/api/v1/incidents/{inc}"),
            "/api/v1/incidents/{id}",
        ),
        (
            Method::PATCH,
            format!("/api/v1/incidents/{inc}"),
            "/api/v1/incidents/{id}",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{inc}/acknowledge"),
            "/api/v1/incidents/{id}/acknowledge",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{inc}/updates"),
            "/api/v1/incidents/{id}/updates",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{inc}/resolve"),
            "/api/v1/incidents/{id}/resolve",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{inc}/merge"),
            "/api/v1/incidents/{id}/merge",
        ),
        (Method::GET, "/api/v1/duty".into(), "/api/v1/duty"),
        (Method::PUT, "/api/v1/duty".into(), "/api/v1/duty"),
    ]
}

#[tokio::test]
async fn the_outage_endpoints_need_a_token_and_are_documented() -> anyhow::Result<()> {
    let cast = night_cast().await?;
    let r = report(&cast.alice, "telephony", "Не проходять дзвінки").await?;
    let anon = cast.server.anon();
    let doc: Value = anon.get_json("/api/v1/openapi.json").await?;
    for (method, path, template) in endpoints(r.incident.id) {
        let res = anon
            .request(method.clone(), &path)
            .json(&json!({}))
            .send()
            .await?;
        expect_error(res, 401, "unauthorized").await?;
        let documented = doc["paths"][template][method.as_str().to_lowercase()].is_object();
        assert!(documented, "{method} {template} is documented");
    }
    let schemas = &doc["components"]["schemas"];
    for s in [
        "Incident",
        "OutageReport",
        "Page",
        "DutyAgent",
        "ReportOutage",
    ] {
        assert!(schemas[s].is_object(), "schema {s} is published");
    }
    Ok(())
}

#[tokio::test]
async fn the_demo_has_a_past_incident_and_an_agent_on_duty() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    assert!(desk_server::demo::seed(server.store()?.as_ref(), "Europe/Kyiv").await?);
    let olena = server
        .login("olena.kovalchuk@lastivka.example.com", "demo-password-1")
        .await?;
    let past: Vec<Incident> = olena.get_json("/api/v1/incidents?status=resolved").await?;
    assert_eq!(past.len(), 1);
    let kinds: Vec<IncidentEventKind> = past[0].timeline.iter().map(|e| e.kind).collect();
    use IncidentEventKind::*;
    assert_eq!(kinds, vec![Reported, Acknowledged, Update, Resolved]);
    assert!(past[0].timeline.windows(2).all(|w| w[0].at < w[1].at));
    let report: Ticket = olena
        .get_json(&format!("/api/v1/tickets/{}", past[0].ticket_ids[0]))
        .await?;
    assert_eq!(report.status, TicketStatus::Resolved);
    let iryna = server
        .login("iryna.bondarenko@zlahoda.example.net", "demo-password-1")
        .await?;
    let none: Vec<Incident> = iryna.get_json("/api/v1/incidents?status=all").await?;
    assert!(none.is_empty(), "another service's outage stays its own");
    let taras = server
        .login("taras.hnatiuk@support.example.com", "demo-password-1")
        .await?;
    let roster: Vec<DutyAgent> = taras.get_json("/api/v1/duty").await?;
    let on: Vec<&str> = roster
        .iter()
        .filter(|d| d.on_duty)
        .map(|d| d.agent.name.as_str())
        .collect();
    assert_eq!(on, vec!["Дмитро Марченко"]);
    assert!(
        all_pages(&taras).await?.is_empty(),
        "nothing rings for the past"
    );
    Ok(())
}
