//! The business calendar: when the vendor's specialists work (timezone, opening hours, working
//! days, holidays), and what that means for a ticket filed at a given instant. Pure functions of
//! the calendar and an instant, shared by the server (automatic after-hours message, waiting
//! clocks) and the client (the same answers offline).
//!
//! Local times are resolved in the calendar's IANA time zone, so the hours stay right across
//! daylight-saving changes: an opening time that falls into a spring-forward gap opens at the
//! first instant after the gap; one that occurs twice in the autumn opens at the first.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The support service's own account: author of automatic messages such as the after-hours
/// notice (channel `system`).
pub const SUPPORT_SERVICE_USER_ID: uuid::Uuid = uuid::Uuid::from_u128(1);

/// When specialists work. Served by `GET /calendar` and set in the server's `[calendar]` config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(default)]
pub struct BusinessCalendar {
    /// IANA time zone the hours are in, e.g. `Europe/Kyiv`.
    pub timezone: String,
    /// Opening time, `HH:MM` local.
    pub opens: String,
    /// Closing time, `HH:MM` local, after `opens`; `24:00` is the end of the day.
    pub closes: String,
    /// ISO weekdays that are working days: 1 = Monday … 7 = Sunday. All seven by default: the
    /// vendor's help page names only the night hours (20:00–08:00) as off.
    pub working_days: Vec<u8>,
    /// Dates (local) with no working hours at all, e.g. `2027-01-01`.
    #[ts(as = "Vec<String>")]
    #[schema(value_type = Vec<String>, format = Date)]
    pub holidays: Vec<NaiveDate>,
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self {
            timezone: "Europe/Kyiv".into(),
            opens: "08:00".into(),
            closes: "20:00".into(),
            working_days: vec![1, 2, 3, 4, 5, 6, 7],
            holidays: Vec::new(),
        }
    }
}

/// Why a calendar cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError(pub String);

impl std::fmt::Display for CalendarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CalendarError {}

/// Minutes since midnight, `HH:MM`; `24:00` allowed only where `end_of_day`.
fn parse_hhmm(field: &str, s: &str, end_of_day: bool) -> Result<u32, CalendarError> {
    let bad = || CalendarError(format!("calendar.{field}: `{s}` is not a time like 08:00"));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && (m != 0 || !end_of_day)) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl BusinessCalendar {
    /// Open around the clock every day: for deployments (and tests) with no off hours.
    pub fn around_the_clock() -> Self {
        Self {
            opens: "00:00".into(),
            closes: "24:00".into(),
            ..Self::default()
        }
    }

    /// Checks every field and prepares the calendar for use.
    pub fn hours(&self) -> Result<BusinessHours, CalendarError> {
        let tz: Tz = self.timezone.trim().parse().map_err(|_| {
            CalendarError(format!(
                "calendar.timezone: `{}` is not an IANA time zone such as Europe/Kyiv",
                self.timezone
            ))
        })?;
        let opens = parse_hhmm("opens", &self.opens, false)?;
        let closes = parse_hhmm("closes", &self.closes, true)?;
        if closes <= opens {
            return Err(CalendarError(format!(
                "calendar: closes ({}) must be after opens ({})",
                self.closes, self.opens
            )));
        }
        let mut days = [false; 7];
        for d in &self.working_days {
            if !(1..=7).contains(d) {
                return Err(CalendarError(format!(
                    "calendar.working_days: {d} is not an ISO weekday (1 = Monday … 7 = Sunday)"
                )));
            }
            days[usize::from(*d - 1)] = true;
        }
        if !days.iter().any(|d| *d) {
            return Err(CalendarError(
                "calendar.working_days: name at least one working day".into(),
            ));
        }
        let mut holidays = self.holidays.clone();
        holidays.sort();
        holidays.dedup();
        Ok(BusinessHours {
            tz,
            opens,
            closes,
            days,
            holidays,
        })
    }

    /// [`Self::hours`], falling back to the default calendar if this one is invalid (the server
    /// refuses to start with an invalid one, so this only guards a corrupt cache).
    pub fn hours_or_default(&self) -> BusinessHours {
        self.hours()
            .or_else(|_| Self::default().hours())
            .unwrap_or_else(|_| BusinessHours::kyiv_fallback())
    }
}

/// A validated calendar, ready to answer questions about instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    tz: Tz,
    /// Minutes since local midnight.
    opens: u32,
    /// Minutes since local midnight; 1440 = the end of the day.
    closes: u32,
    /// Monday first.
    days: [bool; 7],
    /// Sorted.
    holidays: Vec<NaiveDate>,
}

/// How far ahead [`BusinessHours::next_opening`] looks: long enough for any holiday run.
const SEARCH_DAYS: i64 = 3 * 366;

