//! Business hours over HTTP on a manual clock (default calendar: Europe/Kyiv, 08:00–20:00 every
//! day): the after-hours notice, the expectation endpoint at the boundaries and across a
//! daylight-saving change, and the agents' waiting clock.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{OTHER_TOPIC, TOPIC, URGENT_TOPIC, expect_error, pull_all};
use desk_domain::calendar::{SUPPORT_SERVICE_USER_ID, after_hours_notice};
use desk_domain::{
    BusinessCalendar, ChangeData, Channel, Expectation, HandledDay, Message, Role, Ticket,
    WaitClock,
};
use desk_server::admin::{self, AddUser};
use desk_testkit::{PASSWORD, Session, TestServer};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad instant {s}: {e}"))
}

/// A server on a manual clock at `now`, one organisation with a Ukrainian-speaking and an
/// English-speaking dispatcher, and an agent.
async fn setup(now: &str) -> anyhow::Result<(TestServer, Session, Session, Session)> {
    let server = TestServer::start_at(at(now)).await?;
    server.add_org("Таксі Ластівка").await?;
    let uk = server
        .add_user(
            "olena@lastivka.example",
            Role::Customer,
            Some("Таксі Ластівка"),
        )
        .await?;
    admin::add_user(
        server.store()?.as_ref(),
        AddUser {
            email: "john@lastivka.example",
            name: Some("John"),
            role: Role::Customer,
            org: Some("Таксі Ластівка"),
            password: Some(PASSWORD),
            locale: "en",
            invitation_ttl_days: 14,
        },
    )
    .await?;
    let en = server.login("john@lastivka.example", PASSWORD).await?;
    let agent = server
        .add_user("taras@vendor.example", Role::Agent, None)
        .await?;
    Ok((server, uk, en, agent))
}

async fn messages(s: &Session, ticket: &Ticket) -> anyhow::Result<Vec<Message>> {
    s.get_json(&format!("/api/v1/tickets/{}/messages", ticket.id))
        .await
}

async fn expectation(s: &Session, topic: &str) -> anyhow::Result<Expectation> {
    s.get_json(&format!("/api/v1/expectation?topic_id={topic}"))
        .await
}

#[tokio::test]
async fn a_ticket_at_23_00_gets_the_after_hours_notice_in_the_requesters_language()
-> anyhow::Result<()> {
    let (server, uk, en, agent) = setup("2026-11-24T23:00:00+02:00").await?;
    let tomorrow_eight = at("2026-11-25T08:00:00+02:00");

    let t = uk
        .create_ticket(TOPIC, "Тариф", "Не змінюється тариф")
        .await?;
    assert_eq!(t.message_count, 2);
    let msgs = messages(&uk, &t).await?;
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    let notice = &msgs[1];
    assert_eq!(notice.channel, Channel::System);
    assert_eq!(notice.author.id, SUPPORT_SERVICE_USER_ID);
    assert_eq!(notice.author.name, "Служба підтримки");
    assert!(!notice.internal);
    assert_eq!(
        notice.body,
        "Ваше звернення прийнято. Зараз неробочий час: фахівці візьмуть його в роботу завтра з \
         08:00. Якщо не працює програма чи телефонія — повідомте про збій, такі проблеми ми \
         вирішуємо цілодобово."
    );
    let e = expectation(&uk, TOPIC).await?;
    assert_eq!(e.handled_from, tomorrow_eight);
    assert_eq!(notice.body, after_hours_notice(&e, "uk"));

    // In English for an English-speaking requester.
    let t_en = en
        .create_ticket(OTHER_TOPIC, "Reports", "Empty report")
        .await?;
    let msgs = messages(&en, &t_en).await?;
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1].channel, Channel::System);
    assert!(
        msgs[1]
            .body
            .starts_with("We have received your ticket. It is outside working hours now: our specialists will take it up tomorrow from 08:00."),
        "{}",
        msgs[1].body
    );

    // The notice is not a reply from support: the ticket stays new, and it flows through the
    // change log to the customer like any message.
    let seen: Ticket = uk.get_json(&format!("/api/v1/tickets/{}", t.id)).await?;
    assert_eq!(seen.status, desk_domain::TicketStatus::New);
    let (changes, _) = pull_all(&uk, 0).await?;
    assert!(changes.iter().any(|c| matches!(&c.entity,
        ChangeData::Message(m) if m.id == notice.id && m.channel == Channel::System)));

    // Nobody can sign in as the support service or hand it work.
    assert!(
        server
            .login("support-service@desk.invalid", PASSWORD)
            .await
            .is_err()
    );
    let res = agent
        .patch(
            &format!("/api/v1/tickets/{}", t.id),
            &serde_json::json!({"assignee_id": SUPPORT_SERVICE_USER_ID}),
        )
        .await?;
    expect_error(res, 422, "validation_failed").await?;
    Ok(())
}

