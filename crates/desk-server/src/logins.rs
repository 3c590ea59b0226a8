//! Failed sign-ins, counted per account: after `login_attempts` failures within
//! `login_window_secs`, the account's sign-ins are refused (429, `too_many_attempts`, with
//! `Retry-After`) until the oldest of those failures leaves the window. A successful sign-in
//! clears the count. Guessing a password this way takes years instead of hours, and a person
//! who mistyped a few times waits minutes at most.
//!
//! Kept in memory, per server process: a restart forgets the counts, which costs an attacker a
//! restart they cannot cause. Counted by the email as typed (trimmed, lowercased), whether or
//! not such an account exists, so the answer does not tell which emails are registered.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Accounts remembered at most; beyond it, those whose failures have all left the window go.
const MAX_TRACKED: usize = 100_000;

pub struct LoginGuard {
    attempts: usize,
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl LoginGuard {
    pub fn new(attempts: u32, window_secs: u64) -> Self {
        Self {
            attempts: attempts.max(1) as usize,
            window_ms: (window_secs.max(1) as i64).saturating_mul(1000),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `None` if `email` may try to sign in at `now_ms`, else the milliseconds until it may.
    pub fn wait_ms(&self, email: &str, now_ms: i64) -> Option<i64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let recent = map.get_mut(&key(email))?;
        while recent
            .front()
            .is_some_and(|t| *t <= now_ms - self.window_ms)
        {
            recent.pop_front();
        }
        (recent.len() >= self.attempts)
            .then(|| recent.front().map_or(0, |t| t + self.window_ms - now_ms))
    }

    pub fn failed(&self, email: &str, now_ms: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_TRACKED {
            let since = now_ms - self.window_ms;
            map.retain(|_, v| v.back().is_some_and(|t| *t > since));
        }
        let recent = map.entry(key(email)).or_default();
        recent.push_back(now_ms);
        while recent.len() > self.attempts {
            recent.pop_front();
        }
    }

    pub fn succeeded(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&key(email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_try_within_the_window_waits_for_the_oldest_failure_to_leave_it() {
        let g = LoginGuard::new(5, 900);
        let min = 60_000;
        for i in 0..5 {
            assert_eq!(g.wait_ms("Alice@A.example.com ", i * min), None);
            g.failed("alice@a.example.com", i * min);
        }
        // Failures at 0..4 min: refused until 15 min after the first.
        assert_eq!(g.wait_ms("alice@a.example.com", 5 * min), Some(10 * min));
        assert_eq!(g.wait_ms("ALICE@a.example.com", 14 * min), Some(min));
        // Another account is not held up.
        assert_eq!(g.wait_ms("bob@b.example.com", 5 * min), None);
        // At 15 min the first failure has left the window: one more try.
        assert_eq!(g.wait_ms("alice@a.example.com", 15 * min), None);
        g.failed("alice@a.example.com", 15 * min);
        assert_eq!(g.wait_ms("alice@a.example.com", 15 * min), Some(min));
        // A success forgets them all.
        g.succeeded("alice@a.example.com");
        assert_eq!(g.wait_ms("alice@a.example.com", 15 * min), None);
    }
}
