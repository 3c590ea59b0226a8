//! Incidents as customers hear of them, and a resolution heard once.

use super::*;

#[test]
fn customer_outage_table() {
    let now = Utc::now();
    let since = now - Duration::hours(1);
    let old = now - Duration::hours(5);
    let me = user(Role::Customer);
    let org = me.organization_id.unwrap_or_default();
    let colleague = User {
        organization_id: me.organization_id,
        ..user(Role::Customer)
    };
    let stranger = user(Role::Customer);
    let agent = user(Role::Agent);
    let who = Audience {
        me: &me,
        since,
        lang: "uk",
    };
    let theirs = incident(org, &colleague, now);
    let mine = incident(org, &me, now);
    let elsewhere = incident(stranger.organization_id.unwrap_or_default(), &stranger, now);
    let mut everyone = incident(Uuid::now_v7(), &agent, now);
    everyone.all_organizations = true;
    everyone.organizations.clear();
    everyone.timeline = vec![event(
        IncidentEventKind::Update,
        &agent,
        now,
        "Оператор зв'язку має аварію, працюємо з ним.",
    )];
    let later = now + Duration::minutes(4);
    let seen_update = updated(&theirs, &agent, later, "Працюємо");
    use NotificationKind as K;
    let cases: Vec<(&str, Applied, Vec<K>)> = vec![
        (
            "a colleague's report opens it: I hear support knows",
            changed(None, &theirs, false),
            vec![K::IncidentOpened],
        ),
        (
            "my own report: no news to me",
            changed(None, &mine, true),
            vec![],
        ),
        (
            "another organisation's outage never",
            changed(None, &elsewhere, false),
            vec![],
        ),
        (
            "announced to everyone: opened, its first update folded in",
            changed(None, &everyone, false),
            vec![K::IncidentOpened],
        ),
        (
            "first sync: an old open incident is the banner's, not a notification",
            changed(None, &incident(org, &colleague, old), false),
            vec![],
        ),
        (
            "acknowledged: the reporter hears who has it",
            changed(Some(&mine), &acknowledged(&mine, &agent, later), true),
            vec![K::IncidentAcknowledged],
        ),
        (
            "acknowledged: not the rest of the organisation",
            changed(Some(&theirs), &acknowledged(&theirs, &agent, later), false),
            vec![],
        ),
        (
            "an update reaches the organisation",
            changed(
                Some(&theirs),
                &updated(&theirs, &agent, later, "Працюємо"),
                false,
            ),
            vec![K::IncidentUpdate],
        ),
        (
            "an update seen before is not news again",
            changed(Some(&seen_update), &seen_update, false),
            vec![],
        ),
        (
            "resolved",
            changed(Some(&mine), &resolved(&mine, &agent, later), true),
            vec![K::IncidentResolved],
        ),
        (
            "resolved while I was away: one notification for both",
            changed(
                Some(&theirs),
                &resolved(&updated(&theirs, &agent, later, "Працюємо"), &agent, later),
                false,
            ),
            vec![K::IncidentUpdate, K::IncidentResolved],
        ),
        (
            "back after its resolution",
            changed(
                Some(&resolved(&theirs, &agent, later)),
                &{
                    let mut b = resolved(&theirs, &agent, later);
                    b.status = IncidentStatus::Open;
                    b.resolved_at = None;
                    b.updated_at = later + Duration::minutes(10);
                    b
                },
                false,
            ),
            vec![K::IncidentOpened],
        ),
    ];
    for (name, applied, want) in cases {
        assert_eq!(kinds(&decide(&who, &applied)), want, "{name}");
    }
    let n = decide(&who, &changed(None, &everyone, false));
    assert_eq!(n[0].body, "Оператор зв'язку має аварію, працюємо з ним.");
    assert_eq!(n[0].incident_id, Some(everyone.id));
    let n = decide(
        &who,
        &changed(Some(&mine), &acknowledged(&mine, &agent, later), true),
    );
    assert_eq!(
        n[0].body,
        format!("{} з підтримки вже працює над цим.", agent.name)
    );
    assert_eq!(n[0].ticket_id, mine.ticket_ids[0]);
    assert_eq!(n[0].urgency, NotificationUrgency::Normal);
}