#[tokio::test]
async fn no_notice_in_working_hours_or_for_urgent_topics() -> anyhow::Result<()> {
    let (server, uk, _en, _agent) = setup("2026-11-24T23:00:00+02:00").await?;
    let urgent = uk
        .create_ticket(URGENT_TOPIC, "Не працює телефонія", "Тиша в лініях")
        .await?;
    assert_eq!(messages(&uk, &urgent).await?.len(), 1);
    assert_eq!(urgent.message_count, 1);

    // An outage report of the kind "other" files on the non-urgent topic `other`, but an outage
    // is handled at once: no notice either.
    let report: desk_domain::OutageReport = uk
        .post_json(
            "/api/v1/outages",
            &serde_json::json!({"id": uuid::Uuid::now_v7(), "kind": "other",
                                "description": "Не відкривається карта в диспетчерській"}),
        )
        .await?;
    let msgs = messages(&uk, &report.ticket).await?;
    assert_eq!(msgs.len(), 1, "{msgs:#?}");
    assert!(report.ticket.urgent);

    server.clock.set(at("2026-11-25T10:00:00+02:00"));
    let day = uk.create_ticket(TOPIC, "Тариф", "Питання").await?;
    assert_eq!(messages(&uk, &day).await?.len(), 1);
    assert_eq!(day.message_count, 1);
    Ok(())
}

#[tokio::test]
async fn expectation_at_the_boundaries_and_across_daylight_saving() -> anyhow::Result<()> {
    let (server, uk, _en, _agent) = setup("2026-11-24T19:59:00+02:00").await?;
    let cal: BusinessCalendar = uk.get_json("/api/v1/calendar").await?;
    assert_eq!(cal, BusinessCalendar::default());

    let e = expectation(&uk, TOPIC).await?;
    assert!(e.working_now && e.handled_now && !e.urgent);
    assert_eq!(e.handled_from, at("2026-11-24T19:59:00+02:00"));

    server.clock.set(at("2026-11-24T20:00:00+02:00"));
    let e = expectation(&uk, TOPIC).await?;
    assert!(!e.working_now && !e.handled_now);
    assert_eq!(e.handled_from, at("2026-11-25T08:00:00+02:00"));
    assert_eq!(
        (e.day, e.local_time.as_str()),
        (HandledDay::Tomorrow, "08:00")
    );
    assert_eq!(e.wait_minutes, 12 * 60);

    server.clock.set(at("2026-11-25T07:59:00+02:00"));
    let e = expectation(&uk, TOPIC).await?;
    assert_eq!((e.day, e.wait_minutes), (HandledDay::Today, 1));

    server.clock.set(at("2026-11-25T08:00:00+02:00"));
    let e = expectation(&uk, TOPIC).await?;
    assert!(e.working_now && e.handled_now);

    // Urgent topics are handled around the clock.
    server.clock.set(at("2026-11-25T23:00:00+02:00"));
    let e = expectation(&uk, URGENT_TOPIC).await?;
    assert!(e.urgent && e.handled_now && !e.working_now);

    // The night summer time starts (29 March 2026, 03:00 → 04:00): 08:00 is 05:00 UTC.
    server.clock.set(at("2026-03-28T20:30:00+02:00"));
    let e = expectation(&uk, TOPIC).await?;
    assert_eq!(e.handled_from, at("2026-03-29T05:00:00Z"));
    assert_eq!(
        (e.local_time.as_str(), e.wait_minutes),
        ("08:00", 10 * 60 + 30)
    );
    // The night it ends (25 October 2026, 04:00 → 03:00): 08:00 is 06:00 UTC.
    server.clock.set(at("2026-10-24T22:00:00+03:00"));
    let e = expectation(&uk, TOPIC).await?;
    assert_eq!(e.handled_from, at("2026-10-25T06:00:00Z"));
    assert_eq!(e.wait_minutes, 11 * 60);

    let res = uk.get("/api/v1/expectation?topic_id=no-such-topic").await?;
    expect_error(res, 422, "unknown_topic").await?;
    let res = server.anon().get("/api/v1/calendar").await?;
    assert_eq!(res.status().as_u16(), 401);
    Ok(())
}

