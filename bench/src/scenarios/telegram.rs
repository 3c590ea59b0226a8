//! `telegram`: the bridge in the real release server against the Bot API stand-in on
//! 127.0.0.1. One taxi service links 1,000 chats to the support bot (each `/start` greeted);
//! then one specialist's reply on its ticket goes to all 1,000 — a broadcast the bridge must
//! pace to Telegram's 30 messages/s instead of drawing 429s. Another service has one linked
//! chat: its specialist's replies are timed from the reply's 2xx until the stand-in received
//! the `sendMessage`, with the 1,000 other chats linked. The server's memory is sampled
//! throughout.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use desk_domain::LinkCode;
use desk_testkit::bot_api::{BotApi, Sent, TgChat, TgUser};
use uuid::Uuid;

use super::device;
use crate::client::{self, Api};
use crate::report::{Report, Target};
use crate::server::{RssSampler, Server};
use crate::stats::{self, micros};

const CHATS: usize = 1_000;
const BOTS: [&str; 2] = ["desk_bench_support_bot", "desk_bench_alert_bot"];
const SAMPLES: usize = 50;
/// Telegram lets a bot write to one chat about once a second: replies to the timed chat are
/// spaced so that the pacing is not what is measured.
const SPACING: Duration = Duration::from_millis(1_200);
const TARGET_P95_MS: f64 = 1_000.0;
/// What Telegram allows a bot in all.
const OVERALL_PER_S: usize = 30;
/// A wait past this means something was lost.
const WAIT: Duration = Duration::from_secs(120);

