//! Calendar logic with injected instants. Europe/Kyiv is UTC+2 in winter and UTC+3 in summer;
//! in 2026 summer time starts on 29 March (03:00 → 04:00) and ends on 25 October (04:00 → 03:00).

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn kyiv() -> BusinessHours {
    BusinessCalendar::default().hours().unwrap()
}

fn weekdays_only() -> BusinessHours {
    BusinessCalendar {
        working_days: vec![1, 2, 3, 4, 5],
        ..BusinessCalendar::default()
    }
    .hours()
    .unwrap()
}

const H: i64 = 3_600_000;

#[test]
fn boundaries_of_the_working_day() {
    let h = kyiv();
    // Tuesday 24 November 2026, winter time (UTC+2).
    assert!(!h.is_working(utc("2026-11-24T07:59:00+02:00")));
    assert!(h.is_working(utc("2026-11-24T08:00:00+02:00")));
    assert!(h.is_working(utc("2026-11-24T19:59:00+02:00")));
    assert!(h.is_working(utc("2026-11-24T19:59:59.999+02:00")));
    assert!(!h.is_working(utc("2026-11-24T20:00:00+02:00")));
    assert!(!h.is_working(utc("2026-11-24T23:00:00+02:00")));
    assert!(!h.is_working(utc("2026-11-25T00:00:00+02:00")));
}

#[test]
fn next_opening_and_handled_from() {
    let h = kyiv();
    let eight = utc("2026-11-25T08:00:00+02:00");
    assert_eq!(
        h.next_opening(utc("2026-11-24T20:00:00+02:00")),
        Some(eight)
    );
    assert_eq!(
        h.next_opening(utc("2026-11-25T07:59:00+02:00")),
        Some(eight)
    );
    assert_eq!(h.next_opening(eight), Some(eight));
    assert_eq!(
        h.next_opening(utc("2026-11-25T08:00:01+02:00")),
        Some(utc("2026-11-26T08:00:00+02:00"))
    );
    let ten = utc("2026-11-25T10:00:00+02:00");
    assert_eq!(h.handled_from(ten), ten);
    assert_eq!(h.handled_from(utc("2026-11-24T23:00:00+02:00")), eight);
}

#[test]
fn expectation_at_the_boundaries() {
    let h = kyiv();
    let e = h.expectation("billing", false, utc("2026-11-24T23:00:00+02:00"));
    assert!(!e.working_now && !e.handled_now && !e.urgent);
    assert_eq!(e.handled_from, utc("2026-11-25T08:00:00+02:00"));
    assert_eq!(
        (e.day, e.local_time.as_str()),
        (HandledDay::Tomorrow, "08:00")
    );
    assert_eq!(e.wait_minutes, 9 * 60);
    assert_eq!(e.when_phrase("uk"), "завтра з 08:00");
    assert_eq!(e.when_phrase("en"), "tomorrow from 08:00");

    let e = h.expectation("billing", false, utc("2026-11-25T07:59:00+02:00"));
    assert_eq!((e.day, e.wait_minutes), (HandledDay::Today, 1));
    assert_eq!(e.when_phrase("uk"), "сьогодні з 08:00");

    let e = h.expectation("billing", false, utc("2026-11-25T08:00:00+02:00"));
    assert!(e.working_now && e.handled_now);
    assert_eq!(e.wait_minutes, 0);

    let e = h.expectation("billing", false, utc("2026-11-25T19:59:00+02:00"));
    assert!(e.working_now && e.handled_now);

    let e = h.expectation("billing", false, utc("2026-11-25T20:00:00+02:00"));
    assert!(!e.working_now && !e.handled_now);
    assert_eq!((e.day, e.wait_minutes), (HandledDay::Tomorrow, 12 * 60));

    // Urgent topics are handled at once, whatever the hour.
    let at = utc("2026-11-24T23:00:00+02:00");
    let e = h.expectation("telephony-down", true, at);
    assert!(e.urgent && !e.working_now && e.handled_now);
    assert_eq!(e.handled_from, at);
}

