//! Pages ringing an agent, and reports joining an outage already known.

use super::*;

#[test]
fn agent_outage_table() {
    let now = Utc::now();
    let since = now - Duration::hours(1);
    let me = user(Role::Agent);
    let other = user(Role::Agent);
    let customer = user(Role::Customer);
    let who = Audience {
        me: &me,
        since,
        lang: "uk",
    };
    let mut report = ticket(&customer, now, TicketStatus::New, true);
    report.incident_id = Some(Uuid::now_v7());
    let pull =
        |to: &[Uuid], at: DateTime<Utc>, round: u32| PagePull::new(page(to, report.id, at, round));
    let report_only = Applied {
        tickets: vec![(None, report.clone())],
        ..Applied::default()
    };
    use NotificationKind as K;
    let cases: Vec<(&str, Applied, Vec<K>)> = vec![
        (
            "paged (on duty): critical, and the report does not ring twice",
            pull(&[me.id], now, 1).with_report(&report).applied(),
            vec![K::OutagePage],
        ),
        (
            "a page for every agent",
            pull(&[], now, 2).applied(),
            vec![K::OutagePage],
        ),
        (
            "a page for another agent (I am off duty): nothing",
            pull(&[other.id], now, 1).with_report(&report).applied(),
            vec![],
        ),
        (
            "already acknowledged by the time I pulled it: nothing to ring for",
            pull(&[me.id], now, 1).settled().applied(),
            vec![],
        ),
        (
            "an old page on a first sync",
            pull(&[me.id], now - Duration::hours(3), 1).applied(),
            vec![],
        ),
        (
            "my own report (on a customer's behalf)",
            pull(&[me.id], now, 1).mine().applied(),
            vec![],
        ),
        (
            "a report joining a known outage: news, not an alarm",
            report_only.clone(),
            vec![K::OutageReport],
        ),
    ];
    for (name, applied, want) in cases {
        assert_eq!(kinds(&decide(&who, &applied)), want, "{name}");
    }
    let p = page(&[me.id], report.id, now, 1);
    let n = decide(&who, &PagePull::new(p.clone()).applied());
    assert!(n[0].is_critical());
    assert_eq!(n[0].urgency, NotificationUrgency::Critical);
    assert_eq!(n[0].key, format!("page:{}", p.id));
    assert_eq!(n[0].ticket_id, report.id);
    assert_eq!(n[0].incident_id, Some(p.incident_id));
    assert_eq!(n[0].title, "Збій: Не працює телефонія — Таксі Ластівка");
    let n = decide(&who, &pull(&[], now, 2).applied());
    assert!(n[0].title.starts_with("Повторний виклик"), "{}", n[0].title);

    // Agents are not told of customers' incident news.
    let i = incident(customer.organization_id.unwrap_or_default(), &customer, now);
    assert!(decide(&who, &changed(None, &i, false)).is_empty());
    let n = decide(&who, &report_only);
    assert!(!n[0].is_critical());
}

#[test]
fn unverified_reports_ring_like_pages_until_decided() {
    use crate::TelegramRequestStatus;
    use crate::notify::fixtures::telegram_report;
    use NotificationKind as K;
    let now = Utc::now();
    let me = user(Role::Agent);
    let other = user(Role::Agent);
    let customer = user(Role::Customer);
    let applied = |r: crate::TelegramRequest| Applied {
        outages: OutageChanges {
            telegram_requests: vec![r],
            ..OutageChanges::default()
        },
        ..Applied::default()
    };
    let decided = {
        let mut r = telegram_report(&[me.id], now);
        r.status = TelegramRequestStatus::Dismissed;
        r
    };
    let paged_again = {
        let mut r = telegram_report(&[other.id], now - Duration::hours(2));
        r.round = 2;
        r.paged_at = Some(now);
        r
    };
    let link_only = {
        let mut r = telegram_report(&[], now);
        r.report = false;
        r
    };
    let cases: Vec<(&str, &User, Applied, Vec<K>)> = vec![
        (
            "paged (on duty)",
            &me,
            applied(telegram_report(&[me.id], now)),
            vec![K::UnverifiedReport],
        ),
        (
            "nobody on duty: every agent",
            &me,
            applied(telegram_report(&[], now)),
            vec![K::UnverifiedReport],
        ),
        (
            "another agent is on duty",
            &me,
            applied(telegram_report(&[other.id], now)),
            vec![],
        ),
        ("already decided", &me, applied(decided), vec![]),
        (
            "paged again: every agent",
            &me,
            applied(paged_again),
            vec![K::UnverifiedReport],
        ),
        (
            "a link request, not a report",
            &me,
            applied(link_only),
            vec![],
        ),
        (
            "older than the first sign-in",
            &me,
            applied(telegram_report(&[me.id], now - Duration::hours(3))),
            vec![],
        ),
        (
            "customers never",
            &customer,
            applied(telegram_report(&[], now)),
            vec![],
        ),
    ];
    for (name, who, applied, want) in cases {
        let got = decide(
            &Audience {
                me: who,
                since: now - Duration::hours(1),
                lang: "uk",
            },
            &applied,
        );
        let kinds: Vec<K> = got.iter().map(|n| n.kind).collect();
        assert_eq!(kinds, want, "{name}");
        for n in &got {
            assert!(
                n.is_critical(),
                "{name}: an unverified report rings as critical"
            );
            assert!(n.body.contains("не працює телефонія"), "{name}: {}", n.body);
            assert!(n.body.contains("Олег Петренко"), "{name}: {}", n.body);
        }
    }
}
