//! The desktop app measured (issue 4, "Measured"): cold start to the ticket list painted and the
//! app's peak memory with 10k tickets cached, and the size of the binary it was given. Prints
//! its figures and writes them to bench/results/app.json. Not a timed test: it asserts nothing
//! about the figures, only that the scenario ran.
//!
//! Runs only with DESK_MEASURE=1, under Xvfb and a session D-Bus (scripts/bench.sh app sets it
//! all up and builds the release binary). What it does:
//!
//! 1. A real desk-server (desk-testkit, in this process) gets 10k tickets filed by one
//!    customer over HTTP, the newest 20 with a few replies each.
//! 2. Prepare: the app (DESK_MEASURE_APP, the release binary) starts through WebDriver on an
//!    empty data dir, signs in (DESK_SIGN_IN_*) and syncs; the session closes (the app exits)
//!    once its cache holds every ticket.
//! 3. Cold starts: the app starts again on that data dir, signed in from its token file, and
//!    reads the list from its cache. Measured: from the process's start (its start time in
//!    /proc/PID/stat, 10 ms ticks) to the UI's `desk:list-painted` mark (set in the frame after
//!    the first list's rows reach the DOM; ui/src/lib/tickets/painted.ts), both wall-clock.
//!    Also: WebDriver's new-session request to WebDriver seeing the rows.
//! 4. Memory, during the last cold start and what follows: scroll the list to the bottom and
//!    back, open 20 tickets one after another (each back to the list). Every 50 ms the RSS
//!    (/proc/PID/status VmRSS) and PSS (/proc/PID/smaps_rollup) of the app's process and all its
//!    descendants (WebKitWebProcess, WebKitNetworkProcess, …) are summed; peaks are reported.
//! 5. Size: the binary's bytes, stripped (`strip` on a copy), and the .deb if DESK_MEASURE_DEB
//!    names one.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod footprint;
mod harness;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use desk_testkit::{Cast, Session};
use fantoccini::Client;
use harness::{
    Ports, app_pid, click, close_app, connect, css, descendants, failure_shot, guarded, processes,
    start_driver, wait, wait_text,
};
use serde_json::{Value, json};