/// A customer's outage report and its incident at `now`, and the report as the incident's
/// resolution leaves it half an hour `later`: (me, agent, now, later, incident, report, done).
fn resolution() -> (
    User,
    User,
    DateTime<Utc>,
    DateTime<Utc>,
    Incident,
    Ticket,
    Ticket,
) {
    let now = Utc::now();
    let me = user(Role::Customer);
    let agent = user(Role::Agent);
    let i = incident(me.organization_id.unwrap_or_default(), &me, now);
    let later = now + Duration::minutes(30);
    let mut report = ticket(&me, now, TicketStatus::InProgress, true);
    report.id = i.ticket_ids[0];
    report.incident_id = Some(i.id);
    let mut done = report.clone();
    done.status = TicketStatus::Resolved;
    done.resolved_at = Some(later);
    (me, agent, now, later, i, report, done)
}

#[test]
fn resolving_an_incident_notifies_once() {
    let (me, agent, now, later, i, report, done) = resolution();
    let who = Audience {
        me: &me,
        since: now - Duration::hours(1),
        lang: "en",
    };
    let resolution = Message {
        body: "Telephony works again.".into(),
        ..message(&done, &agent, later, false)
    };
    let mut applied = changed(Some(&i), &resolved(&i, &agent, later), true);
    applied.tickets = vec![(Some(report.clone()), done.clone())];
    applied.new_messages = vec![resolution.clone()];
    applied
        .outages
        .ticket_incident
        .insert(report.id, IncidentStatus::Resolved);
    let n = decide(&who, &applied);
    assert_eq!(kinds(&n), vec![NotificationKind::IncidentResolved]);
    assert!(n[0].title.starts_with("Outage resolved"), "{}", n[0].title);

    // A report resolved on its own (the incident goes on) is the ticket's news.
    let mut alone = Applied {
        tickets: vec![(Some(report.clone()), done.clone())],
        ..Applied::default()
    };
    alone
        .outages
        .ticket_incident
        .insert(report.id, IncidentStatus::Open);
    assert_eq!(
        kinds(&decide(&who, &alone)),
        vec![NotificationKind::TicketResolved]
    );

    // A reply after the resolution is a reply.
    let after = message(&done, &agent, later + Duration::minutes(1), false);
    applied.new_messages = vec![after];
    applied.outages.incidents.clear();
    assert_eq!(
        kinds(&decide(&who, &applied)),
        vec![NotificationKind::SupportReplied]
    );
}

#[test]
fn a_pull_split_across_pages_still_notifies_a_resolution_once() {
    let (me, agent, now, later, i, report, done) = resolution();
    let who = Audience {
        me: &me,
        since: now - Duration::hours(1),
        lang: "uk",
    };
    let resolution = message(&done, &agent, later, false);

    // The server logs the incident, then the report, then the message. First page: the
    // incident (and maybe the report) — the incident's notification.
    let mut first = changed(Some(&i), &resolved(&i, &agent, later), true);
    first.tickets = vec![(Some(report.clone()), done.clone())];
    first
        .outages
        .ticket_incident
        .insert(report.id, IncidentStatus::Resolved);
    assert_eq!(
        kinds(&decide(&who, &first)),
        vec![NotificationKind::IncidentResolved]
    );
    // Next page: only the resolution message; its ticket comes from the cache, resolved
    // with the incident. Nothing more.
    let mut rest = Applied {
        new_messages: vec![resolution.clone()],
        message_tickets: vec![done.clone()],
        ..Applied::default()
    };
    rest.outages
        .ticket_incident
        .insert(report.id, IncidentStatus::Resolved);
    assert!(decide(&who, &rest).is_empty());

    // A plain reply whose ticket came in an earlier page names the ticket's number.
    let mut open = report.clone();
    open.incident_id = None;
    let reply = message(&open, &agent, later, false);
    let alone = Applied {
        new_messages: vec![reply],
        message_tickets: vec![open.clone()],
        ..Applied::default()
    };
    let n = decide(&who, &alone);
    assert_eq!(kinds(&n), vec![NotificationKind::SupportReplied]);
    assert!(
        n[0].title.contains(&format!("#{}", open.number)),
        "{}",
        n[0].title
    );
}
