//! Tenant isolation as a matrix: every endpoint that takes an id, tried by a customer of
//! another organisation, answers 404 (or `attachment_unavailable` for files) and leaks none of
//! the foreign text; `changes` and `events` carry nothing of another organisation; agents see
//! everything.

mod common;

use common::*;
use desk_domain::{ChangeData, Message, Ticket, TicketStatus};
use desk_testkit::reqwest::{Method, StatusCode};
use desk_testkit::{Cast, Session};
use serde_json::{Value, json};
use uuid::Uuid;

/// What one organisation owns, with texts that must never show up for the other.
struct Owned {
    ticket: Ticket,
    attached: desk_domain::Attachment,
    unattached: desk_domain::Attachment,
    subject: String,
    body: String,
    reply: String,
    filename: String,
}

impl Owned {
    fn secrets(&self) -> [&str; 5] {
        [
            &self.subject,
            &self.body,
            &self.reply,
            &self.filename,
            &self.ticket.organization_name,
        ]
    }
}

async fn own(cast: &Cast, owner: &Session, tag: &str) -> anyhow::Result<Owned> {
    let subject = format!("Таємна тема {tag}");
    let body = format!("Таємний опис {tag}");
    let reply = format!("Таємна відповідь {tag}");
    let filename = format!("таємний-файл-{tag}.txt");
    let attached = upload_ok(owner, &filename, format!("вміст {tag}").into_bytes()).await?;
    let unattached = upload_ok(owner, &format!("{filename}.draft"), b"draft".to_vec()).await?;
    let mut req = ticket_body(TOPIC, &subject, &body);
    req["attachment_ids"] = json!([attached.id]);
    let (_, ticket): (Value, Ticket) = created(owner.post("/api/v1/tickets", &req).await?).await?;
    cast.agent.reply(ticket.id, &reply, false).await?;
    Ok(Owned {
        ticket,
        attached,
        unattached,
        subject,
        body,
        reply,
        filename,
    })
}

fn assert_no_leak(text: &str, owned: &Owned, what: &str) {
    for s in owned.secrets() {
        assert!(!text.contains(s), "{what} leaks “{s}”: {text}");
    }
}

/// Every id-taking request of `intruder` against `victim`'s things.
async fn intrude(cast: &Cast, intruder: &Session, victim: &Owned) -> anyhow::Result<()> {
    let t = victim.ticket.id;
    let own_ticket = intruder.create_ticket(TOPIC, "Своє", "Своє").await?;
    let cases: Vec<(Method, String, Option<Value>, u16, &str)> = vec![
        (
            Method::GET,
            format!("/api/v1/tickets/{t}"),
            None,
            404,
            "not_found",
        ),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{t}"),
            Some(json!({"status": "resolved"})),
            404,
            "not_found",
        ),
        // 404 rather than 403: the answer must not confirm the ticket exists.
        (
            Method::PATCH,
            format!("/api/v1/tickets/{t}"),
            Some(json!({"assignee_id": cast.agent.user().id})),
            404,
            "not_found",
        ),
        (
            Method::GET,
            format!("/api/v1/tickets/{t}/messages"),
            None,
            404,
            "not_found",
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{t}/messages"),
            Some(message_body("Втручання")),
            404,
            "not_found",
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{t}/messages"),
            Some(json!({"id": Uuid::now_v7(), "body": "Втручання", "internal": true})),
            404,
            "not_found",
        ),
        (
            Method::GET,
            format!("/api/v1/attachments/{}", victim.attached.id),
            None,
            404,
            "not_found",
        ),
        (
            Method::GET,
            format!("/api/v1/attachments/{}", victim.unattached.id),
            None,
            404,
            "not_found",
        ),
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some({
                let mut b = ticket_body(TOPIC, "Чужі файли", "Текст");
                b["attachment_ids"] = json!([victim.attached.id]);
                b
            }),
            422,
            "attachment_unavailable",
        ),
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some({
                let mut b = ticket_body(TOPIC, "Чужі файли", "Текст");
                b["attachment_ids"] = json!([victim.unattached.id]);
                b
            }),
            422,
            "attachment_unavailable",
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{}/messages", own_ticket.id),
            Some(json!({"id": Uuid::now_v7(), "body": "Чужий файл",
                        "attachment_ids": [victim.unattached.id]})),
            422,
            "attachment_unavailable",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let mut rb = intruder.request(method.clone(), &path);
        if let Some(b) = &body {
            rb = rb.json(b);
        }
        let res = rb.send().await?;
        let (text, _) = expect_error(res, status, code).await?;
        assert_no_leak(&text, victim, &format!("{method} {path}"));
    }

    // Lists, searches and sync show nothing of the victim's.
    for q in [
        vec![],
        vec![("q", victim.subject.as_str())],
        vec![("status", "all")],
    ] {
        let res = intruder
            .request(Method::GET, "/api/v1/tickets")
            .query(&q)
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::OK);
        assert_no_leak(&res.text().await?, victim, "GET /tickets");
    }
    let number = format!("#{}", victim.ticket.number);
    let found = list(intruder, &[("q", &number)]).await?;
    assert!(
        found.items.is_empty(),
        "a number search finds nothing foreign"
    );
    let res = intruder.get("/api/v1/changes?after=0&limit=1000").await?;
    let text = res.text().await?;
    assert_no_leak(&text, victim, "GET /changes");
    assert!(!text.contains(&victim.ticket.id.to_string()));
    let org = victim.ticket.organization_id;
    for c in pull_all(intruder, 0).await?.0 {
        match &c.entity {
            ChangeData::Ticket(t) => assert_ne!(t.organization_id, org),
            ChangeData::Message(m) => assert_ne!(m.ticket_id, victim.ticket.id),
            ChangeData::Topic(_) => {}
            ChangeData::Incident(i) => assert!(!i.organizations.iter().any(|o| o.id == org)),
            ChangeData::Page(_) | ChangeData::Duty(_) | ChangeData::TelegramRequest(_) => {
                panic!("a customer got a staff-only change")
            }
        }
    }

    // Nothing of the victim's changed.
    let now: Ticket = cast.agent.get_json(&format!("/api/v1/tickets/{t}")).await?;
    assert_eq!(now.status, TicketStatus::New);
    assert!(now.assignee.is_none());
    let msgs: Vec<Message> = cast
        .agent
        .get_json(&format!("/api/v1/tickets/{t}/messages"))
        .await?;
    assert_eq!(msgs.len(), 2);
    Ok(())
}