#[test]
fn weekends_when_configured() {
    let h = weekdays_only();
    // Friday 27 November 2026 20:00 → Monday 30 November 08:00.
    let monday = utc("2026-11-30T08:00:00+02:00");
    assert!(!h.is_working(utc("2026-11-28T10:00:00+02:00")));
    assert!(!h.is_working(utc("2026-11-29T10:00:00+02:00")));
    assert!(h.is_working(utc("2026-11-27T10:00:00+02:00")));
    let e = h.expectation("billing", false, utc("2026-11-27T20:00:00+02:00"));
    assert_eq!(e.handled_from, monday);
    assert_eq!((e.day, e.weekday), (HandledDay::Weekday, 1));
    assert_eq!(e.when_phrase("uk"), "у понеділок з 08:00");
    assert_eq!(e.when_phrase("en"), "on Monday from 08:00");
    let e = h.expectation("billing", false, utc("2026-11-29T23:00:00+02:00"));
    assert_eq!((e.handled_from, e.day), (monday, HandledDay::Tomorrow));
    // The default calendar works every day.
    assert!(kyiv().is_working(utc("2026-11-28T10:00:00+02:00")));
    // Working time over the weekend: Friday's last hour and Monday's first.
    assert_eq!(
        h.working_ms(
            utc("2026-11-27T19:00:00+02:00"),
            utc("2026-11-30T09:00:00+02:00")
        ),
        2 * H
    );
}

#[test]
fn holidays_and_a_long_holiday_run() {
    let one = BusinessCalendar {
        holidays: vec![NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()],
        ..BusinessCalendar::default()
    }
    .hours()
    .unwrap();
    assert!(!one.is_working(utc("2027-01-01T10:00:00+02:00")));
    assert_eq!(
        one.next_opening(utc("2026-12-31T21:00:00+02:00")),
        Some(utc("2027-01-02T08:00:00+02:00"))
    );
    let e = one.expectation("billing", false, utc("2026-12-31T21:00:00+02:00"));
    // Saturday, two days ahead.
    assert_eq!((e.day, e.weekday), (HandledDay::Weekday, 6));
    assert_eq!(e.when_phrase("uk"), "у суботу з 08:00");

    let run = BusinessCalendar {
        holidays: (1..=10)
            .map(|d| NaiveDate::from_ymd_opt(2027, 1, d).unwrap())
            .collect(),
        ..BusinessCalendar::default()
    }
    .hours()
    .unwrap();
    let at = utc("2026-12-31T21:00:00+02:00");
    let e = run.expectation("billing", false, at);
    assert_eq!(e.handled_from, utc("2027-01-11T08:00:00+02:00"));
    assert_eq!(e.day, HandledDay::Date);
    assert_eq!(e.when_phrase("uk"), "11 січня з 08:00");
    assert_eq!(e.when_phrase("en"), "on 11 January from 08:00");
    assert_eq!(run.working_ms(at, e.handled_from), 0);
}

#[test]
fn spring_forward_in_kyiv() {
    let h = kyiv();
    // Sunday 29 March 2026: 03:00 EET → 04:00 EEST; 08:00 local is 05:00 UTC.
    assert!(!h.is_working(utc("2026-03-29T04:59:00Z")));
    assert!(h.is_working(utc("2026-03-29T05:00:00Z")));
    assert!(h.is_working(utc("2026-03-29T16:59:00Z")));
    assert!(!h.is_working(utc("2026-03-29T17:00:00Z")));
    // The night of the change is one hour shorter and still not working time.
    let evening = utc("2026-03-28T20:00:00+02:00");
    let e = h.expectation("billing", false, evening);
    assert_eq!(e.handled_from, utc("2026-03-29T05:00:00Z"));
    assert_eq!(e.local_time, "08:00");
    assert_eq!(e.wait_minutes, 11 * 60);
    assert_eq!(h.working_ms(evening, e.handled_from), 0);
    // A whole day is twelve working hours on either side of the change.
    assert_eq!(
        h.working_ms(utc("2026-03-28T00:00:00Z"), utc("2026-03-30T00:00:00Z")),
        24 * H
    );
}

#[test]
fn opening_inside_the_spring_gap_opens_when_the_gap_ends() {
    let h = BusinessCalendar {
        opens: "03:30".into(),
        ..BusinessCalendar::default()
    }
    .hours()
    .unwrap();
    // 03:30 does not exist on 29 March 2026: opening is at 04:00 EEST = 01:00 UTC.
    let (open, close) = h
        .period(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap())
        .unwrap();
    assert_eq!(open, utc("2026-03-29T01:00:00Z"));
    assert_eq!(close, utc("2026-03-29T20:00:00+03:00"));
    assert_eq!(h.next_opening(utc("2026-03-29T00:30:00Z")), Some(open));
    assert!(!h.is_working(utc("2026-03-29T00:59:59Z")));
    assert!(h.is_working(open));
    let e = h.expectation("billing", false, utc("2026-03-29T00:30:00Z"));
    assert_eq!((e.day, e.local_time.as_str()), (HandledDay::Today, "04:00"));
}

