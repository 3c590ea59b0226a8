//! desk-core's services called directly — no HTTP — over the real SQLite store in a temporary
//! directory, on a manual clock: the rules every entry point (the routes, the Telegram bridge
//! to come) shares. Working hours are the default 08:00–20:00 Kyiv, every day.

// The set-up helpers below run inside tests: a failed expectation there is a failed test.
#![allow(clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use desk_core::services::{NewMessage, NewOutage, NewTicket, NewUser};
use desk_core::{Actor, Core, Created, Viewer};
use desk_domain::{
    ChangeData, Channel, ErrorCode, OutageKind, Role, TicketStatus, UpdateTicket, User,
};
use desk_server::{Clock, Config};
use sqlx::Connection;
use uuid::Uuid;

/// 10:00 in Kyiv on a Monday: support is at work.
fn morning() -> DateTime<Utc> {
    "2026-12-07T08:00:00Z".parse().expect("time")
}

struct World {
    core: Core,
    clock: Clock,
    dir: tempfile::TempDir,
    agent: User,
    second_agent: User,
    alice: User,
    bob: User,
}

async fn user(core: &Core, email: &str, role: Role, org: Option<Uuid>) -> User {
    core.create_user(NewUser {
        email: email.into(),
        name: email.split('@').next().unwrap_or(email).into(),
        role,
        organization_id: org,
        password_hash: None,
        locale: "uk".into(),
    })
    .await
    .expect("user")
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let clock = Clock::manual(morning());
    let core = desk_server::store::open(&config, clock.clone())
        .await
        .expect("open");
    desk_server::topics::seed_if_empty(&core)
        .await
        .expect("topics");
    let lastivka = core
        .create_organization("Таксі «Ластівка»", "Europe/Kyiv")
        .await
        .expect("org");
    let chaika = core
        .create_organization("Чайка", "Europe/Kyiv")
        .await
        .expect("org");
    World {
        agent: user(&core, "iryna@vendor.example", Role::Agent, None).await,
        second_agent: user(&core, "petro@vendor.example", Role::Agent, None).await,
        alice: user(
            &core,
            "alice@lastivka.example",
            Role::Customer,
            Some(lastivka.id),
        )
        .await,
        bob: user(&core, "bob@chaika.example", Role::Customer, Some(chaika.id)).await,
        core,
        clock,
        dir,
    }
}

impl World {
    /// Alice files a ticket through the app.
    async fn file(&self, subject: &str) -> desk_domain::Ticket {
        self.core
            .file_ticket(&app(&self.alice), ticket(&self.alice, subject))
            .await
            .expect("file")
            .0
    }
}

fn app(u: &User) -> Actor {
    Actor::app(Viewer::of(u))
}

fn ticket(u: &User, subject: &str) -> NewTicket {
    NewTicket {
        id: Uuid::now_v7(),
        topic_id: "other".into(),
        subject: subject.into(),
        body: "Не друкуються чеки".into(),
        attachment_ids: Vec::new(),
        organization_id: u.organization_id.expect("a customer"),
        created_at_ms: None,
    }
}

fn reply(ticket_id: Uuid, body: &str, internal: bool) -> NewMessage {
    NewMessage {
        id: Uuid::now_v7(),
        ticket_id,
        body: body.into(),
        internal,
        attachment_ids: Vec::new(),
        created_at_ms: None,
    }
}

fn outage(u: &User, kind: OutageKind) -> NewOutage {
    NewOutage {
        id: Uuid::now_v7(),
        kind,
        description: "Програма не запускається з 02:10".into(),
        attachment_ids: Vec::new(),
        organization_id: u.organization_id.expect("a customer"),
        created_at_ms: None,
        page: true,
    }
}

fn status(to: TicketStatus) -> UpdateTicket {
    UpdateTicket {
        status: Some(to),
        assignee_id: None,
    }
}

fn assign(to: Uuid) -> UpdateTicket {
    UpdateTicket {
        status: None,
        assignee_id: Some(Some(to)),
    }
}

