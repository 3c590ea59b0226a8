//! Outages end to end against a real server: a report filed offline arrives once, linked to an
//! incident, and pages the on-duty agent's connected client (critical); the acknowledgement,
//! updates and the resolution reach the reporting organisation's cache and notifications and
//! no other organisation's; "already known" sends details to the existing report; nothing is
//! notified twice across restarts.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Device, idle, next_notification, topics_cached, until};
use desk_client::{
    AnnounceInput, ClientEvent, Desk, NotificationKind, NotificationUrgency, ReplyInput,
    TicketQuery,
};
use desk_domain::{Incident, IncidentStatus, Message, OutageKind, TicketPage, TicketStatus};
use desk_testkit::Cast;
use tokio::sync::broadcast::{Receiver, error::TryRecvError};

/// Every notification raised within `wait`.
async fn notifications_within(
    rx: &mut Receiver<ClientEvent>,
    wait: Duration,
) -> Vec<desk_client::Notification> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(ev) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if let Ok(ClientEvent::Notify { notification }) = ev {
            out.push(notification);
        }
    }
    out
}

fn drain(rx: &mut Receiver<ClientEvent>) {
    while !matches!(
        rx.try_recv(),
        Err(TryRecvError::Empty | TryRecvError::Closed)
    ) {}
}

async fn synced(desk: &Desk) {
    let d = desk.clone();
    until("a pull has completed", move || {
        let d = d.clone();
        async move {
            let s = d.state().borrow().clone();
            s.last_synced.is_some() && !s.syncing
        }
    })
    .await;
}

async fn on_duty(desk: &Desk) {
    let me = desk.set_on_duty(true).await.expect("on duty");
    assert!(me.on_duty);
    assert_eq!(me.agent.id, desk.account().user.id);
    assert!(desk.my_duty().await.unwrap().is_some_and(|d| d.on_duty));
}