#[test]
fn fall_back_in_kyiv() {
    let h = kyiv();
    // Sunday 25 October 2026: 04:00 EEST → 03:00 EET; 08:00 local is 06:00 UTC.
    assert!(!h.is_working(utc("2026-10-25T05:59:00Z")));
    assert!(h.is_working(utc("2026-10-25T06:00:00Z")));
    assert!(!h.is_working(utc("2026-10-25T18:00:00Z")));
    let evening = utc("2026-10-24T20:00:00+03:00");
    let e = h.expectation("billing", false, evening);
    assert_eq!(e.handled_from, utc("2026-10-25T06:00:00Z"));
    assert_eq!(e.wait_minutes, 13 * 60);
    assert_eq!(
        h.working_ms(utc("2026-10-24T00:00:00Z"), utc("2026-10-26T00:00:00Z")),
        24 * H
    );
    // An opening time that happens twice that night opens at the first.
    let twice = BusinessCalendar {
        opens: "03:30".into(),
        ..BusinessCalendar::default()
    }
    .hours()
    .unwrap();
    let (open, _) = twice
        .period(NaiveDate::from_ymd_opt(2026, 10, 25).unwrap())
        .unwrap();
    assert_eq!(open, utc("2026-10-25T03:30:00+03:00"));
}

#[test]
fn working_time_over_a_night_and_urgent_around_the_clock() {
    let h = kyiv();
    let from = utc("2026-11-24T19:00:00+02:00");
    let to = utc("2026-11-25T09:00:00+02:00");
    assert_eq!(h.working_ms(from, to), 2 * H);
    assert_eq!(h.waited_ms(from, to, false), 2 * H);
    assert_eq!(h.waited_ms(from, to, true), 14 * H);
    assert_eq!(h.working_ms(to, from), 0);
    // A week of waiting: seven twelve-hour days.
    assert_eq!(
        h.working_ms(
            utc("2026-11-23T00:00:00+02:00"),
            utc("2026-11-30T00:00:00+02:00")
        ),
        7 * 12 * H
    );

    let clock = WaitClock {
        accumulated_ms: 30 * 60_000,
        running: true,
        since: from,
    };
    assert_eq!(clock.waited_ms(&h, false, to), 2 * H + 30 * 60_000);
    let paused = WaitClock {
        running: false,
        ..clock
    };
    assert_eq!(paused.waited_ms(&h, false, to), 30 * 60_000);
}

#[test]
fn around_the_clock_is_always_working() {
    let h = BusinessCalendar::around_the_clock().hours().unwrap();
    for t in [
        "2026-11-24T23:59:59+02:00",
        "2026-11-25T00:00:00+02:00",
        "2026-03-29T01:30:00Z",
        "2026-10-25T01:30:00Z",
    ] {
        assert!(h.is_working(utc(t)), "{t}");
    }
    let from = utc("2026-10-24T12:00:00Z");
    let to = utc("2026-10-26T12:00:00Z");
    assert_eq!(h.working_ms(from, to), 48 * H);
}

#[test]
fn invalid_calendars_say_what_is_wrong() {
    let bad = |c: BusinessCalendar| c.hours().unwrap_err().to_string();
    let d = BusinessCalendar::default;
    assert!(
        bad(BusinessCalendar {
            timezone: "Europe/Kiev-ish".into(),
            ..d()
        })
        .contains("calendar.timezone")
    );
    assert!(
        bad(BusinessCalendar {
            opens: "8am".into(),
            ..d()
        })
        .contains("calendar.opens")
    );
    assert!(
        bad(BusinessCalendar {
            opens: "24:00".into(),
            ..d()
        })
        .contains("calendar.opens")
    );
    assert!(
        bad(BusinessCalendar {
            closes: "07:00".into(),
            ..d()
        })
        .contains("must be after")
    );
    assert!(
        bad(BusinessCalendar {
            working_days: vec![0, 8],
            ..d()
        })
        .contains("ISO weekday")
    );
    assert!(
        bad(BusinessCalendar {
            working_days: vec![],
            ..d()
        })
        .contains("at least one")
    );
    // The old spelling of Kyiv's zone is still a valid IANA name.
    assert!(
        BusinessCalendar {
            timezone: "Europe/Kiev".into(),
            ..d()
        }
        .hours()
        .is_ok()
    );
}

#[test]
fn after_hours_notice_in_both_languages() {
    let e = kyiv().expectation("billing", false, utc("2026-11-24T23:00:00+02:00"));
    assert_eq!(
        after_hours_notice(&e, "uk"),
        "Ваше звернення прийнято. Зараз неробочий час: фахівці візьмуть його в роботу завтра з \
         08:00. Якщо не працює програма чи телефонія — повідомте про збій, такі проблеми ми \
         вирішуємо цілодобово."
    );
    assert!(after_hours_notice(&e, "en").contains("take it up tomorrow from 08:00"));
}
