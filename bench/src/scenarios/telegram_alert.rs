//! The alert bot's share of `telegram`: a dispatcher's `/telephony …` to the alert bot timed until
//! the on-duty agent's real `desk_client::Desk` decides to ring (`ClientEvent::Notify`,
//! critical), the same for a chat nobody linked (an unverified report, paged from its request),
//! and an incident's resolution to 1,000 linked alert chats timed until the last
//! `sendMessage` reached the Bot API stand-in, with the server's memory before and after.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use desk_client::ClientEvent;
use desk_domain::{Incident, SetDuty};
use desk_testkit::bot_api::{BotApi, Sent, TgChat, TgUser};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use super::device::{self, Device};
use crate::client::{self, Api, Session};
use crate::server::{self as server, Server};
use crate::stats::{self, Summary, micros};

pub const SAMPLES: usize = 30;
const WARMUP: usize = 3;
/// A ring not decided by then counts as lost and ends the run.
const WAIT: Duration = Duration::from_secs(30);
/// Telegram lets a bot write to one chat about once a second; samples are spaced past that.
const SPACING: Duration = Duration::from_millis(1_200);

pub struct Figures {
    pub ring: Summary,
    /// The same for unverified reports from chats not linked.
    pub unverified_ring: Summary,
    pub broadcast_s: f64,
    pub broadcast: Vec<Sent>,
    pub chats_reached: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
}