#[tokio::test]
async fn report_pages_the_on_duty_agent_and_the_answers_reach_only_that_organisation() {
    let cast = Cast::new().await.unwrap();
    let base = cast.server.base.clone();
    let agent_dev = Device::new();
    let agent = agent_dev.sign_in(&base, "agent@vendor.example.com").await;
    on_duty(&agent).await;
    let bob_dev = Device::new();
    let bob = bob_dev.sign_in(&base, "bob@b.example.com").await;
    let alice_dev = Device::new();
    let alice = alice_dev.sign_in(&base, "alice@a.example.com").await;
    for d in [&agent, &bob, &alice] {
        topics_cached(d).await;
        synced(d).await;
    }
    let mut agent_rx = agent.subscribe();
    let mut bob_rx = bob.subscribe();
    let mut alice_rx = alice.subscribe();

    assert!(
        bob.known_outage(OutageKind::Program)
            .await
            .unwrap()
            .is_none()
    );
    let report = bob
        .report_outage(
            OutageKind::Program,
            "Диспетчерська програма не відкривається з 02:05, «помилка з'єднання з базою»",
            &[],
        )
        .await
        .unwrap();

    // The on-duty agent's client pulls on the SSE poke (its timer is an hour) and rings.
    let page = next_notification(&mut agent_rx, "the agent's page").await;
    assert_eq!(page.kind, NotificationKind::OutagePage);
    assert!(page.is_critical());
    assert_eq!(page.urgency, NotificationUrgency::Critical);
    assert_eq!(page.ticket_id, report);
    assert!(page.title.contains("Таксі Злагода"), "{}", page.title);
    let incident_id = page.incident_id.expect("the page names its incident");
    let pages = agent.my_pages(10).await.unwrap();
    assert_eq!(pages.len(), 1);
    assert!(!pages[0].settled);
    assert_eq!(
        agent.open_incidents().await.unwrap()[0].id,
        incident_id,
        "the agent's banner"
    );

    // The reporter: linked to the incident, no notification of their own report.
    idle(&bob).await;
    let t = bob.ticket(report).await.unwrap().unwrap();
    assert_eq!(t.item.cached.ticket.incident_id, Some(incident_id));
    assert!(t.item.cached.ticket.number > 0 && t.item.cached.ticket.urgent);
    let banner = bob.open_incidents().await.unwrap();
    assert_eq!(banner.len(), 1);
    assert_eq!(banner[0].id, incident_id);
    let known = bob
        .known_outage(OutageKind::Program)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(known.ticket_id, Some(report));
    assert!(!known.sending);

    // Acknowledged: the reporter's cache has it at once, and a notification names the agent.
    drain(&mut bob_rx);
    let acked = agent.acknowledge_incident(incident_id).await.unwrap();
    assert!(acked.acknowledged_at.is_some());
    let n = next_notification(&mut bob_rx, "bob hears it was acknowledged").await;
    assert_eq!(n.kind, NotificationKind::IncidentAcknowledged);
    assert_eq!(n.incident_id, Some(incident_id));
    assert!(n.body.contains("agent"), "{}", n.body);
    let seen = bob.incident(incident_id).await.unwrap().unwrap();
    assert_eq!(
        seen.incident.acknowledged_by.as_ref().map(|p| p.id),
        Some(agent.account().user.id)
    );
    assert_eq!(seen.tickets.len(), 1);
    assert!(agent.my_pages(10).await.unwrap()[0].settled);

    // An update, then the resolution: Bob hears each once; the resolution also resolves his
    // report, and that is not a second notification.
    agent
        .post_incident_update(
            incident_id,
            "Перезапускаємо сервер бази даних, орієнтовно 10 хвилин.",
        )
        .await
        .unwrap();
    let n = next_notification(&mut bob_rx, "bob hears the update").await;
    assert_eq!(n.kind, NotificationKind::IncidentUpdate);
    assert!(n.body.contains("10 хвилин"));
    let done = agent
        .resolve_incident(
            incident_id,
            "Сервер бази даних перезапущено, програма працює.",
        )
        .await
        .unwrap();
    assert_eq!(done.status, IncidentStatus::Resolved);
    let n = next_notification(&mut bob_rx, "bob hears the resolution").await;
    assert_eq!(n.kind, NotificationKind::IncidentResolved);
    assert!(n.body.contains("перезапущено"), "{}", n.body);
    let d = bob.clone();
    until("bob's report is resolved in his cache", move || {
        let d = d.clone();
        async move {
            d.ticket(report)
                .await
                .unwrap()
                .unwrap()
                .item
                .cached
                .ticket
                .status
                == TicketStatus::Resolved
        }
    })
    .await;
    assert!(
        bob.open_incidents().await.unwrap().is_empty(),
        "the banner goes"
    );
    let more = notifications_within(&mut bob_rx, Duration::from_millis(1500)).await;
    assert!(
        more.is_empty(),
        "one notification for the resolution: {more:?}"
    );

    // Another organisation saw nothing of it.
    assert!(alice.incidents(None).await.unwrap().is_empty());
    let alice_notes = notifications_within(&mut alice_rx, Duration::from_millis(300)).await;
    assert!(alice_notes.is_empty(), "{alice_notes:?}");

    // An announcement to everyone reaches both organisations, not its author.
    drain(&mut agent_rx);
    let all = agent
        .announce_incident(AnnounceInput {
            kind: Some(OutageKind::Telephony),
            title: "Аварія в оператора зв'язку".into(),
            body: "У частини служб не проходять вхідні дзвінки, працюємо з оператором.".into(),
            all_organizations: true,
            organization_ids: vec![],
        })
        .await
        .unwrap();
    for (who, rx) in [("alice", &mut alice_rx), ("bob", &mut bob_rx)] {
        let n = next_notification(rx, who).await;
        assert_eq!(n.kind, NotificationKind::IncidentOpened, "{who}");
        assert_eq!(n.incident_id, Some(all.id));
        assert!(n.body.contains("оператором"), "{who}: {}", n.body);
    }
    let k = alice
        .known_outage(OutageKind::Telephony)
        .await
        .unwrap()
        .expect("known to alice");
    assert_eq!(k.incident.map(|i| i.id), Some(all.id));
    assert_eq!(k.ticket_id, None, "nobody of hers reported it yet");
    let own = notifications_within(&mut agent_rx, Duration::from_millis(800)).await;
    assert!(own.is_empty(), "never for my own writes: {own:?}");

    for d in [agent, bob, alice] {
        d.close().await;
    }
}