#[tokio::test]
async fn another_organisations_ids_answer_404_and_leak_nothing() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let a = own(&cast, &cast.alice, "Ластівки").await?;
    let b = own(&cast, &cast.bob, "Злагоди").await?;
    intrude(&cast, &cast.bob, &a).await?;
    intrude(&cast, &cast.alice, &b).await?;
    // Alan shares Alice's organisation but not her unused upload.
    let res = cast
        .alan
        .get(&format!("/api/v1/attachments/{}", a.unattached.id))
        .await?;
    expect_error(res, 404, "not_found").await?;
    Ok(())
}

#[tokio::test]
async fn the_same_organisation_and_agents_do_see() -> anyhow::Result<()> {
    // The control for the matrix: what is refused to outsiders works for insiders.
    let cast = Cast::new().await?;
    let a = own(&cast, &cast.alice, "Ластівки").await?;
    let b = own(&cast, &cast.bob, "Злагоди").await?;
    for (s, o) in [(&cast.alan, &a), (&cast.agent, &a), (&cast.agent, &b)] {
        let t: Ticket = s
            .get_json(&format!("/api/v1/tickets/{}", o.ticket.id))
            .await?;
        assert_eq!(t.subject, o.subject);
        let msgs: Vec<Message> = s
            .get_json(&format!("/api/v1/tickets/{}/messages", o.ticket.id))
            .await?;
        assert_eq!(msgs[0].body, o.body);
        assert_eq!(msgs[1].body, o.reply);
        let res = s
            .get(&format!("/api/v1/attachments/{}", o.attached.id))
            .await?;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let all = list_all(&cast.agent).await?;
    assert_eq!(all.len(), 2);
    let (items, _) = pull_all(&cast.agent, 0).await?;
    for o in [&a, &b] {
        assert!(items.iter().any(|c| matches!(&c.entity,
            ChangeData::Ticket(t) if t.id == o.ticket.id)));
    }
    let alans = list_all(&cast.alan).await?;
    assert_eq!(
        alans.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![a.ticket.id]
    );
    Ok(())
}

#[tokio::test]
async fn customers_cannot_file_into_another_organisation() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let mut body = ticket_body(TOPIC, "Підкидаю", "Текст");
    body["organization_id"] = json!(cast.org_a.id);
    let (_, t): (Value, Ticket) = created(cast.bob.post("/api/v1/tickets", &body).await?).await?;
    assert_eq!(t.organization_id, cast.org_b.id);
    assert!(list_all(&cast.alice).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_foreign_ticket_id_conflicts_without_revealing_it() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let a = own(&cast, &cast.alice, "Ластівки").await?;
    let body = json!({"id": a.ticket.id, "topic_id": TOPIC, "subject": "Моє", "body": "Моє"});
    let res = cast.bob.post("/api/v1/tickets", &body).await?;
    let (text, _) = expect_error(res, 409, "id_conflict").await?;
    assert_no_leak(&text, &a, "a conflicting create");
    Ok(())
}

#[tokio::test]
async fn events_for_one_organisation_are_not_poked_by_another() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let head = cursor(&cast.agent).await?;
    let mut bob = EventStream::open(&cast.bob, Some(head)).await?;
    let mut agent = EventStream::open(&cast.agent, Some(head)).await?;

    // An organisation A write: the agent is poked...
    cast.alan.reply(t.id, "Ще подробиці", false).await?;
    let (a_items, a_next) = pull_all(&cast.agent, head).await?;
    let a_newest = a_items.last().map(|c| c.seq).expect("a change");
    agent.pokes_until(a_newest).await?;

    // ...Bob is not. His next poke is for his own organisation's write, which came later.
    let own = cast.bob.create_ticket(TOPIC, "Своє", "Своє").await?;
    let (b_items, _) = pull_all(&cast.bob, a_next).await?;
    assert!(b_items.iter().any(|c| matches!(&c.entity,
        ChangeData::Ticket(x) if x.id == own.id)));
    let visible: Vec<i64> = b_items.iter().map(|c| c.seq).collect();
    let b_newest = *visible.last().expect("Bob's changes");
    let pokes = bob.pokes_until(b_newest).await?;
    for p in &pokes {
        assert!(
            visible.contains(p),
            "Bob was poked with seq {p}, which is not his (his: {visible:?}; org A's: {:?})",
            a_items.iter().map(|c| c.seq).collect::<Vec<_>>()
        );
    }
    // And the pull his poke prompts holds nothing of organisation A.
    let (all_b, _) = pull_all(&cast.bob, head).await?;
    assert!(all_b.iter().all(|c| match &c.entity {
        ChangeData::Ticket(x) => x.organization_id == cast.org_b.id,
        ChangeData::Message(m) => m.ticket_id == own.id,
        ChangeData::Topic(_) => true,
        ChangeData::Incident(i) => i.organizations.iter().all(|o| o.id == cast.org_b.id),
        ChangeData::Page(_) | ChangeData::Duty(_) | ChangeData::TelegramRequest(_) => false,
    }));
    Ok(())
}