/// Waits until the agent's client decides to ring for an outage report; answers when.
async fn rung(rx: &mut broadcast::Receiver<ClientEvent>) -> anyhow::Result<Instant> {
    loop {
        match rx.recv().await {
            Ok(ClientEvent::Notify { notification }) if notification.is_critical() => {
                return Ok(Instant::now());
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => bail!("the agent's event channel closed"),
        }
    }
}

/// The open incident of the agent's list, if there is one.
async fn open_incident(http: &Api, agent: &Session) -> anyhow::Result<Option<Incident>> {
    let list: Vec<Incident> = http
        .get_json(agent, "/api/v1/incidents?status=open")
        .await?;
    Ok(list.into_iter().next())
}

async fn resolve(http: &Api, agent: &Session, id: Uuid, body: &str) -> anyhow::Result<()> {
    let _: Incident = http
        .post_json(
            Some(agent),
            &format!("/api/v1/incidents/{id}/resolve"),
            &serde_json::json!({"id": Uuid::now_v7(), "body": body}),
        )
        .await
        .context("resolving the incident")?;
    Ok(())
}

async fn until(what: &str, wait: Duration, mut ok: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + wait;
    while !ok() {
        if Instant::now() > deadline {
            bail!("{what} did not happen within {wait:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// `lonely`: the one alert chat of a service with no other; `crowd`: the 1,000 alert chats of
/// another service, `reporter` one of them.
#[allow(clippy::too_many_arguments)]
pub async fn measure(
    srv: &Server,
    api: &BotApi,
    token: &str,
    alert_bot: &str,
    http: &Api,
    agent: &Session,
    lonely: (&TgChat, &TgUser),
    reporter: (&TgChat, &TgUser),
    crowd: usize,
) -> anyhow::Result<Figures> {
    let _: desk_domain::DutyAgent = http
        .put_json(agent, "/api/v1/duty", &SetDuty { on_duty: true })
        .await
        .context("putting the agent on duty")?;
    let dev = Device::new()?;
    let desk = dev.sign_in(&srv.base, client::AGENT_EMAIL).await?;
    device::synced(&desk, Duration::from_secs(60)).await?;
    let mut rx = desk.subscribe();

    eprintln!(
        "telegram: {SAMPLES} night reports through the alert bot, timed to the agent's ring…"
    );
    let (chat, user) = lonely;
    let mut lat = Vec::with_capacity(SAMPLES);
    for i in 0..WARMUP + SAMPLES {
        while !matches!(rx.try_recv(), Err(broadcast::error::TryRecvError::Empty)) {}
        let before = api.sent_to(chat.id).len();
        let pushed = Instant::now();
        api.push_text(
            token,
            chat,
            user,
            &format!("/telephony Не проходять дзвінки ({i})"),
        );
        let seen = tokio::time::timeout(WAIT, rung(&mut rx))
            .await
            .with_context(|| format!("report {i} did not ring within {WAIT:?}"))??;
        if i >= WARMUP {
            lat.push(micros(seen.saturating_duration_since(pushed)));
        }
        // The answer «Прийнято…», then the incident resolved so the next report pages again.
        until("the report's answer", WAIT, || {
            api.sent_to(chat.id).len() > before
        })
        .await?;
        let Some(incident) = open_incident(http, agent).await? else {
            bail!("report {i} opened no incident");
        };
        resolve(http, agent, incident.id, "Відновлено.").await?;
        until("the resolution's message", WAIT, || {
            api.sent_to(chat.id).len() > before + 1
        })
        .await?;
        tokio::time::sleep(SPACING).await;
    }
    eprintln!(
        "telegram: {SAMPLES} unverified reports from chats nobody linked, timed to the agent's ring…"
    );
    let mut unverified = Vec::with_capacity(SAMPLES);
    for i in 0..WARMUP + SAMPLES {
        while !matches!(rx.try_recv(), Err(broadcast::error::TryRecvError::Empty)) {}
        // A new chat each time: one request waits per chat, and only its first message pages.
        let stranger = TgUser::new(900_000 + i as i64, "Диспетчер");
        let chat = TgChat::private(&stranger);
        let pushed = Instant::now();
        api.push_text(
            token,
            &chat,
            &stranger,
            &format!("Ластівка: не проходять дзвінки ({i})"),
        );
        let seen = tokio::time::timeout(WAIT, rung(&mut rx))
            .await
            .with_context(|| format!("unverified report {i} did not ring within {WAIT:?}"))??;
        if i >= WARMUP {
            unverified.push(micros(seen.saturating_duration_since(pushed)));
        }
        // Dismissed, so nothing re-pages during the rest of the run.
        let waiting: Vec<desk_domain::TelegramRequest> =
            http.get_json(agent, "/api/v1/telegram/requests").await?;
        for r in waiting {
            let _: desk_domain::TelegramRequest = http
                .post_json(
                    Some(agent),
                    &format!("/api/v1/telegram/requests/{}/dismiss", r.id),
                    &serde_json::json!({}),
                )
                .await
                .context("dismissing the unverified report")?;
        }
    }
    desk.close().await;

    eprintln!("telegram: one resolution to {crowd} linked alert chats…");
    let (chat, user) = reporter;
    let before = api.sent_to(chat.id).len();
    api.push_text(token, chat, user, "/program Не відкривається програма");
    until("the crowd's report", WAIT, || {
        api.sent_to(chat.id).len() > before
    })
    .await?;
    let Some(incident) = open_incident(http, agent).await? else {
        bail!("the crowd's report opened no incident");
    };
    tokio::time::sleep(SPACING).await;
    let pid = srv.pid()?;
    let rss_before_kib = server::memory(pid)?.rss_kib;
    // The support bot also tells the service's support chats of the resolution (its message
    // on the report); Telegram's limits are per bot, so only the alert bot's sends count here.
    let alert_sent = || -> Vec<Sent> {
        api.sent()
            .into_iter()
            .filter(|s| s.bot == alert_bot)
            .collect()
    };
    let sent_before = alert_sent().len();
    let started = Instant::now();
    resolve(
        http,
        agent,
        incident.id,
        "Програма знову працює, перевірте, будь ласка.",
    )
    .await?;
    until(
        "the resolution to every chat",
        Duration::from_secs(120),
        || alert_sent().len() >= sent_before + crowd,
    )
    .await?;
    let broadcast_s = started.elapsed().as_secs_f64();
    let broadcast: Vec<Sent> = alert_sent()[sent_before..].to_vec();
    let chats_reached = broadcast
        .iter()
        .map(|s| s.chat_id)
        .collect::<HashSet<_>>()
        .len();
    // Whatever the broadcast held is given back once it is sent.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after_kib = server::memory(pid)?.rss_kib;
    Ok(Figures {
        ring: stats::summarize(&lat),
        unverified_ring: stats::summarize(&unverified),
        broadcast_s,
        broadcast,
        chats_reached,
        rss_before_kib,
        rss_after_kib,
    })
}