impl BusinessHours {
    fn kyiv_fallback() -> Self {
        Self {
            tz: chrono_tz::Europe::Kyiv,
            opens: 8 * 60,
            closes: 20 * 60,
            days: [true; 7],
            holidays: Vec::new(),
        }
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// Whether `date` (local) has working hours.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.days[date.weekday().num_days_from_monday() as usize]
            && self.holidays.binary_search(&date).is_err()
    }

    /// The instant local wall-clock `minutes` after midnight of `date` happens. In a
    /// spring-forward gap: the first instant after the gap; when it happens twice: the first.
    fn instant(&self, date: NaiveDate, minutes: u32) -> DateTime<Utc> {
        let (date, minutes) = if minutes >= 24 * 60 {
            (date.succ_opt().unwrap_or(date), minutes - 24 * 60)
        } else {
            (date, minutes)
        };
        let mut local = date.and_time(
            NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0).unwrap_or_default(),
        );
        // A gap lasts at most a few hours anywhere; walk forward to its end.
        for _ in 0..=(4 * 60) {
            match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
                LocalResult::None => local += Duration::minutes(1),
            }
        }
        Utc.from_utc_datetime(&local)
    }

    /// The working period of `date` (local), if it is a working day: `[opens, closes)`.
    pub fn period(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_working_day(date) {
            return None;
        }
        Some((
            self.instant(date, self.opens),
            self.instant(date, self.closes),
        ))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Whether specialists are at work at `at`.
    pub fn is_working(&self, at: DateTime<Utc>) -> bool {
        let d = self.local_date(at);
        // The day before matters only if a period could run past midnight; it cannot (closes
        // ≤ 24:00), but a period ending at 24:00 ends at the next day's first instant.
        [d.pred_opt(), Some(d)]
            .into_iter()
            .flatten()
            .filter_map(|d| self.period(d))
            .any(|(open, close)| open <= at && at < close)
    }

    /// The first instant at or after `at` at which a working period begins; `None` only if the
    /// holidays cover the next three years.
    pub fn next_opening(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut d = self.local_date(at);
        for _ in 0..SEARCH_DAYS {
            if let Some((open, _)) = self.period(d)
                && open >= at
            {
                return Some(open);
            }
            d = d.succ_opt()?;
        }
        None
    }

    /// When a non-urgent ticket filed at `at` is taken up: `at` itself in working hours, else
    /// the next opening.
    pub fn handled_from(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        if self.is_working(at) {
            at
        } else {
            self.next_opening(at).unwrap_or(at)
        }
    }

    /// Working time between `from` and `to`, in milliseconds (0 if `to` ≤ `from`).
    pub fn working_ms(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let last = self.local_date(to);
        let mut d = self.local_date(from).pred_opt().unwrap_or(last);
        while d <= last {
            if let Some((open, close)) = self.period(d) {
                let start = open.max(from);
                let end = close.min(to);
                if end > start {
                    total += (end - start).num_milliseconds();
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        total
    }

    /// How long a ticket waited between `from` and `to`: working time, or all of it for an
    /// urgent ticket (handled around the clock).
    pub fn waited_ms(&self, from: DateTime<Utc>, to: DateTime<Utc>, urgent: bool) -> i64 {
        if urgent {
            (to - from).num_milliseconds().max(0)
        } else {
            self.working_ms(from, to)
        }
    }

    /// What a customer filing a ticket on a topic (`urgent` or not) at `at` should expect.
    pub fn expectation(&self, topic_id: &str, urgent: bool, at: DateTime<Utc>) -> Expectation {
        let working_now = self.is_working(at);
        let handled_from = if urgent { at } else { self.handled_from(at) };
        let local = handled_from.with_timezone(&self.tz);
        let today = self.local_date(at);
        let date = local.date_naive();
        let days_ahead = (date - today).num_days();
        let day = match days_ahead {
            ..=0 => HandledDay::Today,
            1 => HandledDay::Tomorrow,
            2..=6 => HandledDay::Weekday,
            _ => HandledDay::Date,
        };
        let wait_ms = (handled_from - at).num_milliseconds().max(0);
        Expectation {
            topic_id: topic_id.to_owned(),
            urgent,
            working_now,
            at,
            handled_from,
            handled_now: handled_from <= at,
            local_time: local.format("%H:%M").to_string(),
            day,
            weekday: date.weekday().number_from_monday() as u8,
            date,
            wait_minutes: (wait_ms + 59_999) / 60_000,
        }
    }
}

/// Which day `handled_from` falls on, as the customer would say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum HandledDay {
    Today,
    Tomorrow,
    /// Within the coming week: say the weekday ("on Monday").
    Weekday,
    /// Further off (a long holiday run): say the date.
    Date,
}

/// `GET /expectation?topic_id=…`: what a customer filing on this topic now should expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Expectation {
    pub topic_id: String,
    /// The topic is handled around the clock (outages).
    pub urgent: bool,
    /// Specialists are at work at `at`.
    pub working_now: bool,
    /// The instant this expectation is for.
    pub at: DateTime<Utc>,
    /// When specialists take the ticket up: `at` for urgent topics and in working hours.
    pub handled_from: DateTime<Utc>,
    /// `handled_from` is `at`: taken up at once.
    pub handled_now: bool,
    /// `handled_from` as local wall-clock time in the calendar's zone, `HH:MM`.
    pub local_time: String,
    pub day: HandledDay,
    /// ISO weekday of `handled_from` (1 = Monday), for "from 08:00 on Monday".
    pub weekday: u8,
    /// Local date of `handled_from`, for "from 08:00 on 8 January".
    #[ts(as = "String")]
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Minutes from `at` to `handled_from`, rounded up ("in 9 h").
    pub wait_minutes: i64,
}

impl Expectation {
    /// "tomorrow from 08:00" / "завтра з 08:00" in `lang` (`uk` unless `en`).
    pub fn when_phrase(&self, lang: &str) -> String {
        let en = lang.starts_with("en");
        let t = &self.local_time;
        match (self.day, en) {
            (HandledDay::Today, false) => format!("сьогодні з {t}"),
            (HandledDay::Today, true) => format!("today from {t}"),
            (HandledDay::Tomorrow, false) => format!("завтра з {t}"),
            (HandledDay::Tomorrow, true) => format!("tomorrow from {t}"),
            (HandledDay::Weekday, false) => format!("{} з {t}", weekday_uk_on(self.weekday)),
            (HandledDay::Weekday, true) => format!("on {} from {t}", weekday_en(self.weekday)),
            (HandledDay::Date, false) => {
                format!(
                    "{} {} з {t}",
                    self.date.day(),
                    month_uk_gen(self.date.month())
                )
            }
            (HandledDay::Date, true) => format!(
                "on {} {} from {t}",
                self.date.day(),
                month_en(self.date.month())
            ),
        }
    }
}

/// "у понеділок", "у середу": the accusative a Ukrainian speaker uses for "on Monday".
fn weekday_uk_on(iso: u8) -> &'static str {
    match iso {
        1 => "у понеділок",
        2 => "у вівторок",
        3 => "у середу",
        4 => "у четвер",
        5 => "у п’ятницю",
        6 => "у суботу",
        _ => "у неділю",
    }
}

