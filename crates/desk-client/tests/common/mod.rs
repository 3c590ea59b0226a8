//! Shared set-up for desk-client tests: a real desk-server (desk-testkit) and client cores
//! signed in to it, each with its own data dir.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use desk_client::{ClientEvent, Config, Desk, FileTokenStore};
use desk_testkit::PASSWORD;

pub struct Device {
    pub dir: tempfile::TempDir,
    pub config: Config,
}

impl Device {
    /// A device whose engine pulls only when poked or woken (no timer to hide a missing poke).
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let tokens = Arc::new(FileTokenStore::new(dir.path().join("tokens")));
        let mut config = Config::new(dir.path().join("app"), tokens);
        config.poll_interval = Duration::from_secs(3600);
        Self { dir, config }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub async fn sign_in(&self, base: &str, email: &str) -> Desk {
        Desk::sign_in(self.config.clone(), base, email, PASSWORD)
            .await
            .expect("sign in")
    }

    pub async fn resume(&self) -> Desk {
        Desk::resume(self.config.clone())
            .await
            .expect("resume")
            .expect("an account to resume")
    }
}

/// Waits (a hang guard, not a performance check) until `f` answers true.
pub async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..400 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Waits for the next event matching `pred` on `rx`.
pub async fn next_event(
    rx: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
    what: &str,
    pred: impl Fn(&ClientEvent) -> bool,
) -> ClientEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        match ev {
            Ok(e) if pred(&e) => return e,
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(e) => panic!("event channel closed: {e}"),
        }
    }
}

pub async fn idle(desk: &Desk) {
    let d = desk.clone();
    until("the outbox is empty", move || {
        let d = d.clone();
        async move { d.outbox().await.map(|o| o.is_empty()).unwrap_or(false) }
    })
    .await;
}

/// Waits for the next notification the core raises.
pub async fn next_notification(
    rx: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
    what: &str,
) -> desk_client::Notification {
    match next_event(rx, what, |e| matches!(e, ClientEvent::Notify { .. })).await {
        ClientEvent::Notify { notification } => notification,
        other => panic!("expected a notification, got {other:?}"),
    }
}

/// Waits until the first pull has brought the topics.
pub async fn topics_cached(desk: &Desk) {
    let d = desk.clone();
    until("topics are cached", move || {
        let d = d.clone();
        async move { !d.topics().await.unwrap().is_empty() }
    })
    .await;
}