/// The live waited time an agent's app shows for `t` at `now`.
fn waited(t: &Ticket, urgent: bool, now: DateTime<Utc>) -> i64 {
    let clock: WaitClock = t
        .waiting
        .unwrap_or_else(|| panic!("no waiting clock on {t:?}"));
    clock.waited_ms(&BusinessCalendar::default().hours_or_default(), urgent, now)
}

const H: i64 = 3_600_000;

#[tokio::test]
async fn the_waiting_clock_pauses_at_night_and_while_waiting_for_the_customer() -> anyhow::Result<()>
{
    let (server, uk, _en, agent) = setup("2026-11-24T19:00:00+02:00").await?;
    let t = uk.create_ticket(TOPIC, "Тариф", "Питання").await?;
    assert!(t.waiting.is_none(), "customers see no waiting clock");
    let path = format!("/api/v1/tickets/{}", t.id);

    // Over the night: one working hour on Tuesday, one on Wednesday morning.
    server.clock.set(at("2026-11-25T09:00:00+02:00"));
    let now = server.clock.now();
    let seen: Ticket = agent.get_json(&path).await?;
    assert_eq!(waited(&seen, false, now), 2 * H);
    let mine: Ticket = uk.get_json(&path).await?;
    assert!(mine.waiting.is_none());
    let (changes, _) = pull_all(&uk, 0).await?;
    assert!(changes.iter().all(|c| match &c.entity {
        ChangeData::Ticket(t) => t.waiting.is_none(),
        _ => true,
    }));
    let (changes, _) = pull_all(&agent, 0).await?;
    assert!(changes.iter().any(|c| matches!(&c.entity,
        ChangeData::Ticket(x) if x.id == t.id && x.waiting.is_some())));

    // Waiting for the customer pauses it.
    let paused: Ticket = agent
        .request(desk_testkit::reqwest::Method::PATCH, &path)
        .json(&serde_json::json!({"status": "waiting_for_customer"}))
        .send()
        .await?
        .json()
        .await?;
    let clock = paused.waiting.unwrap_or_else(|| panic!("no clock"));
    assert!(!clock.running);
    assert_eq!(clock.accumulated_ms, 2 * H);
    server.clock.advance(Duration::hours(3));
    let seen: Ticket = agent.get_json(&path).await?;
    assert_eq!(waited(&seen, false, server.clock.now()), 2 * H);

    // The customer's answer starts it again (the ticket is back in progress).
    uk.reply(t.id, "Ось скриншот", false).await?;
    server.clock.advance(Duration::hours(1));
    let seen: Ticket = agent.get_json(&path).await?;
    assert_eq!(seen.status, desk_domain::TicketStatus::InProgress);
    assert_eq!(waited(&seen, false, server.clock.now()), 3 * H);

    // Resolved: it stops for good.
    let done: Ticket = agent
        .request(desk_testkit::reqwest::Method::PATCH, &path)
        .json(&serde_json::json!({"status": "resolved"}))
        .send()
        .await?
        .json()
        .await?;
    server.clock.advance(Duration::hours(5));
    assert_eq!(waited(&done, false, server.clock.now()), 3 * H);
    let seen: Ticket = agent.get_json(&path).await?;
    assert_eq!(waited(&seen, false, server.clock.now()), 3 * H);

    // Urgent tickets wait around the clock.
    server.clock.set(at("2026-11-25T23:00:00+02:00"));
    let u = uk
        .create_ticket(URGENT_TOPIC, "Не працює телефонія", "Тиша")
        .await?;
    server.clock.advance(Duration::hours(2));
    let seen: Ticket = agent.get_json(&format!("/api/v1/tickets/{}", u.id)).await?;
    assert_eq!(waited(&seen, true, server.clock.now()), 2 * H);
    Ok(())
}