#[tokio::test]
async fn offline_report_arrives_once_known_outage_adds_details_and_nothing_repeats() {
    let mut cast = Cast::new().await.unwrap();
    let base = cast.server.base.clone();
    let agent_dev = Device::new();
    let agent = agent_dev.sign_in(&base, "agent@vendor.example.com").await;
    on_duty(&agent).await;
    let alice_dev = Device::new();
    let alice = alice_dev.sign_in(&base, "alice@a.example.com").await;
    let alan_dev = Device::new();
    let alan = alan_dev.sign_in(&base, "alan@a.example.com").await;
    for d in [&agent, &alice, &alan] {
        topics_cached(d).await;
        synced(d).await;
    }
    let mut agent_rx = agent.subscribe();
    let mut alan_rx = alan.subscribe();

    // 02:00, the line is down: the report is written offline, with a screenshot.
    cast.server.stop().await.unwrap();
    let shot = alice_dev.path("екран.png");
    std::fs::write(&shot, b"\x89PNG\r\n\x1a\nnot really an image").unwrap();
    let report = alice
        .report_outage(
            OutageKind::Telephony,
            "Не проходять вхідні дзвінки з 02:05, оператор SIP не відповідає",
            std::slice::from_ref(&shot),
        )
        .await
        .unwrap();
    std::fs::remove_file(&shot).unwrap();
    let listed = alice.tickets(&TicketQuery::default()).await.unwrap();
    let shown = listed
        .iter()
        .find(|t| t.cached.ticket.id == report)
        .expect("shown at once");
    assert!(shown.cached.provisional && shown.cached.ticket.urgent);
    assert!(shown.sending.is_some());
    assert_eq!(shown.cached.ticket.subject, "Не працює телефонія");
    // Pressing "report" again offline: the form offers the pending report instead.
    let pending = alice
        .known_outage(OutageKind::Telephony)
        .await
        .unwrap()
        .unwrap();
    assert!(pending.incident.is_none() && pending.sending);
    assert_eq!(pending.ticket_id, Some(report));
    until("alice's engine notices it is offline", || {
        let d = alice.clone();
        async move { !d.state().borrow().online && d.state().borrow().pending == 1 }
    })
    .await;

    // The app restarts, still offline; then the server is back.
    alice.close().await;
    drop(alice);
    let alice = alice_dev.resume().await;
    assert_eq!(alice.outbox().await.unwrap().len(), 1);
    cast.server.start_again().await.unwrap();
    alice.sync_now().await;
    idle(&alice).await;

    // Exactly once on the server, linked to one incident, the file intact.
    let page: TicketPage = cast
        .alan
        .get_json("/api/v1/tickets?limit=200")
        .await
        .unwrap();
    let reports: Vec<_> = page
        .items
        .iter()
        .filter(|t| t.topic_id == "telephony-down")
        .collect();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].id, report);
    let incident_id = reports[0].incident_id.expect("linked to an incident");
    let incidents: Vec<Incident> = cast
        .agent
        .get_json("/api/v1/incidents?status=all")
        .await
        .unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].ticket_ids, vec![report]);
    let messages: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{report}/messages"))
        .await
        .unwrap();
    assert_eq!(messages[0].attachments.len(), 1);
    assert_eq!(messages[0].attachments[0].filename, "екран.png");

    // The agent's client (reconnected on its own) rings; Alan hears support knows.
    let p = next_notification(&mut agent_rx, "the agent's page").await;
    assert_eq!(p.kind, NotificationKind::OutagePage);
    assert_eq!(p.ticket_id, report);
    assert!(p.is_critical());
    let n = next_notification(&mut alan_rx, "alan hears of his colleague's report").await;
    assert_eq!(n.kind, NotificationKind::IncidentOpened);
    assert_eq!(n.incident_id, Some(incident_id));
    assert_eq!(n.ticket_id, report);

    // Alan wants to report the same: already known — his details go to Alice's report.
    let known = alan
        .known_outage(OutageKind::Telephony)
        .await
        .unwrap()
        .expect("already known");
    let incident = known.incident.expect("the incident");
    assert_eq!(incident.id, incident_id);
    assert_eq!(known.ticket_id, Some(report));
    assert!(!known.sending);
    assert!(
        alan.known_outage(OutageKind::Program)
            .await
            .unwrap()
            .is_none()
    );
    alan.reply(
        report,
        ReplyInput {
            body: "У нас теж: вихідні на 0 44 не проходять, вихідні — так".into(),
            ..ReplyInput::default()
        },
    )
    .await
    .unwrap();
    idle(&alan).await;
    let after: Vec<Incident> = cast
        .agent
        .get_json("/api/v1/incidents?status=all")
        .await
        .unwrap();
    assert_eq!(after.len(), 1, "no duplicate incident");
    assert_eq!(after[0].ticket_ids, vec![report], "no duplicate report");

    // Restarts: nothing is raised again, not even after a full re-pull.
    agent.close().await;
    alan.close().await;
    drop(agent);
    drop(alan);
    let agent = agent_dev.resume().await;
    let alan = alan_dev.resume().await;
    let mut agent_rx = agent.subscribe();
    let mut alan_rx = alan.subscribe();
    agent.sync_now().await;
    alan.sync_now().await;
    synced(&agent).await;
    synced(&alan).await;
    let again = notifications_within(&mut agent_rx, Duration::from_millis(1500)).await;
    assert!(again.is_empty(), "agent after restart: {again:?}");
    let again = notifications_within(&mut alan_rx, Duration::from_millis(300)).await;
    assert!(again.is_empty(), "alan after restart: {again:?}");
    assert_eq!(
        agent.my_pages(10).await.unwrap().len(),
        1,
        "the page is cached across restarts"
    );
    assert_eq!(alan.open_incidents().await.unwrap()[0].id, incident_id);

    // The acknowledgement reaches Alice (the reporter) — and only she is told.
    let mut alice_rx = alice.subscribe();
    agent.acknowledge_incident(incident_id).await.unwrap();
    let n = next_notification(&mut alice_rx, "alice hears it was acknowledged").await;
    assert_eq!(n.kind, NotificationKind::IncidentAcknowledged);
    assert_eq!(n.ticket_id, report);
    let d = alice.clone();
    until("alice's cache shows the acknowledgement", move || {
        let d = d.clone();
        async move {
            d.incident(incident_id)
                .await
                .unwrap()
                .is_some_and(|v| v.incident.acknowledged_at.is_some())
        }
    })
    .await;
    let alan_notes = notifications_within(&mut alan_rx, Duration::from_millis(1000)).await;
    assert!(
        alan_notes.is_empty(),
        "the acknowledgement is the reporter's news: {alan_notes:?}"
    );

    for d in [agent, alice, alan] {
        d.close().await;
    }
}