const PORTS: Ports = Ports {
    driver: 4454,
    native: 4455,
};
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
const OPEN_TICKETS: usize = 20;
const REPLIES_PER_OPENED: usize = 4;
const SEED_CONCURRENCY: usize = 16;
const COLD_TARGET_S: f64 = 1.0;
const MEMORY_TARGET_MB: f64 = 350.0;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_desktop_app() {
    if std::env::var_os("DESK_MEASURE").is_none() {
        eprintln!("app measurement skipped: set DESK_MEASURE=1 (scripts/bench.sh app does)");
        return;
    }
    // Relative paths are from the workspace root (cargo runs tests in src-tauri/).
    let app = workspace().join(
        std::env::var("DESK_MEASURE_APP").unwrap_or_else(|_| "target/release/desk-app".into()),
    );
    assert!(app.exists(), "no app binary at {}", app.display());
    let app = std::fs::canonicalize(&app).unwrap();
    let tickets: usize = env_or("DESK_MEASURE_TICKETS", 10_000);
    let runs: usize = env_or("DESK_MEASURE_RUNS", 5).max(1);
    let out = workspace().join(
        std::env::var("DESK_MEASURE_OUT").unwrap_or_else(|_| "bench/results/app.json".into()),
    );
    let load_before = loadavg();

    let cast = Cast::new().await.unwrap();
    eprintln!("measure: filing {tickets} tickets…");
    let seeded = Instant::now();
    let newest = seed(&cast, tickets).await;
    let seed_s = seeded.elapsed().as_secs_f64();
    eprintln!("measure: filed in {seed_s:.1} s");

    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("app-data");
    let base = cast.server.base.clone();
    let mut driver = start_driver(
        PORTS,
        &data,
        work.path(),
        &[
            ("DESK_SIGN_IN_SERVER", &base),
            ("DESK_SIGN_IN_EMAIL", "alice@a.example.com"),
            ("DESK_SIGN_IN_PASSWORD", desk_testkit::PASSWORD),
        ],
    );
    let driver_pid = driver.0.id();
    let app_s = app.to_string_lossy().into_owned();

    // Prepare: sign in and sync everything, then quit.
    eprintln!("measure: first start signs in and syncs {tickets} tickets…");
    let c = connect(PORTS, &app_s).await;
    let synced = Instant::now();
    let prepared = guarded(&c, &mut driver, prepare(c.clone(), tickets)).await;
    let sync_s = synced.elapsed().as_secs_f64();
    close_app(c, &driver).await;
    let cache_bytes = dir_bytes(&data);
    // DESK_MEASURE_KEEP_DATA=DIR: a copy of the app's data with the 10k tickets cached, to start
    // the app by hand on (DESK_APP_DATA_DIR=DIR DESK_TOKEN_STORE=file DESK_LOG=debug).
    if let Ok(keep) = std::env::var("DESK_MEASURE_KEEP_DATA") {
        let _ = std::process::Command::new("cp")
            .arg("-a")
            .arg(&data)
            .arg(&keep)
            .status();
    }
    eprintln!(
        "measure: {prepared} tickets cached in {sync_s:.1} s ({:.1} MB on disk)",
        cache_bytes as f64 / 1e6
    );

    // Cold starts; the last one goes on to the memory scenario.
    let mut starts = Vec::new();
    let mut memory = None;
    for run in 1..=runs {
        let last = run == runs;
        let sampler = last.then(|| Sampler::start(driver_pid));
        let requested = epoch_ms();
        let c = connect(PORTS, &app_s).await;
        let r = guarded(
            &c,
            &mut driver,
            cold_start(c.clone(), driver_pid, requested),
        )
        .await;
        eprintln!(
            "measure: cold start {run}/{runs}: spawn → list painted {:.0} ms (page {:.0} ms; \
             session request → rows seen {:.0} ms; {} rows)",
            r.spawn_to_painted_ms, r.page_ms, r.request_to_seen_ms, r.rows
        );
        starts.push(r);
        if let Some(sampler) = sampler {
            let phases = sampler.phases.clone();
            let scenario = guarded(
                &c,
                &mut driver,
                after_start(c.clone(), newest.clone(), phases),
            )
            .await;
            memory = Some((sampler.finish(), scenario));
        }
        close_app(c, &driver).await;
    }
    driver.terminate();
    let (memory, scenario) = memory.unwrap();
    let floor = baseline().await;
    let load_after = loadavg();

    let size = sizes(&app);
    let report = report(Report {
        app: &app,
        tickets,
        prepared,
        seed_s,
        sync_s,
        cache_bytes,
        starts: &starts,
        memory: &memory,
        floor,
        scenario,
        size,
        load_before,
        load_after,
    });
    print_report(&report);
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap() + "\n").unwrap();
    eprintln!("measure: written to {}", out.display());
}

const SUBJECTS: &[&str] = &[
    "Не проходять вхідні дзвінки",
    "Водій не бачить замовлень в ефірі",
    "Звіт по змінах диспетчерів не формується",
    "Додати тариф «Аеропорт Бориспіль»",
    "Карта не знаходить адресу на Троєщині",
    "Застосунок водія вилітає після оновлення",
    "Подвійне списання за поїздку",
    "Нова диспетчерка не може увійти",
];
const TOPICS: &[&str] = &[
    "telephony-down",
    "orders-dispatching",
    "reports",
    "tariffs",
    "maps-addresses",
    "drivers-app",
    "billing",
    "users-access",
];