/// The ticket's status history as the database keeps it, oldest first.
async fn history(w: &World, ticket_id: Uuid) -> Vec<String> {
    let url = format!("sqlite:{}", w.dir.path().join("desk.sqlite3").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("db");
    sqlx::query_scalar(
        "SELECT status FROM ticket_status_history WHERE ticket_id = ? ORDER BY rowid",
    )
    .bind(ticket_id)
    .fetch_all(&mut conn)
    .await
    .expect("history")
}

#[tokio::test]
async fn filing_is_idempotent_numbered_without_gaps_and_keeps_the_channel() {
    let w = world().await;
    let via_telegram = Actor::new(Viewer::of(&w.alice), Channel::Telegram);
    let first = ticket(&w.alice, "Чеки");
    let (t1, created) = w
        .core
        .file_ticket(&via_telegram, first.clone())
        .await
        .expect("file");
    assert_eq!(created, Created::New);
    let (again, created) = w
        .core
        .file_ticket(&via_telegram, first.clone())
        .await
        .expect("repeat");
    assert_eq!((created, again.number), (Created::Existing, t1.number));
    let (t2, _) = w
        .core
        .file_ticket(&app(&w.alice), ticket(&w.alice, "Друге"))
        .await
        .expect("second");
    assert_eq!(t2.number, t1.number + 1);

    // The same id from someone else is a clash, not their ticket.
    let mut stolen = first;
    stolen.organization_id = w.bob.organization_id.expect("org");
    let err = w
        .core
        .file_ticket(&app(&w.bob), stolen)
        .await
        .expect_err("clash");
    assert_eq!(err.code, ErrorCode::IdConflict);

    let msgs = w
        .core
        .messages(&Viewer::of(&w.alice), t1.id)
        .await
        .expect("messages");
    assert_eq!(msgs[0].channel, Channel::Telegram);
    // Another organisation's ticket does not exist for Bob.
    let err = w
        .core
        .ticket(&Viewer::of(&w.bob), t1.id)
        .await
        .expect_err("hidden");
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_customer_reply_reopens_a_resolved_ticket_and_the_history_records_every_step() {
    let w = world().await;
    let t = w.file("Чеки").await;
    let agent = Viewer::of(&w.agent);
    // Assigning keeps the status: taking a ticket is not answering it.
    let taken = w
        .core
        .update_ticket(&agent, t.id, assign(w.agent.id), None)
        .await
        .expect("assign");
    assert_eq!(taken.status, TicketStatus::New);
    w.clock.advance(Duration::minutes(5));
    let (_, _) = w
        .core
        .add_message(&app(&w.agent), reply(t.id, "Перезапустіть касу", false))
        .await
        .expect("answer");
    // An answer alone does not move the ticket: the agent says what it waits for.
    let answered = w.core.ticket(&agent, t.id).await.expect("ticket");
    assert_eq!(answered.status, TicketStatus::New);
    let asked = w
        .core
        .update_ticket(&agent, t.id, status(TicketStatus::WaitingForCustomer), None)
        .await
        .expect("ask");
    assert_eq!(asked.status, TicketStatus::WaitingForCustomer);
    let resolved = w
        .core
        .update_ticket(&agent, t.id, status(TicketStatus::Resolved), None)
        .await
        .expect("resolve");
    assert!(resolved.resolved_at.is_some());

    w.clock.advance(Duration::minutes(30));
    w.core
        .add_message(&app(&w.alice), reply(t.id, "Знову не друкує", false))
        .await
        .expect("customer reply");
    let reopened = w
        .core
        .ticket(&Viewer::of(&w.alice), t.id)
        .await
        .expect("ticket");
    assert_eq!(reopened.status, TicketStatus::InProgress);
    assert_eq!(reopened.resolved_at, None);
    assert_eq!(
        history(&w, t.id).await,
        ["new", "waiting_for_customer", "resolved", "in_progress"]
    );
}

#[tokio::test]
async fn internal_notes_stay_with_staff_and_leave_the_ticket_untouched() {
    let w = world().await;
    let t = w.file("Чеки").await;
    let alice = Viewer::of(&w.alice);
    let seen = w.core.latest_seq(&alice).await.expect("seq");
    w.clock.advance(Duration::minutes(1));
    w.core
        .add_message(&app(&w.agent), reply(t.id, "Схоже на принтер", true))
        .await
        .expect("note");
    let after = w.core.ticket(&alice, t.id).await.expect("ticket");
    assert_eq!((after.message_count, after.updated_at), (1, t.updated_at));
    assert_eq!(
        w.core.messages(&alice, t.id).await.expect("messages").len(),
        1
    );
    assert_eq!(
        w.core
            .messages(&Viewer::of(&w.agent), t.id)
            .await
            .expect("messages")
            .len(),
        2
    );
    // Nothing new to pull for the customer; a customer cannot write a note.
    assert_eq!(w.core.latest_seq(&alice).await.expect("seq"), seen);
    let page = w.core.changes(&alice, seen, 100).await.expect("changes");
    assert!(page.items.is_empty());
    let err = w
        .core
        .add_message(&app(&w.alice), reply(t.id, "нотатка", true))
        .await
        .expect_err("customers write no notes");
    assert_eq!(err.code, ErrorCode::Forbidden);
}

#[tokio::test]
async fn the_waiting_clock_counts_working_time_until_support_answers() {
    let w = world().await;
    let t = w.file("Чеки").await;
    // Customers never see the clock.
    assert!(t.waiting.is_none());
    w.clock.advance(Duration::hours(2));
    w.core
        .add_message(&app(&w.agent), reply(t.id, "Перезапустіть касу", false))
        .await
        .expect("answer");
    let seen = w
        .core
        .update_ticket(
            &Viewer::of(&w.agent),
            t.id,
            status(TicketStatus::WaitingForCustomer),
            None,
        )
        .await
        .expect("ask");
    let clock = seen.waiting.expect("staff see the clock");
    assert_eq!(clock.accumulated_ms, 2 * 3_600_000);
    assert!(!clock.running, "paused while waiting for the customer");
}

#[tokio::test]
async fn a_ticket_filed_after_hours_gets_an_honest_notice_from_the_support_service() {
    let w = world().await;
    // 22:00 in Kyiv.
    w.clock.set("2026-12-07T20:00:00Z".parse().expect("time"));
    let t = w.file("Звіт").await;
    assert_eq!(t.message_count, 2);
    let msgs = w
        .core
        .messages(&Viewer::of(&w.alice), t.id)
        .await
        .expect("messages");
    assert_eq!(msgs[1].channel, Channel::System);
    assert!(msgs[1].body.contains("08:00"), "{}", msgs[1].body);
    // A notice is not an answer: the ticket still waits for support.
    assert_eq!(t.status, TicketStatus::New);
}

#[tokio::test]
async fn outage_reports_join_the_open_incident_and_a_resolved_one_reopens_within_the_hour() {
    let w = world().await;
    let (first, _) = w
        .core
        .report_outage(&app(&w.alice), outage(&w.alice, OutageKind::Program))
        .await
        .expect("report");
    assert!(!first.already_known);
    assert!(first.ticket.urgent);
    let agent = Viewer::of(&w.agent);
    // Another taxi service's report of the same kind is another incident: scope is per
    // organisation until an agent widens it.
    let (other, _) = w
        .core
        .report_outage(&app(&w.bob), outage(&w.bob, OutageKind::Program))
        .await
        .expect("report");
    assert_ne!(other.incident.id, first.incident.id);
    let (joined, _) = w
        .core
        .report_outage(&app(&w.alice), outage(&w.alice, OutageKind::Program))
        .await
        .expect("second report");
    assert!(joined.already_known);
    assert_eq!(joined.incident.id, first.incident.id);

    let resolved = w
        .core
        .post_incident_update(
            &agent,
            first.incident.id,
            Uuid::now_v7(),
            "Сервер перезапущено, програма працює",
            true,
            None,
        )
        .await
        .expect("resolve");
    assert_eq!(resolved.status, desk_domain::IncidentStatus::Resolved);
    for id in [first.ticket.id, joined.ticket.id] {
        let t = w.core.ticket(&agent, id).await.expect("report");
        assert_eq!(t.status, TicketStatus::Resolved);
    }

    w.clock.advance(Duration::minutes(30));
    let (again, _) = w
        .core
        .report_outage(&app(&w.alice), outage(&w.alice, OutageKind::Program))
        .await
        .expect("report again");
    assert_eq!(
        again.incident.id, first.incident.id,
        "reopened within the hour"
    );
    assert_eq!(again.incident.status, desk_domain::IncidentStatus::Open);

    w.core
        .post_incident_update(
            &agent,
            first.incident.id,
            Uuid::now_v7(),
            "Знову працює",
            true,
            None,
        )
        .await
        .expect("resolve again");
    w.clock.advance(Duration::hours(2));
    let (later, _) = w
        .core
        .report_outage(&app(&w.alice), outage(&w.alice, OutageKind::Program))
        .await
        .expect("report later");
    assert_ne!(
        later.incident.id, first.incident.id,
        "a new outage after the hour"
    );
}

#[tokio::test]
async fn pages_go_to_the_agents_on_duty_and_then_to_everyone_until_someone_acknowledges() {
    let w = world().await;
    let agent = Viewer::of(&w.agent);
    w.core.set_duty(&agent, true).await.expect("duty");
    let cursor = w.core.latest_seq(&agent).await.expect("seq");
    let (report, _) = w
        .core
        .report_outage(&app(&w.alice), outage(&w.alice, OutageKind::Telephony))
        .await
        .expect("report");
    let pages = |page: desk_domain::ChangesPage| {
        page.items
            .into_iter()
            .filter_map(|c| match c.entity {
                ChangeData::Page(p) => Some(p),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let first = pages(w.core.changes(&agent, cursor, 500).await.expect("changes"));
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].round, first[0].all_agents), (1, false));
    assert_eq!(first[0].recipients, [w.agent.id]);
    // Customers never see pages.
    let alice = Viewer::of(&w.alice);
    assert!(pages(w.core.changes(&alice, 0, 500).await.expect("changes")).is_empty());

    let repage_ms = 300_000;
    assert_eq!(w.core.repage_due(repage_ms).await.expect("repage").paged, 0);
    w.clock.advance(Duration::minutes(6));
    let cursor = w.core.latest_seq(&agent).await.expect("seq");
    assert_eq!(w.core.repage_due(repage_ms).await.expect("repage").paged, 1);
    let second = pages(w.core.changes(&agent, cursor, 500).await.expect("changes"));
    assert_eq!((second[0].round, second[0].all_agents), (2, true));

    // Acknowledging takes the report nobody took, and stops the pages.
    let second_agent = Viewer::of(&w.second_agent);
    let acked = w
        .core
        .acknowledge_incident(&second_agent, report.incident.id, None)
        .await
        .expect("ack");
    assert_eq!(acked.acknowledged_by.map(|p| p.id), Some(w.second_agent.id));
    let t = w
        .core
        .ticket(&agent, report.ticket.id)
        .await
        .expect("ticket");
    assert_eq!(t.assignee.map(|a| a.id), Some(w.second_agent.id));
    assert_eq!(t.status, TicketStatus::InProgress);
    w.clock.advance(Duration::minutes(30));
    let outcome = w.core.repage_due(repage_ms).await.expect("repage");
    assert_eq!((outcome.paged, outcome.next_due_ms), (0, None));
}

#[tokio::test]
async fn agents_only_actions_are_refused_to_customers_with_a_reason() {
    let w = world().await;
    let alice = Viewer::of(&w.alice);
    let err = w.core.set_duty(&alice, true).await.expect_err("staff only");
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.uk.contains("спеціаліст"), "{}", err.uk);
    let t = w.file("Чеки").await;
    let err = w
        .core
        .update_ticket(&alice, t.id, assign(w.agent.id), None)
        .await
        .expect_err("customers do not assign");
    assert_eq!(err.code, ErrorCode::Forbidden);
    // Nobody can hand work to the support service's own account.
    let err = w
        .core
        .update_ticket(
            &Viewer::of(&w.agent),
            t.id,
            assign(desk_domain::calendar::SUPPORT_SERVICE_USER_ID),
            None,
        )
        .await
        .expect_err("not a person");
    assert_eq!(err.code, ErrorCode::ValidationFailed);
}
