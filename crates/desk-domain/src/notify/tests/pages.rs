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
