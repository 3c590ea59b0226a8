//! Tickets and messages: what customers and agents hear of them.

use super::*;

#[test]
fn customer_table() {
    let now = Utc::now();
    let since = now - Duration::hours(1);
    let me = user(Role::Customer);
    let colleague = User {
        organization_id: me.organization_id,
        ..user(Role::Customer)
    };
    let agent = user(Role::Agent);
    let who = Audience {
        me: &me,
        since,
        lang: "uk",
    };
    let t = ticket(&me, now, TicketStatus::InProgress, false);
    let old = now - Duration::hours(5);

    struct Case {
        name: &'static str,
        applied: Applied,
        want: Vec<NotificationKind>,
    }
    let mut resolved = t.clone();
    resolved.status = TicketStatus::Resolved;
    resolved.resolved_at = Some(now);
    let mut old_resolved = resolved.clone();
    old_resolved.resolved_at = Some(old);
    let cases = vec![
        Case {
            name: "agent reply",
            applied: Applied {
                tickets: vec![(Some(t.clone()), t.clone())],
                new_messages: vec![message(&t, &agent, now, false)],
                ..Applied::default()
            },
            want: vec![NotificationKind::SupportReplied],
        },
        Case {
            name: "after-hours notice (channel system) is not a reply",
            applied: Applied {
                tickets: vec![(None, t.clone())],
                new_messages: vec![Message {
                    channel: Channel::System,
                    author: PersonRef {
                        id: crate::calendar::SUPPORT_SERVICE_USER_ID,
                        name: "Служба підтримки".into(),
                        role: Role::Agent,
                    },
                    ..message(&t, &agent, now, false)
                }],
                ..Applied::default()
            },
            want: vec![],
        },
        Case {
            name: "internal note never",
            applied: Applied {
                new_messages: vec![message(&t, &agent, now, true)],
                ..Applied::default()
            },
            want: vec![],
        },
        Case {
            name: "my own reply never",
            applied: Applied {
                new_messages: vec![message(&t, &me, now, false)],
                ..Applied::default()
            },
            want: vec![],
        },
        Case {
            name: "colleague's reply is not support",
            applied: Applied {
                new_messages: vec![message(&t, &colleague, now, false)],
                ..Applied::default()
            },
            want: vec![],
        },
        Case {
            name: "old reply on first sync",
            applied: Applied {
                new_messages: vec![message(&t, &agent, old, false)],
                ..Applied::default()
            },
            want: vec![],
        },
        Case {
            name: "resolved",
            applied: Applied {
                tickets: vec![(Some(t.clone()), resolved.clone())],
                ..Applied::default()
            },
            want: vec![NotificationKind::TicketResolved],
        },
        Case {
            name: "already resolved before",
            applied: Applied {
                tickets: vec![(Some(resolved.clone()), resolved.clone())],
                ..Applied::default()
            },
            want: vec![],
        },
        Case {
            name: "resolved long ago (first sync)",
            applied: Applied {
                tickets: vec![(None, old_resolved)],
                ..Applied::default()
            },
            want: vec![],
        },
        Case {
            name: "new ticket is not news to customers",
            applied: Applied {
                tickets: vec![(None, ticket(&colleague, now, TicketStatus::New, true))],
                ..Applied::default()
            },
            want: vec![],
        },
    ];
    for c in cases {
        assert_eq!(kinds(&decide(&who, &c.applied)), c.want, "{}", c.name);
    }
}

#[test]
fn agent_table() {
    let now = Utc::now();
    let since = now - Duration::hours(1);
    let me = user(Role::Agent);
    let other_agent = user(Role::Agent);
    let customer = user(Role::Customer);
    let who = Audience {
        me: &me,
        since,
        lang: "en",
    };
    let normal = ticket(&customer, now, TicketStatus::New, false);
    let urgent = ticket(&customer, now, TicketStatus::New, true);
    let first = message(&normal, &customer, now, false);
    let n = decide(
        &who,
        &Applied {
            tickets: vec![(None, normal.clone()), (None, urgent.clone())],
            new_messages: vec![first],
            ..Applied::default()
        },
    );
    assert_eq!(
        kinds(&n),
        vec![NotificationKind::NewTicket, NotificationKind::UrgentTicket]
    );
    assert!(n[1].is_critical() && !n[0].is_critical());
    assert!(n[1].title.starts_with("Urgent ticket #7"));

    let mut mine = normal.clone();
    mine.assignee = Some(person(&me));
    let later = now + Duration::minutes(5);
    let reply = message(&mine, &customer, later, false);
    let n = decide(
        &who,
        &Applied {
            tickets: vec![(Some(mine.clone()), mine.clone())],
            new_messages: vec![reply],
            ..Applied::default()
        },
    );
    assert_eq!(kinds(&n), vec![NotificationKind::CustomerReplied]);

    let mut theirs = normal.clone();
    theirs.assignee = Some(person(&other_agent));
    let reply = message(&theirs, &customer, later, false);
    assert!(
        decide(
            &who,
            &Applied {
                tickets: vec![(Some(theirs.clone()), theirs)],
                new_messages: vec![reply],
                ..Applied::default()
            }
        )
        .is_empty()
    );

    let by_agent = ticket(&other_agent, now, TicketStatus::New, false);
    assert!(
        decide(
            &who,
            &Applied {
                tickets: vec![(None, by_agent)],
                ..Applied::default()
            }
        )
        .is_empty(),
        "a ticket filed by staff is not a customer's"
    );
    let old = ticket(&customer, now - Duration::hours(3), TicketStatus::New, true);
    assert!(
        decide(
            &who,
            &Applied {
                tickets: vec![(None, old)],
                ..Applied::default()
            }
        )
        .is_empty(),
        "first sync does not flood"
    );
}

#[test]
fn keys_are_stable() {
    let now = Utc::now();
    let me = user(Role::Customer);
    let agent = user(Role::Agent);
    let who = Audience {
        me: &me,
        since: now - Duration::hours(1),
        lang: "uk",
    };
    let t = ticket(&me, now, TicketStatus::InProgress, false);
    let m = message(&t, &agent, now, false);
    let a = Applied {
        new_messages: vec![m.clone()],
        ..Applied::default()
    };
    assert_eq!(decide(&who, &a), decide(&who, &a));
    assert_eq!(decide(&who, &a)[0].key, format!("message:{}", m.id));
}