/// Waits until the stand-in has received `n` messages in all.
async fn until_sent(api: &BotApi, n: usize, wait: Duration) -> anyhow::Result<Vec<Sent>> {
    let deadline = Instant::now() + wait;
    loop {
        let sent = api.sent();
        if sent.len() >= n {
            return Ok(sent);
        }
        if Instant::now() > deadline {
            bail!(
                "the stand-in received {} of {n} messages within {wait:?}",
                sent.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Most messages that arrived within any one second.
fn busiest_second(sent: &[Sent]) -> usize {
    let mut at: Vec<Instant> = sent.iter().map(|s| s.at).collect();
    at.sort();
    let mut best = 0;
    let mut start = 0;
    for end in 0..at.len() {
        while at[end].duration_since(at[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

pub async fn run(bin: &Path) -> anyhow::Result<Report> {
    let load_before = device::loadavg();
    let api = BotApi::start().await?;
    let token = api.add_bot("desk_bench_support_bot");
    let alert = api.add_bot("desk_bench_alert_bot");
    let mut srv = Server::new(
        bin,
        &[
            ("DESK_TELEGRAM__API_URL", &api.url),
            ("DESK_TELEGRAM__SUPPORT_BOT_TOKEN", &token),
            ("DESK_TELEGRAM__ALERT_BOT_TOKEN", &alert),
        ],
    )?;
    client::create_accounts(&srv, 2, 1).await?;
    srv.start().await?;
    let rss = RssSampler::start(srv.pid()?, Duration::from_millis(200));
    let http = Api::new(&srv.base)?;
    let cast = client::sign_in(&http, 2, 1).await?;
    let (big, small) = (&cast.customers[0], &cast.customers[1]);

    eprintln!(
        "telegram: linking {CHATS} chats to one service, and one to another, with both bots…"
    );
    let code = |s: &client::Session| {
        let (http, s) = (http.clone(), s.clone());
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                match http
                    .post_json::<_, LinkCode>(Some(&s), "/api/v1/telegram/link-codes", &())
                    .await
                {
                    Ok(c) => return Ok::<_, anyhow::Error>(c.code),
                    // The bot's name is not known until its getMe answered.
                    Err(_) if Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => return Err(e.context("no link code")),
                }
            }
        }
    };
    let link_started = Instant::now();
    for i in 0..CHATS {
        let user = TgUser::new(100_000 + i as i64, "Диспетчер");
        let c = code(big).await?;
        // One code links the chat with each bot once.
        for bot in [&token, &alert] {
            api.push_text(bot, &TgChat::private(&user), &user, &format!("/start {c}"));
        }
    }
    let lonely = TgUser::new(99, "Олена");
    let lonely_chat = TgChat::private(&lonely);
    let c = code(small).await?;
    for bot in [&token, &alert] {
        api.push_text(bot, &lonely_chat, &lonely, &format!("/start {c}"));
    }
    let greeted = until_sent(&api, 2 * (CHATS + 1), WAIT).await?;
    let greet_s = link_started.elapsed().as_secs_f64();
    let greet_busiest = BOTS
        .iter()
        .map(|b| {
            let of_bot: Vec<Sent> = greeted.iter().filter(|s| s.bot == *b).cloned().collect();
            busiest_second(&of_bot)
        })
        .max()
        .unwrap_or(0);

    eprintln!("telegram: one reply to all {CHATS} chats of the first service…");
    let big_ticket = http
        .create_ticket(
            big,
            Uuid::now_v7(),
            "Не приходять замовлення".into(),
            "З 02:00".into(),
        )
        .await?
        .id;
    let before = api.sent().len();
    let broadcast_started = Instant::now();
    http.reply(
        &cast.agent,
        big_ticket,
        "Сервер перезапущено, замовлення знову надходять.",
    )
    .await?;
    let all = until_sent(&api, before + CHATS, WAIT).await?;
    let broadcast_s = broadcast_started.elapsed().as_secs_f64();
    let broadcast = &all[before..];
    let broadcast_busiest = busiest_second(broadcast);
    let chats_reached: std::collections::HashSet<i64> =
        broadcast.iter().map(|s| s.chat_id).collect();

    eprintln!("telegram: {SAMPLES} replies to the other service's one chat, timed…");
    let small_ticket = http
        .create_ticket(small, Uuid::now_v7(), "Чеки".into(), "Не друкуються".into())
        .await?
        .id;
    let mut lat = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let n = api.sent_to(lonely_chat.id).len();
        http.reply(
            &cast.agent,
            small_ticket,
            &format!("Перевірили, все гаразд ({i})."),
        )
        .await
        .context("the specialist's reply")?;
        let committed = Instant::now();
        let deadline = committed + Duration::from_secs(10);
        let got = loop {
            if let Some(s) = api.sent_to(lonely_chat.id).get(n) {
                break s.at;
            }
            if Instant::now() > deadline {
                bail!("reply {i} did not reach the chat within 10 s");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        lat.push(micros(got.saturating_duration_since(committed)));
        tokio::time::sleep(SPACING).await;
    }
    let first_crowd_user = TgUser::new(100_000, "Диспетчер");
    let night = super::telegram_alert::measure(
        &srv,
        &api,
        &alert,
        BOTS[1],
        &http,
        &cast.agent,
        (&lonely_chat, &lonely),
        (&TgChat::private(&first_crowd_user), &first_crowd_user),
        CHATS,
    )
    .await?;
    let (peak_rss, samples) = rss.finish().await?;
    let load_after = device::loadavg();
    let s = stats::summarize(&lat);

    let mut r = Report::new("telegram");
    r.figure(
        "reply committed → sendMessage at the Bot API p50",
        s.p50_ms,
        "ms",
        None,
    );
    r.figure(
        "reply committed → sendMessage at the Bot API p95",
        s.p95_ms,
        "ms",
        Some(Target::AtMost(TARGET_P95_MS)),
    );
    r.figure(
        "reply committed → sendMessage at the Bot API max",
        s.max_ms,
        "ms",
        None,
    );
    r.figure(
        &format!("one reply to {CHATS} linked chats, all delivered"),
        broadcast_s,
        "s",
        Some(Target::AtMost(CHATS as f64 / OVERALL_PER_S as f64 + 4.0)),
    );
    r.figure(
        "busiest second of the broadcast",
        broadcast_busiest as f64,
        "messages",
        Some(Target::AtMost(OVERALL_PER_S as f64)),
    );
    let ring = "alert-bot message → on-duty agent's client decided to ring";
    r.figure(&format!("{ring} p50"), night.ring.p50_ms, "ms", None);
    r.figure(
        &format!("{ring} p95"),
        night.ring.p95_ms,
        "ms",
        Some(Target::AtMost(TARGET_P95_MS)),
    );
    r.figure(&format!("{ring} max"), night.ring.max_ms, "ms", None);
    let unverified = "unlinked chat's alert-bot message → on-duty agent's client decided to ring";
    r.figure(
        &format!("{unverified} p50"),
        night.unverified_ring.p50_ms,
        "ms",
        None,
    );
    r.figure(
        &format!("{unverified} p95"),
        night.unverified_ring.p95_ms,
        "ms",
        Some(Target::AtMost(TARGET_P95_MS)),
    );
    r.figure(
        &format!("one resolution to {CHATS} linked alert chats, all delivered"),
        night.broadcast_s,
        "s",
        Some(Target::AtMost(CHATS as f64 / OVERALL_PER_S as f64 + 4.0)),
    );
    r.figure(
        "busiest second of the resolution",
        busiest_second(&night.broadcast) as f64,
        "messages",
        Some(Target::AtMost(OVERALL_PER_S as f64)),
    );
    r.figure(
        "server RSS before the resolution broadcast",
        night.rss_before_kib as f64 / 1024.0,
        "MiB",
        None,
    );
    r.figure(
        "server RSS 2 s after it",
        night.rss_after_kib as f64 / 1024.0,
        "MiB",
        None,
    );
    r.check(
        "the resolution reached every alert chat once",
        night.chats_reached == CHATS && night.broadcast.len() == CHATS,
        format!(
            "{} messages to {} distinct chats",
            night.broadcast.len(),
            night.chats_reached
        ),
    );
    r.figure(
        &format!(
            "{} greetings after /start (both bots), all delivered",
            2 * (CHATS + 1)
        ),
        greet_s,
        "s",
        None,
    );
    r.figure("server peak RSS", peak_rss as f64 / 1024.0, "MiB", None);
    r.check(
        "the broadcast reached every chat once",
        chats_reached.len() == CHATS && broadcast.len() == CHATS,
        format!(
            "{} messages to {} distinct chats",
            broadcast.len(),
            chats_reached.len()
        ),
    );
    r.check(
        "greetings paced too",
        greet_busiest <= OVERALL_PER_S,
        format!("busiest second of the greetings: {greet_busiest} messages"),
    );
    r.note(format!(
        "the release server with the bridge polling the Bot API stand-in (desk_testkit::bot_api) \
         on 127.0.0.1; {CHATS} private chats linked to one service by /start with a fresh code \
         each, one to another; the broadcast is one specialist's reply on the first service's \
         ticket, timed from the reply's 2xx to the last sendMessage received; {SAMPLES} replies \
         to the second service's chat timed one at a time from their 2xx, {} ms apart (Telegram's \
         one message per second per chat); server RSS sampled \
         every 200 ms ({samples} samples); the stand-in answers at once and never refuses, so \
         the pacing is the bridge's own",
        SPACING.as_millis()
    ));
    r.note(format!(
        "the alert bot: {} reports from the second service's chat as `/telephony …`, each timed \
         from the update handed to the stand-in (the bridge long-polls it) until the on-duty \
         agent's real desk_client::Desk raised a critical ClientEvent::Notify, each incident \
         resolved before the next; {} messages from chats nobody linked timed the same way (each \
         a new chat, its request dismissed after the ring); then one report from the first service and its resolution \
         to that service's {CHATS} linked alert chats, timed from the resolve's 2xx to the last \
         sendMessage received",
        super::telegram_alert::SAMPLES,
        super::telegram_alert::SAMPLES
    ));
    r.detail("latency", s);
    r.detail("ring_latency", night.ring);
    r.detail("unverified_ring_latency", night.unverified_ring);
    r.detail("load_before", load_before);
    r.detail("load_after", load_after);
    drop(srv);
    Ok(r)
}