#[tokio::test]
async fn internal_notes_poke_agents_but_not_customers() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let head = cursor(&cast.agent).await?;
    let mut alice = EventStream::open(&cast.alice, Some(head)).await?;
    let mut agent = EventStream::open(&cast.agent, Some(head)).await?;

    let note = cast.agent.reply(t.id, "Лише для своїх", true).await?;
    let (n_items, n_next) = pull_all(&cast.agent, head).await?;
    let note_seq = n_items
        .iter()
        .find(|c| matches!(&c.entity, ChangeData::Message(m) if m.id == note.id))
        .map(|c| c.seq)
        .expect("agents sync the note");
    agent.pokes_until(note_seq).await?;

    // Then a public reply: Alice's pokes are for it, never for the note.
    let reply = cast.agent.reply(t.id, "Для всіх", false).await?;
    let (visible_items, _) = pull_all(&cast.alice, n_next).await?;
    assert!(visible_items.iter().any(|c| matches!(&c.entity,
        ChangeData::Message(m) if m.id == reply.id)));
    let visible: Vec<i64> = visible_items.iter().map(|c| c.seq).collect();
    let pokes = alice.pokes_until(*visible.last().expect("changes")).await?;
    assert!(
        !pokes.contains(&note_seq),
        "poked for an internal note: {pokes:?}"
    );
    for p in &pokes {
        assert!(visible.contains(p), "poke {p} is not one of {visible:?}");
    }
    // Her pull from before the note holds no note.
    let (all_alice, _) = pull_all(&cast.alice, head).await?;
    assert!(all_alice.iter().all(|c| !matches!(&c.entity,
        ChangeData::Message(m) if m.internal || m.id == note.id)));
    Ok(())
}

#[tokio::test]
async fn a_resume_poke_names_only_what_the_customer_may_see() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let bobs = cast.bob.create_ticket(TOPIC, "Своє", "Своє").await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    // The newest changes in the log: Alice's organisation's, and then an internal note on
    // Bob's ticket.
    cast.agent.reply(t.id, "Відповідь", false).await?;
    cast.agent.reply(bobs.id, "Лише для своїх", true).await?;
    let head = cursor(&cast.agent).await?;

    for (s, name) in [(&cast.bob, "bob"), (&cast.alice, "alice")] {
        let (items, _) = pull_all(s, 0).await?;
        let newest_visible = items.last().map(|c| c.seq).expect("changes");
        assert!(
            newest_visible < head,
            "{name}: the log's head is not theirs"
        );
        let mut stream = EventStream::open(s, Some(0)).await?;
        let first = stream.next().await?.expect("an event");
        assert_eq!(first.event, "poke", "{name}");
        assert_eq!(
            poke_seq(&first)?,
            newest_visible,
            "{name}'s resume poke names the newest change they may see"
        );
    }
    let mut agent = EventStream::open(&cast.agent, Some(0)).await?;
    assert_eq!(agent.next_poke().await?, head);
    Ok(())
}