#[tokio::test]
async fn agents_actions_offline_fail_clearly() {
    let mut cast = Cast::new().await.unwrap();
    let base = cast.server.base.clone();
    let dev = Device::new();
    let agent = dev.sign_in(&base, "agent@vendor.example.com").await;
    synced(&agent).await;
    cast.server.stop().await.unwrap();
    let e = agent.set_on_duty(true).await.unwrap_err();
    assert_eq!(e.code, "offline");
    assert!(e.message.contains("чергування"), "{}", e.message);
    let e = agent
        .acknowledge_incident(uuid::Uuid::now_v7())
        .await
        .unwrap_err();
    assert_eq!(e.code, "offline");
    assert!(
        e.message.contains("підтвердження не надіслано"),
        "{}",
        e.message
    );
    assert!(agent.outbox().await.unwrap().is_empty(), "nothing queued");

    // A customer cannot act as an agent.
    cast.server.start_again().await.unwrap();
    let cdev = Device::new();
    let bob = cdev.sign_in(&base, "bob@b.example.com").await;
    assert_eq!(bob.set_on_duty(true).await.unwrap_err().code, "forbidden");
    agent.close().await;
    bob.close().await;
}

#[tokio::test]
async fn unacknowledged_page_rings_every_agent_again_until_acknowledged() {
    use chrono::{Duration as Span, Timelike, Utc};
    // 02:00 in Kyiv on the server's manual clock, ahead of the devices' first sign-in (older
    // events never notify).
    let in_two_days = Utc::now() + Span::days(2);
    let night = in_two_days
        .with_hour(0)
        .and_then(|t| t.with_minute(0))
        .unwrap();
    let server = desk_testkit::TestServer::start_at(night).await.unwrap();
    server
        .add_user("night@vendor.example.com", desk_domain::Role::Agent, None)
        .await
        .unwrap();
    let cast = Cast::on(server).await.unwrap();
    let base = cast.server.base.clone();
    let duty_dev = Device::new();
    let duty = duty_dev.sign_in(&base, "agent@vendor.example.com").await;
    on_duty(&duty).await;
    let off_dev = Device::new();
    let off = off_dev.sign_in(&base, "night@vendor.example.com").await;
    let alice_dev = Device::new();
    let alice = alice_dev.sign_in(&base, "alice@a.example.com").await;
    for d in [&duty, &off, &alice] {
        topics_cached(d).await;
        synced(d).await;
    }
    let roster = off.duty_roster().await.unwrap();
    assert!(
        roster
            .iter()
            .any(|a| a.agent.id == duty.account().user.id && a.on_duty),
        "{roster:?}"
    );
    let mut duty_rx = duty.subscribe();
    let mut off_rx = off.subscribe();

    let report = alice
        .report_outage(OutageKind::DriverApp, "Водії не бачать замовлень", &[])
        .await
        .unwrap();
    let first = next_notification(&mut duty_rx, "the on-duty agent's page").await;
    assert_eq!(first.kind, NotificationKind::OutagePage);
    assert_eq!(first.ticket_id, report);
    let quiet = notifications_within(&mut off_rx, Duration::from_millis(1000)).await;
    assert!(quiet.is_empty(), "off duty, not rung first: {quiet:?}");

    // Five minutes without an acknowledgement: every agent is rung again.
    cast.server
        .clock
        .advance(Span::minutes(5) + Span::seconds(1));
    let again = next_notification(&mut off_rx, "the re-page reaches the off-duty agent").await;
    assert_eq!(again.kind, NotificationKind::OutagePage);
    assert!(again.is_critical());
    assert!(
        again.title.starts_with("Повторний виклик"),
        "{}",
        again.title
    );
    let again_duty = next_notification(&mut duty_rx, "and the on-duty agent").await;
    assert_ne!(again_duty.key, first.key);

    // Acknowledged: the paging stops.
    let incident = again.incident_id.unwrap();
    off.acknowledge_incident(incident).await.unwrap();
    cast.server.clock.advance(Span::minutes(6));
    let after = notifications_within(&mut duty_rx, Duration::from_millis(2000)).await;
    assert!(
        after.is_empty(),
        "no page after the acknowledgement: {after:?}"
    );
    for d in [duty, off, alice] {
        d.close().await;
    }
}
