//! The business calendar in the client core against a real server on a manual clock: fetched
//! at sign-in and kept across a restart, the expectation computed locally (offline too), the
//! agents' waited working time, and no "support replied" notification for the after-hours
//! notice.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{Device, idle, topics_cached, until};
use desk_client::{ClientEvent, Desk, NewTicketInput, TicketQuery};
use desk_domain::{BusinessCalendar, Channel, HandledDay, Role};
use desk_server::Clock;
use desk_testkit::TestServer;

#[allow(clippy::unwrap_used)]
fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn office_hours() -> BusinessCalendar {
    BusinessCalendar {
        opens: "09:00".into(),
        closes: "18:00".into(),
        working_days: vec![1, 2, 3, 4, 5],
        ..BusinessCalendar::default()
    }
}

/// Olena, a customer of Таксі Ластівка, signed in on a new device with the topics cached.
#[allow(clippy::unwrap_used)]
async fn customer_signed_in(server: &TestServer) -> (Device, Desk) {
    server.add_org("Таксі Ластівка").await.unwrap();
    server
        .add_user(
            "olena@lastivka.example",
            Role::Customer,
            Some("Таксі Ластівка"),
        )
        .await
        .unwrap();
    let device = Device::new();
    let desk = device.sign_in(&server.base, "olena@lastivka.example").await;
    topics_cached(&desk).await;
    (device, desk)
}

#[tokio::test]
#[allow(clippy::unwrap_used)]
async fn the_calendar_is_fetched_kept_and_used_offline() {
    // Monday 23 November 2026, 10:00 Kyiv.
    let mut server = TestServer::start_full(Clock::manual(at("2026-11-23T10:00:00+02:00")), |c| {
        c.calendar = office_hours()
    })
    .await
    .unwrap();
    let (device, desk) = customer_signed_in(&server).await;
    {
        let d = desk.clone();
        until("the calendar is fetched", move || {
            let d = d.clone();
            async move { d.calendar().await == office_hours() }
        })
        .await;
    }

    // Friday 19:00: after hours; the next opening is Monday 09:00.
    let friday = at("2026-11-27T19:00:00+02:00");
    let e = desk.expectation_at("tariffs", friday).await.unwrap();
    assert!(!e.working_now && !e.handled_now);
    assert_eq!(e.handled_from, at("2026-11-30T09:00:00+02:00"));
    assert_eq!(
        (e.day, e.weekday, e.local_time.as_str()),
        (HandledDay::Weekday, 1, "09:00")
    );
    let urgent = desk.expectation_at("telephony-down", friday).await.unwrap();
    assert!(urgent.urgent && urgent.handled_now);
    assert!(desk.expectation_at("no-such-topic", friday).await.is_err());
    // Now (the wall clock) answers too.
    assert_eq!(
        desk.expectation("tariffs").await.unwrap().topic_id,
        "tariffs"
    );

    // Offline after a restart: the kept calendar still answers.
    desk.close().await;
    server.stop().await.unwrap();
    let desk = device.resume().await;
    assert_eq!(desk.calendar().await, office_hours());
    let e = desk.expectation_at("tariffs", friday).await.unwrap();
    assert_eq!(e.handled_from, at("2026-11-30T09:00:00+02:00"));
    desk.close().await;
}

#[tokio::test]
#[allow(clippy::unwrap_used)]
async fn agents_see_waited_working_time_and_customers_do_not() {
    // Tuesday 24 November 2026, 19:00 Kyiv: one working hour left today (default calendar).
    let server = TestServer::start_at(at("2026-11-24T19:00:00+02:00"))
        .await
        .unwrap();
    server.add_org("Таксі Ластівка").await.unwrap();
    let olena = server
        .add_user(
            "olena@lastivka.example",
            Role::Customer,
            Some("Таксі Ластівка"),
        )
        .await
        .unwrap();
    server
        .add_user("taras@vendor.example", Role::Agent, None)
        .await
        .unwrap();
    let t = olena
        .create_ticket("tariffs", "Тариф", "Не змінюється тариф")
        .await
        .unwrap();

    let agent = Device::new();
    let agent_desk = agent.sign_in(&server.base, "taras@vendor.example").await;
    let customer = Device::new();
    let customer_desk = customer
        .sign_in(&server.base, "olena@lastivka.example")
        .await;
    for d in [&agent_desk, &customer_desk] {
        let d = d.clone();
        until("the ticket is cached", move || {
            let d = d.clone();
            async move {
                d.tickets(&TicketQuery::default())
                    .await
                    .map(|l| l.len() == 1)
                    .unwrap_or(false)
            }
        })
        .await;
    }
    let listed = agent_desk
        .tickets(&TicketQuery::default())
        .await
        .unwrap()
        .remove(0);
    assert!(listed.waited_ms.is_some(), "agents get the waited time");
    let cached = listed.cached.ticket;
    // Over the night: 19:00–20:00 and 08:00–09:30.
    let next_morning = at("2026-11-25T09:30:00+02:00");
    assert_eq!(
        agent_desk.waited_ms(&cached, next_morning).await,
        Some(Duration::minutes(150).num_milliseconds())
    );
    let theirs = customer_desk
        .tickets(&TicketQuery::default())
        .await
        .unwrap()
        .remove(0);
    assert!(theirs.waited_ms.is_none() && theirs.cached.ticket.waiting.is_none());
    assert_eq!(
        customer_desk
            .waited_ms(&theirs.cached.ticket, next_morning)
            .await,
        None
    );
    let view = agent_desk.ticket(t.id).await.unwrap().unwrap();
    assert!(view.item.waited_ms.is_some());
    agent_desk.close().await;
    customer_desk.close().await;
}

#[tokio::test]
#[allow(clippy::unwrap_used)]
async fn the_after_hours_notice_arrives_without_a_notification() {
    // 23:00 Kyiv a week ahead of the wall clock, so everything counts as new to the device.
    let start = Utc::now() + Duration::days(7);
    let kyiv = BusinessCalendar::default().hours_or_default().timezone();
    let local = start.with_timezone(&kyiv).date_naive();
    let eleven_pm = local
        .and_hms_opt(23, 0, 0)
        .unwrap()
        .and_local_timezone(kyiv)
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    let server = TestServer::start_at(eleven_pm).await.unwrap();
    let (_device, desk) = customer_signed_in(&server).await;
    let mut events = desk.subscribe();
    let id = desk
        .create_ticket(NewTicketInput {
            topic_id: "tariffs".into(),
            subject: "Тариф".into(),
            body: "Не змінюється тариф".into(),
            files: vec![],
        })
        .await
        .unwrap();
    idle(&desk).await;
    {
        let d = desk.clone();
        until("the notice is cached", move || {
            let d = d.clone();
            async move {
                d.ticket(id)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|v| v.messages.len() == 2)
            }
        })
        .await;
    }
    let view = desk.ticket(id).await.unwrap().unwrap();
    let notice = &view.messages[1].cached.message;
    assert_eq!(notice.channel, Channel::System);
    assert!(notice.body.contains("завтра з 08:00"), "{}", notice.body);
    while let Ok(ev) = events.try_recv() {
        assert!(
            !matches!(ev, ClientEvent::Notify { .. }),
            "the after-hours notice raised {ev:?}"
        );
    }
    desk.close().await;
}
