//! When the next message to a chat may go, under the Bot API's limits: about one message a
//! second in any one chat, 20 a minute in a group, 30 a second in all. Pure: the caller passes
//! the time in, so tests drive it with made-up instants and never sleep.
//!
//! Each limit is a sliding window ("at most N sends in any period P"), which is what Telegram's
//! flood control measures; a broadcast therefore comes out at 30 per second, not in bursts of
//! more. A 429's `retry_after` holds one chat (or every chat) until it has passed.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The limits, Telegram's by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sends to any one chat (private or group) per period.
    pub per_chat: (usize, Duration),
    /// Sends to one group per period, on top of `per_chat`.
    pub per_group: (usize, Duration),
    /// Sends in all per period.
    pub overall: (usize, Duration),
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_chat: (1, Duration::from_secs(1)),
            per_group: (20, Duration::from_secs(60)),
            overall: (30, Duration::from_secs(1)),
        }
    }
}

/// "At most `cap` in any `period`", remembering the last `cap` sends.
#[derive(Debug, Clone)]
struct Window {
    cap: usize,
    period: Duration,
    sent: VecDeque<Instant>,
}

impl Window {
    fn new((cap, period): (usize, Duration)) -> Self {
        Self {
            cap: cap.max(1),
            period,
            sent: VecDeque::new(),
        }
    }

    /// The earliest instant a send keeps the window within its cap.
    fn next(&self) -> Option<Instant> {
        (self.sent.len() >= self.cap).then(|| self.sent[self.sent.len() - self.cap] + self.period)
    }

    fn record(&mut self, at: Instant) {
        self.sent.push_back(at);
        while self.sent.len() > self.cap {
            self.sent.pop_front();
        }
    }

    fn idle(&self, now: Instant) -> bool {
        self.sent
            .back()
            .is_none_or(|last| *last + self.period <= now)
    }
}

#[derive(Debug, Clone)]
struct ChatPace {
    chat: Window,
    group: Option<Window>,
    hold_until: Option<Instant>,
}