fn weekday_en(iso: u8) -> &'static str {
    let d = Weekday::try_from(iso.saturating_sub(1)).unwrap_or(Weekday::Sun);
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn month_uk_gen(m: u32) -> &'static str {
    const M: [&str; 12] = [
        "січня",
        "лютого",
        "березня",
        "квітня",
        "травня",
        "червня",
        "липня",
        "серпня",
        "вересня",
        "жовтня",
        "листопада",
        "грудня",
    ];
    M[(m.clamp(1, 12) - 1) as usize]
}

fn month_en(m: u32) -> &'static str {
    const M: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    M[(m.clamp(1, 12) - 1) as usize]
}

/// The automatic message a non-urgent ticket filed outside working hours gets, in `lang`.
pub fn after_hours_notice(e: &Expectation, lang: &str) -> String {
    let when = e.when_phrase(lang);
    if lang.starts_with("en") {
        format!(
            "We have received your ticket. It is outside working hours now: our specialists will \
             take it up {when}. If the dispatch program or telephony is down, report an outage — \
             we handle those around the clock."
        )
    } else {
        format!(
            "Ваше звернення прийнято. Зараз неробочий час: фахівці візьмуть його в роботу {when}. \
             Якщо не працює програма чи телефонія — повідомте про збій, такі проблеми ми \
             вирішуємо цілодобово."
        )
    }
}

/// How long a ticket has waited for support, in working time (staff only, on [`crate::Ticket`]).
/// The clock runs while the ticket is new or in progress — in working hours only, or around the
/// clock for urgent tickets — pauses while waiting for the customer and stops when resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct WaitClock {
    /// Waited time up to `since`, in milliseconds.
    pub accumulated_ms: i64,
    /// The clock runs from `since` on (the ticket is new or in progress).
    pub running: bool,
    /// When the clock last started or stopped.
    pub since: DateTime<Utc>,
}

impl WaitClock {
    /// The waited time at `now`: what was accumulated plus, if running, the working time since.
    pub fn waited_ms(&self, hours: &BusinessHours, urgent: bool, now: DateTime<Utc>) -> i64 {
        let running = if self.running {
            hours.waited_ms(self.since, now, urgent)
        } else {
            0
        };
        self.accumulated_ms + running
    }
}

/// Whether the waiting clock runs in `status`.
pub fn waiting_runs(status: crate::TicketStatus) -> bool {
    matches!(
        status,
        crate::TicketStatus::New | crate::TicketStatus::InProgress
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