/// Files `n` tickets as alice (organisation A), `SEED_CONCURRENCY` at a time; the newest
/// `OPEN_TICKETS` get replies from the agent and alice. Answers those newest ids, newest first.
async fn seed(cast: &Cast, n: usize) -> Vec<String> {
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..SEED_CONCURRENCY {
        let s = cast.alice.clone();
        tasks.spawn(async move {
            let mut i = w;
            while i < n {
                let k = i % SUBJECTS.len();
                let subject = format!("{} (точка {})", SUBJECTS[k], i + 1);
                let body = format!(
                    "Зміна {}: {}. Перевірили з'єднання, перезапустили програму диспетчера, \
                     проблема лишається. Скріншот і журнал додамо, якщо треба.",
                    i % 7 + 1,
                    SUBJECTS[(k + 3) % SUBJECTS.len()]
                );
                s.create_ticket(TOPICS[k], &subject, &body).await.unwrap();
                i += SEED_CONCURRENCY;
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    // Newest first, as the list shows them.
    let page: Value = cast
        .alice
        .get_json(&format!("/api/v1/tickets?status=all&limit={OPEN_TICKETS}"))
        .await
        .unwrap();
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), OPEN_TICKETS.min(n));
    for id in &ids {
        converse(&cast.agent, &cast.alice, id).await;
    }
    // Dispatch offices send photos of screens and phone screenshots: every fifth opened ticket
    // gets a 12-megapixel photo (4000×3000 JPEG) and a phone screenshot (1080×2400 PNG).
    let photo = picture("jpeg", 4000, 3000);
    let screen = picture("png", 1080, 2400);
    for id in ids.iter().step_by(5) {
        let mut files = Vec::new();
        for (name, bytes) in [("фото-екрана.jpg", &photo), ("скріншот.png", &screen)]
        {
            let a: desk_domain::Attachment = cast
                .alice
                .upload(name, bytes.clone())
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            files.push(a.id);
        }
        let _: desk_domain::Message = cast
            .alice
            .post_json(
                &format!("/api/v1/tickets/{id}/messages"),
                &json!({"id": uuid::Uuid::now_v7(), "body": "Фото екрана і скріншот з телефона водія", "attachment_ids": files}),
            )
            .await
            .unwrap();
    }
    ids
}

/// A `w`×`h` picture encoded as `kind` (jpeg or png): a gradient, so it does not compress to
/// nothing, decoded by WebKit at whatever size it is served.
fn picture(kind: &str, w: i32, h: i32) -> Vec<u8> {
    let p = gdk_pixbuf::Pixbuf::new(gdk_pixbuf::Colorspace::Rgb, false, 8, w, h).unwrap();
    let stride = p.rowstride() as usize;
    let mut bytes = vec![0u8; stride * h as usize];
    for y in 0..h as usize {
        for x in 0..w as usize {
            let o = y * stride + x * 3;
            bytes[o] = (x * 255 / w as usize) as u8;
            bytes[o + 1] = (y * 255 / h as usize) as u8;
            bytes[o + 2] = ((x + y) % 256) as u8;
        }
    }
    let p = gdk_pixbuf::Pixbuf::from_mut_slice(
        bytes,
        gdk_pixbuf::Colorspace::Rgb,
        false,
        8,
        w,
        h,
        stride as i32,
    );
    p.save_to_bufferv(kind, &[]).unwrap()
}

async fn converse(agent: &Session, alice: &Session, id: &str) {
    let id = id.parse().unwrap();
    for r in 0..REPLIES_PER_OPENED {
        let (who, text) = if r % 2 == 0 {
            (
                agent,
                "Дякуємо, бачимо проблему. Перевірте, будь ласка, чи оновлено програму диспетчера \
                 до останньої версії, і надішліть журнал за останню годину.",
            )
        } else {
            (
                alice,
                "Оновили, журнал додаємо. Після перезапуску працює, але за пів години знову те саме.",
            )
        };
        who.reply(id, text, false).await.unwrap();
    }
}

/// The first start: waits until the app has signed in and its cache holds every ticket.
async fn prepare(c: Client, tickets: usize) -> usize {
    wait(&c, "[data-testid=status-bar]").await;
    let started = Instant::now();
    loop {
        let state = c
            .execute(
                "return window.__TAURI_INTERNALS__.invoke('sync_state')",
                vec![],
            )
            .await
            .unwrap_or(Value::Null);
        let done = state["last_synced"].is_string() && state["syncing"] == json!(false);
        if done {
            let items = c
                .execute(
                    "return window.__TAURI_INTERNALS__.invoke('tickets', {query: {status: null, \
                     topic_id: null, organization_id: null, assignee_id: null, unassigned: false, \
                     urgent_first: false, offset: 0, limit: arguments[0]}}).then(r => r.length)",
                    vec![json!(tickets + 1000)],
                )
                .await
                .unwrap();
            let n = items.as_u64().unwrap_or(0) as usize;
            if n >= tickets {
                return n;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the first sync did not finish in 10 minutes: {state}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[derive(Clone, Debug)]
struct Start {
    spawn_to_painted_ms: f64,
    page_ms: f64,
    request_to_seen_ms: f64,
    rows: u64,
    /// Spawn → the page's navigation start (process, GTK and WebKit start-up).
    spawn_to_page_ms: f64,
    /// In the page, ms from navigation start: scripts run (domInteractive), DOMContentLoaded
    /// done, the list's data back from the core (desk:list-data).
    dom_interactive_ms: f64,
    dom_loaded_ms: f64,
    list_data_ms: f64,
    /// After the paint, the same core calls again, warm: the list's query (200 open tickets,
    /// as the UI asks) and the other calls the UI makes before it.
    warm_tickets_ms: f64,
    warm_startup_calls_ms: f64,
}

/// Polls (every 10 ms) until the rows are in the DOM and the paint mark is set.
async fn cold_start(c: Client, driver_pid: u32, requested: f64) -> Start {
    let started = Instant::now();
    let mut seen = None;
    loop {
        let v = c
            .execute(
                "const d = document.documentElement.dataset; return [document.querySelectorAll('[data-testid=ticket-row]').length, d.listPainted || null, d.listPaintedMs || null]",
                vec![],
            )
            .await
            .unwrap_or(Value::Null);
        let rows = v[0].as_u64().unwrap_or(0);
        if rows > 0 && seen.is_none() {
            seen = Some(epoch_ms());
        }
        if let (Some(seen), Some(painted), Some(page)) = (seen, v[1].as_str(), v[2].as_str()) {
            let painted: f64 = painted.parse().unwrap();
            let page: f64 = page.parse().unwrap();
            let pid = app_pid(driver_pid).expect("the app's process");
            let spawned = process_start_epoch_ms(pid);
            let t = c
                .execute(
                    "const n = performance.getEntriesByType('navigation')[0] || {}; const d = performance.getEntriesByName('desk:list-data')[0]; return [n.domInteractive || 0, n.domContentLoadedEventEnd || 0, d ? d.startTime : 0]",
                    vec![],
                )
                .await
                .unwrap_or(Value::Null);
            let at = |i: usize| t[i].as_f64().unwrap_or(0.0);
            let warm = c
                .execute_async(
                    r#"const done = arguments[arguments.length - 1];
                    const invoke = window.__TAURI_INTERNALS__.invoke;
                    (async () => {
                      let t = performance.now();
                      await invoke('tickets', {query: {status: 'open', topic_id: null, organization_id: null, assignee_id: null, unassigned: false, urgent_first: false, offset: 0, limit: 200}});
                      const tickets = performance.now() - t;
                      t = performance.now();
                      await invoke('resume');
                      await invoke('preferences');
                      await Promise.all([invoke('sync_state'), invoke('topics')]);
                      done([tickets, performance.now() - t]);
                    })().catch(() => done([0, 0]));"#,
                    vec![],
                )
                .await
                .unwrap_or(Value::Null);
            return Start {
                spawn_to_painted_ms: painted - spawned,
                page_ms: page,
                request_to_seen_ms: seen - requested,
                rows,
                spawn_to_page_ms: painted - page - spawned,
                dom_interactive_ms: at(0),
                dom_loaded_ms: at(1),
                list_data_ms: at(2),
                warm_tickets_ms: warm[0].as_f64().unwrap_or(0.0),
                warm_startup_calls_ms: warm[1].as_f64().unwrap_or(0.0),
            };
        }
        if started.elapsed() > Duration::from_secs(60) {
            failure_shot(&c).await;
            panic!("the list was not painted within 60 s: {v}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Scrolls the list to the bottom and back, then opens `ids` one after another.
async fn after_start(c: Client, ids: Vec<String>, phases: Arc<Mutex<String>>) -> Value {
    let phase = |p: &str| *phases.lock().unwrap() = p.to_owned();
    phase("scroll");
    let scrolled = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const list = document.querySelector('[data-testid=ticket-list] ul');
            let frames = 0;
            const step = (down) => {
              frames++;
              if (down) {
                list.scrollTop += list.clientHeight / 2;
                if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) return requestAnimationFrame(() => step(false));
              } else {
                list.scrollTop -= list.clientHeight / 2;
                if (list.scrollTop <= 0) return done([frames, list.scrollHeight, document.querySelectorAll('[data-testid=ticket-row]').length]);
              }
              requestAnimationFrame(() => step(down));
            };
            step(true);"#,
            vec![],
        )
        .await
        .unwrap();
    phase("open tickets");
    let opening = Instant::now();
    let rounds: usize = env_or("DESK_MEASURE_OPEN_ROUNDS", 1).max(1);
    for id in ids.iter().cycle().take(ids.len() * rounds) {
        click(
            &c,
            &format!("[data-testid=ticket-row][data-ticket-id='{id}']"),
        )
        .await;
        wait(&c, "[data-testid=ticket-view]").await;
        wait_text(&c, "[data-testid=conversation]", "журнал за останню годину").await;
        // Its pictures, if it has any, loaded and decoded (or dropped as failed).
        let images = "return [...document.querySelectorAll('[data-testid=attachment]')].every(a => \
             !a.dataset.filename.match(/\\.(jpg|png)$/) || \
             [...a.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0))";
        for _ in 0..500 {
            if c.execute(images, vec![])
                .await
                .ok()
                .and_then(|v| v.as_bool())
                == Some(true)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        click(&c, "[data-testid=nav-tickets]").await;
        wait(&c, "[data-testid=ticket-row]").await;
    }
    let open_s = opening.elapsed().as_secs_f64();
    phase("settle");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rows = c
        .find_all(css("[data-testid=ticket-row]"))
        .await
        .map(|r| r.len())
        .unwrap_or(0);
    json!({
        "scroll_frames": scrolled[0],
        "list_scroll_height_px": scrolled[1],
        "rows_in_dom": rows,
        "tickets_opened": ids.len() * rounds,
        "open_tickets_seconds": open_s,
    })
}

// ---------------------------------------------------------------------------------------------
// Processes

/// When the process started, ms since the Unix epoch (10 ms resolution: clock ticks).
fn process_start_epoch_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    // Field 22 (starttime) is the 20th after the comm's closing parenthesis.
    let ticks: f64 = after.split(' ').nth(19).unwrap().parse().unwrap();
    let ticks_per_s = clock_ticks();
    // Boot time in the same clock as the epoch, from "now" and the uptime read together.
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let booted = epoch_ms() - uptime * 1000.0;
    booted + ticks / ticks_per_s * 1000.0
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn kb_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

// ---------------------------------------------------------------------------------------------
// Memory sampling

#[derive(Default, Clone)]
struct Memory {
    samples: usize,
    peak_rss_kb: u64,
    peak_pss_kb: u64,
    /// Process name → (RSS kB, PSS kB) at the RSS peak.
    at_peak: BTreeMap<String, (u64, u64)>,
    /// Phase → (peak RSS kB, peak PSS kB).
    by_phase: BTreeMap<String, (u64, u64)>,
    /// Phase → process name → (peak RSS kB, peak PSS kB).
    by_phase_process: BTreeMap<String, BTreeMap<String, (u64, u64)>>,
    peak_processes: usize,
    phase_at_peak: String,
    /// Peak of the tree's distinct resident pages (footprint.rs), kB; `None` without root.
    peak_unique_kb: Option<u64>,
    /// When the distinct pages were last counted (it takes tens of ms, so not every sample).
    unique_at: Option<Instant>,
}

struct Sampler {
    stop: Arc<AtomicBool>,
    phases: Arc<Mutex<String>>,
    thread: std::thread::JoinHandle<Memory>,
}

impl Sampler {
    fn start(driver_pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let phases = Arc::new(Mutex::new("start".to_owned()));
        let (s, p) = (stop.clone(), phases.clone());
        let thread = std::thread::spawn(move || {
            let mut m = Memory::default();
            while !s.load(Ordering::Relaxed) {
                let next = Instant::now() + SAMPLE_EVERY;
                sample(driver_pid, &p.lock().unwrap().clone(), &mut m);
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            m
        });
        Self {
            stop,
            phases,
            thread,
        }
    }

    fn finish(self) -> Memory {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

fn sample(driver_pid: u32, phase: &str, m: &mut Memory) {
    let all = processes();
    let Some(app) = descendants(&all, driver_pid)
        .into_iter()
        .find(|p| all.get(p).is_some_and(|(_, c)| c == "desk-app"))
    else {
        return;
    };
    sample_tree(&all, app, phase, m);
}

/// One sample of the tree below (and with) `root`.
fn sample_tree(all: &HashMap<u32, (u32, String)>, root: u32, phase: &str, m: &mut Memory) {
    let mut rss = 0;
    let mut pss = 0;
    let mut each: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let tree = descendants(all, root);
    for pid in &tree {
        let r = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| kb_field(&s, "VmRSS:"))
            .unwrap_or(0);
        let p = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .ok()
            .and_then(|s| kb_field(&s, "Pss:"))
            .unwrap_or(0);
        rss += r;
        pss += p;
        let name = all.get(pid).map(|(_, c)| c.clone()).unwrap_or_default();
        let e = each.entry(name).or_default();
        e.0 += r;
        e.1 += p;
    }
    m.samples += 1;
    let per = m.by_phase_process.entry(phase.to_owned()).or_default();
    for (name, (r, p)) in &each {
        let e = per.entry(name.clone()).or_default();
        e.0 = e.0.max(*r);
        e.1 = e.1.max(*p);
    }
    // Distinct pages: at a new RSS peak (at most every 200 ms), and at least every second.
    let since = m.unique_at.map(|t| t.elapsed());
    let due = since.is_none_or(|d| d >= Duration::from_secs(1))
        || (rss > m.peak_rss_kb && since.is_none_or(|d| d >= Duration::from_millis(200)));
    if due {
        m.unique_at = Some(Instant::now());
        if let Some(u) = footprint::unique_kb(&tree) {
            m.peak_unique_kb = Some(m.peak_unique_kb.unwrap_or(0).max(u));
        }
    }
    if rss > m.peak_rss_kb {
        // DESK_MEASURE_SMAPS_DIR=DIR: every process's /proc/PID/smaps at the peak, to see
        // which mappings (libraries, heaps, GL buffers) the memory is in.
        if let Some(dir) = std::env::var_os("DESK_MEASURE_SMAPS_DIR") {
            let dir = PathBuf::from(dir);
            let _ = std::fs::create_dir_all(&dir);
            for pid in &tree {
                let name = all.get(pid).map(|(_, c)| c.as_str()).unwrap_or("");
                if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) {
                    let _ = std::fs::write(dir.join(format!("{name}-{pid}.smaps")), text);
                }
            }
        }
        m.peak_rss_kb = rss;
        m.at_peak = each;
        m.peak_processes = tree.len();
        m.phase_at_peak = phase.to_owned();
    }
    m.peak_pss_kb = m.peak_pss_kb.max(pss);
    let ph = m.by_phase.entry(phase.to_owned()).or_default();
    ph.0 = ph.0.max(rss);
    ph.1 = ph.1.max(pss);
}

/// The floor: the `baseline` example (a Tauri window with one static page and the app's WebKit
/// settings, no Desk) started directly on the same display, sampled like the app for 5 s after
/// its web process appears. `None` if DESK_MEASURE_BASELINE names no binary.
async fn baseline() -> Option<Memory> {
    let bin = PathBuf::from(std::env::var_os("DESK_MEASURE_BASELINE")?);
    if !bin.is_file() {
        eprintln!("measure: no baseline binary at {}", bin.display());
        return None;
    }
    let mut child = std::process::Command::new(&bin)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let root = child.id();
    let mut m = Memory::default();
    let mut shown: Option<Instant> = None;
    let give_up = Instant::now() + Duration::from_secs(30);
    while shown.is_none_or(|t| t.elapsed() < Duration::from_secs(5)) && Instant::now() < give_up {
        let all = processes();
        if shown.is_none()
            && descendants(&all, root).iter().any(|p| {
                all.get(p)
                    .is_some_and(|(_, c)| c.starts_with("WebKitWebProces"))
            })
        {
            shown = Some(Instant::now());
        }
        sample_tree(&all, root, "baseline", &mut m);
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    shown.map(|_| m)
}

// ---------------------------------------------------------------------------------------------
// Sizes, machine, report

struct Sizes {
    binary: u64,
    stripped: Option<u64>,
    deb: Option<(PathBuf, u64)>,
}

fn sizes(app: &Path) -> Sizes {
    let binary = std::fs::metadata(app).unwrap().len();
    let tmp = std::env::temp_dir().join(format!("desk-app-stripped-{}", std::process::id()));
    let stripped = std::process::Command::new("strip")
        .arg("-o")
        .arg(&tmp)
        .arg(app)
        .status()
        .ok()
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&tmp).ok())
        .map(|m| m.len());
    let _ = std::fs::remove_file(&tmp);
    let deb = std::env::var_os("DESK_MEASURE_DEB")
        .map(PathBuf::from)
        .and_then(|p| std::fs::metadata(&p).ok().map(|m| (p, m.len())));
    Sizes {
        binary,
        stripped,
        deb,
    }
}

fn dir_bytes(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split(' ')
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

struct Report<'a> {
    app: &'a Path,
    tickets: usize,
    prepared: usize,
    seed_s: f64,
    sync_s: f64,
    cache_bytes: u64,
    starts: &'a [Start],
    memory: &'a Memory,
    floor: Option<Memory>,
    scenario: Value,
    size: Sizes,
    load_before: String,
    load_after: String,
}

fn figure(name: &str, value: f64, unit: &str, target: Option<f64>) -> Value {
    let (result, target, text) = match target {
        Some(t) => (
            json!(if value <= t { "pass" } else { "miss" }),
            json!({"op": "<=", "value": t}),
            json!(format!("≤ {t} {unit}")),
        ),
        None => (Value::Null, Value::Null, Value::Null),
    };
    json!({"name": name, "value": value, "unit": unit, "target": target, "target_text": text, "result": result})
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn report(r: Report<'_>) -> Value {
    let cold: Vec<f64> = r
        .starts
        .iter()
        .map(|s| s.spawn_to_painted_ms / 1000.0)
        .collect();
    let seen: Vec<f64> = r
        .starts
        .iter()
        .map(|s| s.request_to_seen_ms / 1000.0)
        .collect();
    let page: Vec<f64> = r.starts.iter().map(|s| s.page_ms).collect();
    let cold_median = median(cold.clone());
    let cold_max = cold.iter().copied().fold(0.0, f64::max);
    let m = r.memory;
    let mut figures = vec![
        figure(
            "cold start → ticket list painted, median",
            cold_median,
            "s",
            Some(COLD_TARGET_S),
        ),
        figure(
            "cold start → ticket list painted, slowest",
            cold_max,
            "s",
            None,
        ),
        figure(
            "  of which in the page (navigation start → painted), median",
            median(page) / 1000.0,
            "s",
            None,
        ),
        figure(
            "WebDriver new session → rows seen, median",
            median(seen),
            "s",
            None,
        ),
        figure(
            "peak memory of the app's process tree (RSS sum)",
            mb(m.peak_rss_kb),
            "MB",
            Some(MEMORY_TARGET_MB),
        ),
    ];
    if let Some(u) = m.peak_unique_kb {
        figures.push(figure(
            "peak memory of the app's process tree (each resident page once)",
            mb(u),
            "MB",
            Some(MEMORY_TARGET_MB),
        ));
    }
    figures.push(figure(
        "peak memory of the app's process tree (PSS sum)",
        mb(m.peak_pss_kb),
        "MB",
        None,
    ));
    if let Some(f) = &r.floor {
        figures.push(figure(
            "floor: a Tauri window with one static page (RSS sum)",
            mb(f.peak_rss_kb),
            "MB",
            None,
        ));
        if let Some(u) = f.peak_unique_kb {
            figures.push(figure(
                "floor: the same, each resident page once",
                mb(u),
                "MB",
                None,
            ));
        }
        figures.push(figure(
            "floor: the same, PSS sum",
            mb(f.peak_pss_kb),
            "MB",
            None,
        ));
        if let (Some(a), Some(b)) = (m.peak_unique_kb, f.peak_unique_kb) {
            figures.push(figure(
                "what Desk adds over the floor (each resident page once)",
                mb(a.saturating_sub(b)),
                "MB",
                None,
            ));
        }
    }
    figures.push(figure(
        "release binary",
        r.size.binary as f64 / 1e6,
        "MB",
        None,
    ));
    if let Some(s) = r.size.stripped {
        figures.push(figure(
            "release binary, stripped",
            s as f64 / 1e6,
            "MB",
            None,
        ));
    }
    if let Some((_, s)) = &r.size.deb {
        figures.push(figure(".deb bundle", *s as f64 / 1e6, "MB", None));
    }
    let all_met = figures
        .iter()
        .all(|f| f["result"].is_null() || f["result"] == "pass");
    let by_process: serde_json::Map<String, Value> = m
        .at_peak
        .iter()
        .map(|(k, (rss, pss))| (k.clone(), json!({"rss_mb": mb(*rss), "pss_mb": mb(*pss)})))
        .collect();
    let by_phase: serde_json::Map<String, Value> = m
        .by_phase
        .iter()
        .map(|(k, (rss, pss))| {
            let each: serde_json::Map<String, Value> = m
                .by_phase_process
                .get(k)
                .into_iter()
                .flatten()
                .map(|(n, (r, p))| (n.clone(), json!({"rss_mb": mb(*r), "pss_mb": mb(*p)})))
                .collect();
            (
                k.clone(),
                json!({"peak_rss_mb": mb(*rss), "peak_pss_mb": mb(*pss), "peak_by_process": each}),
            )
        })
        .collect();
    json!({
        "scenario": "app",
        "date": humantime_now(),
        "all_targets_met": all_met,
        "figures": figures,
        "details": {
            "binary": r.app.display().to_string(),
            "tickets_on_server": r.tickets,
            "tickets_cached": r.prepared,
            "cache_dir_bytes": r.cache_bytes,
            "seed_seconds": r.seed_s,
            "first_start_sign_in_and_sync_seconds": r.sync_s,
            "cold_starts_seconds": cold,
            "cold_start_rows_in_dom": r.starts.iter().map(|s| s.rows).collect::<Vec<_>>(),
            "cold_start_breakdown_median_ms": {
                "spawn_to_navigation_start": median(r.starts.iter().map(|s| s.spawn_to_page_ms).collect()),
                "navigation_to_dom_interactive": median(r.starts.iter().map(|s| s.dom_interactive_ms).collect()),
                "navigation_to_dom_content_loaded": median(r.starts.iter().map(|s| s.dom_loaded_ms).collect()),
                "navigation_to_list_data": median(r.starts.iter().map(|s| s.list_data_ms).collect()),
                "navigation_to_list_painted": median(r.starts.iter().map(|s| s.page_ms).collect()),
                "warm_tickets_query_200": median(r.starts.iter().map(|s| s.warm_tickets_ms).collect()),
                "warm_resume_preferences_sync_state_topics": median(r.starts.iter().map(|s| s.warm_startup_calls_ms).collect()),
            },
            "webkit_env": std::env::vars().filter(|(k, _)| k.starts_with("WEBKIT_") || k.starts_with("LIBGL_") || k.starts_with("GDK_")).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            "memory_samples": m.samples,
            "memory_sample_interval_ms": SAMPLE_EVERY.as_millis() as u64,
            "memory_phase_at_peak": m.phase_at_peak,
            "memory_processes_at_peak": m.peak_processes,
            "memory_at_peak_by_process": by_process,
            "memory_by_phase": by_phase,
            "floor_at_peak_by_process": r.floor.as_ref().map(|f| f.at_peak.iter().map(|(k, (rss, pss))| (k.clone(), json!({"rss_mb": mb(*rss), "pss_mb": mb(*pss)}))).collect::<serde_json::Map<_, _>>()),
            "scenario": r.scenario,
            "binary_bytes": r.size.binary,
            "binary_stripped_bytes": r.size.stripped,
            "deb": r.size.deb.as_ref().map(|(p, s)| json!({"path": p.display().to_string(), "bytes": s})),
            "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "loadavg_before": r.load_before,
            "loadavg_after": r.load_after,
        },
        "notes": [
            "Cold start: from the app process's start (kernel start time, /proc/PID/stat, 10 ms ticks) to the UI's desk:list-painted mark (performance.timeOrigin + now, set in a task queued from the first animation frame after the first ticket list's rows reach the DOM). The app is the release binary, started by WebKitWebDriver (tauri-driver) under Xvfb 1280x800x24 and dbus-run-session, signed in from its token file, reading the list from its cache (the OS file cache is warm: the previous start read the same files). The server is up and the app also connects to it, as it would in use.",
            "WebDriver new session → rows seen: the test's clock from the session request (before the driver spawns the app) to the first poll (every 10 ms) that finds a ticket row; it includes WebKitWebDriver's own start-up and automation overhead.",
            "Memory: every 50 ms, the sum over the app process and all its descendants (WebKitWebProcess, WebKitNetworkProcess, …) of VmRSS from /proc/PID/status and Pss from /proc/PID/smaps_rollup, through the last cold start, scrolling the list to the bottom and back (half a screen per frame), opening 20 tickets one after another (each with 5 messages, back to the list each time) and 2 s after. RSS counts shared libraries in every process that maps them (libwebkit2gtk's code three times, Mesa's libLLVM twice); PSS shares them out, also with processes outside the tree. 'Each resident page once' counts the distinct physical frames of all the tree's present pages (/proc/PID/pagemap, as root): what the tree holds in RAM, shared pages once, including those shared with other processes. It is counted at each new RSS peak (at most every 200 ms) and at least every second.",
            "Floor: the baseline example (src-tauri/examples/baseline.rs): a Tauri window with one static page and the app's WebKit settings, no Desk, started on the same display after the app and sampled the same way for 5 s after its web process appears.",
            "The list shows 200 tickets at a time (a 'show more' button adds 200), so 200 rows are in the DOM, not 10k.",
            "Client, server (desk-testkit, a debug build in the test process) and the app share this machine, which other work shares too; see loadavg.",
        ],
    })
}

fn humantime_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn print_report(r: &Value) {
    println!("\napp — the desktop app (release binary) under Xvfb");
    for f in r["figures"].as_array().unwrap() {
        let value = f["value"].as_f64().unwrap_or(0.0);
        let target = f["target_text"].as_str().unwrap_or("");
        let result = f["result"].as_str().unwrap_or("");
        println!(
            "  {:<62} {:>10.3} {:<3} {:<10} {}",
            f["name"].as_str().unwrap_or(""),
            value,
            f["unit"].as_str().unwrap_or(""),
            target,
            result
        );
    }
    let d = &r["details"];
    println!(
        "  memory at the peak, by process: {}",
        d["memory_at_peak_by_process"]
    );
    println!("  memory by phase: {}", d["memory_by_phase"]);
    println!("  cold starts (s): {}", d["cold_starts_seconds"]);
    println!(
        "  cold start, median ms: {}",
        d["cold_start_breakdown_median_ms"]
    );
    println!(
        "  load average before {}, after {}",
        d["loadavg_before"], d["loadavg_after"]
    );
}