/// The pacing state of one bot.
#[derive(Debug, Clone)]
pub struct Pacer {
    limits: Limits,
    overall: Window,
    hold_all_until: Option<Instant>,
    chats: HashMap<i64, ChatPace>,
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl Pacer {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            overall: Window::new(limits.overall),
            hold_all_until: None,
            chats: HashMap::new(),
        }
    }

    /// When a send to `chat` may go: `now` if it may go at once.
    pub fn next_send(&self, chat: i64, group: bool, now: Instant) -> Instant {
        let mut at = now;
        let mut later = |t: Option<Instant>| {
            if let Some(t) = t {
                at = at.max(t);
            }
        };
        later(self.overall.next());
        later(self.hold_all_until);
        if let Some(c) = self.chats.get(&chat) {
            later(c.chat.next());
            later(c.hold_until);
            if group {
                later(c.group.as_ref().and_then(Window::next));
            }
        }
        at
    }

    /// Records a send to `chat` at `now` if the limits allow it, else answers when to come back.
    pub fn try_send(&mut self, chat: i64, group: bool, now: Instant) -> Result<(), Instant> {
        let at = self.next_send(chat, group, now);
        if at > now {
            return Err(at);
        }
        self.record(chat, group, now);
        Ok(())
    }

    /// Records a send made at `at` (one that went without asking, or a retry).
    pub fn record(&mut self, chat: i64, group: bool, at: Instant) {
        self.overall.record(at);
        let limits = self.limits;
        let c = self.chats.entry(chat).or_insert_with(|| ChatPace {
            chat: Window::new(limits.per_chat),
            group: None,
            hold_until: None,
        });
        c.chat.record(at);
        if group {
            c.group
                .get_or_insert_with(|| Window::new(limits.per_group))
                .record(at);
        }
    }

    /// A 429 for `chat`: nothing more to it until `retry_after` has passed from `now`.
    pub fn hold_chat(&mut self, chat: i64, now: Instant, retry_after: Duration) {
        let limits = self.limits;
        let c = self.chats.entry(chat).or_insert_with(|| ChatPace {
            chat: Window::new(limits.per_chat),
            group: None,
            hold_until: None,
        });
        let until = now + retry_after;
        c.hold_until = Some(c.hold_until.map_or(until, |h| h.max(until)));
    }

    /// A 429 not tied to one chat: nothing to anyone until `retry_after` has passed.
    pub fn hold_all(&mut self, now: Instant, retry_after: Duration) {
        let until = now + retry_after;
        self.hold_all_until = Some(self.hold_all_until.map_or(until, |h| h.max(until)));
    }

    /// Forgets chats whose windows and holds have all passed, so memory follows the chats
    /// active in the last minute, not every chat ever written to.
    pub fn forget_idle(&mut self, now: Instant) {
        self.chats.retain(|_, c| {
            !(c.chat.idle(now)
                && c.group.as_ref().is_none_or(|g| g.idle(now))
                && c.hold_until.is_none_or(|h| h <= now))
        });
    }

    /// Chats the pacer currently remembers.
    pub fn tracked_chats(&self) -> usize {
        self.chats.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    /// Sends `n` messages as fast as the pacer allows, to the chats `chat_of(i)` names, and
    /// returns their send times relative to the start.
    fn drain(
        p: &mut Pacer,
        start: Instant,
        n: usize,
        chat_of: impl Fn(usize) -> (i64, bool),
    ) -> Vec<Duration> {
        let mut now = start;
        (0..n)
            .map(|i| {
                let (chat, group) = chat_of(i);
                now = p.next_send(chat, group, now);
                assert_eq!(p.try_send(chat, group, now), Ok(()));
                now - start
            })
            .collect()
    }

    /// The most sends inside any window of length `period` (closed at its start).
    fn most_in_any(times: &[Duration], period: Duration) -> usize {
        times
            .iter()
            .map(|t| {
                times
                    .iter()
                    .filter(|u| **u >= *t && **u < *t + period)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_broadcast_to_1000_chats_goes_at_30_a_second() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        let times = drain(&mut p, t0, 1000, |i| (i as i64 + 1, false));
        assert_eq!(most_in_any(&times, S), 30);
        let last = times.last().copied().unwrap_or_default();
        // 1,000 at 30/s: the last one goes at 33 s (the first 30 at once).
        assert_eq!(last, Duration::from_secs(33));
        p.forget_idle(t0 + last + S);
        assert_eq!(p.tracked_chats(), 0);
    }

    #[test]
    fn one_private_chat_gets_one_a_second() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        assert_eq!(p.try_send(7, false, t0), Ok(()));
        assert_eq!(p.try_send(7, false, t0 + S / 2), Err(t0 + S));
        assert_eq!(p.next_send(8, false, t0), t0, "another chat is not held up");
        let times = drain(&mut p, t0 + S, 5, |_| (7, false));
        // Relative to t0 + 1 s, when the first of them may go.
        assert_eq!(times, (0..5).map(|s| S * s).collect::<Vec<_>>());
    }

    #[test]
    fn a_group_gets_20_a_minute() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        let times = drain(&mut p, t0, 45, |_| (-100, true));
        assert_eq!(most_in_any(&times, 60 * S), 20);
        // 20 a second apart, then the 21st a minute after the first.
        assert_eq!(times[19], 19 * S);
        assert_eq!(times[20], 60 * S);
        assert_eq!(times[40], 120 * S);
    }

    #[test]
    fn retry_after_holds_the_chat_or_everyone() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        p.hold_chat(5, t0, 7 * S);
        assert_eq!(p.next_send(5, false, t0), t0 + 7 * S);
        assert_eq!(p.next_send(6, false, t0), t0);
        p.hold_all(t0, 3 * S);
        assert_eq!(p.next_send(6, false, t0), t0 + 3 * S);
        assert_eq!(p.next_send(5, false, t0), t0 + 7 * S);
        p.forget_idle(t0 + 5 * S);
        assert_eq!(p.tracked_chats(), 1, "a chat still on hold is remembered");
        p.forget_idle(t0 + 7 * S);
        assert_eq!(p.tracked_chats(), 0);
    }
}
