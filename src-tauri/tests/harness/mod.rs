//! What the app's WebDriver tests share (e2e.rs, outage_e2e.rs, measure.rs): tauri-driver and dbus-monitor as
//! child processes stopped with SIGTERM, a WebDriver session on the app binary, and waits that
//! give up after 30 s with a screenshot of the window.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// The ports tauri-driver listens on.
#[derive(Clone, Copy)]
pub struct Ports {
    pub driver: u16,
    pub native: u16,
}

impl Ports {
    /// Two ports free right now, so a test never talks to another run's driver (and its app)
    /// when two WebDriver tests share the machine.
    pub fn free() -> Ports {
        let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let b = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        Ports {
            driver: a.local_addr().unwrap().port(),
            native: b.local_addr().unwrap().port(),
        }
    }
}

pub struct Proc(pub Child);

impl Proc {
    /// SIGTERM, not SIGKILL: a killed tauri-driver orphans WebKitWebDriver. Whatever it started
    /// and left running (an app still shutting down when its session ended) is stopped too:
    /// left over, it would keep the app's single-instance name on the session bus, and the next
    /// test's app would hand over to it and quit, leaving that test's WebDriver session waiting.
    pub fn terminate(&mut self) {
        let mut started = descendants(&processes(), self.0.id());
        started.remove(0);
        signal("-TERM", self.0.id());
        let exited = (0..50).any(|_| {
            let done = matches!(self.0.try_wait(), Ok(Some(_)));
            if !done {
                std::thread::sleep(Duration::from_millis(100));
            }
            done
        });
        if !exited {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
        let alive = |pid: &u32| Path::new(&format!("/proc/{pid}")).exists();
        for pid in started.iter().filter(|p| alive(p)) {
            signal("-TERM", *pid);
        }
        for _ in 0..30 {
            if !started.iter().any(alive) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        for pid in started.iter().filter(|p| alive(p)) {
            signal("-KILL", *pid);
        }
    }
}

/// Ends the WebDriver session and waits (10 s at most) for the app it ran to exit, as the next
/// session's app would otherwise find it still running and hand over to it (single instance).
/// WebKitWebDriver stops the app after answering, so the app may outlive the answer briefly.
pub async fn close_app(c: Client, driver: &Proc) {
    let _ = c.close().await;
    for _ in 0..100 {
        if app_pid(driver.0.id()).is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the app did not exit within 10 s of its WebDriver session ending");
}

fn signal(which: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([which, &pid.to_string()])
        .status();
}

/// pid → (parent pid, command name) for every process.
pub fn processes() -> HashMap<u32, (u32, String)> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_owned();
        let ppid = stat[close + 2..]
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        out.insert(pid, (ppid, comm));
    }
    out
}

/// `root` and every process below it.
pub fn descendants(all: &HashMap<u32, (u32, String)>, root: u32) -> Vec<u32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(
            all.iter()
                .filter(|(_, (pp, _))| *pp == p)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    out
}

/// The app's process: the `desk-app` below tauri-driver (tauri-driver → WebKitWebDriver → app).
pub fn app_pid(driver_pid: u32) -> Option<u32> {
    let all = processes();
    descendants(&all, driver_pid)
        .into_iter()
        .find(|p| all.get(p).is_some_and(|(_, c)| c == "desk-app"))
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.terminate();
    }
}

pub fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("DESK_TAURI_DRIVER") {
        return p.into();
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let local = home.join(".cargo/bin/tauri-driver");
    if local.exists() {
        local
    } else {
        PathBuf::from("tauri-driver")
    }
}

/// tauri-driver, with the app's environment (its data in `data_dir`, the token in a file) plus
/// `env`; its output and the app's go to `logs`/tauri-driver.log.
/// For the E2E tests' apps: keep WebKit's compositing policy (the app turns compositing off where
/// there is no GPU, and WebKitGTK 2.50 then never answers a WebDriver screenshot) — unless the
/// run is as shipped (`as_shipped`), where `start_driver` leaves it out. The measurement never
/// passes it and measures the app as it ships.
pub const KEEP_COMPOSITING: (&str, &str) = ("DESK_WEBKIT_COMPOSITING", "webkit");

/// `DESK_E2E_COMPOSITING=off`: the E2E apps run as the app ships on a machine without a GPU
/// (compositing off), and screenshots are skipped, since WebKitGTK 2.50 never answers one then.
/// scripts/test.sh runs the E2E tests both ways.
pub fn as_shipped() -> bool {
    std::env::var("DESK_E2E_COMPOSITING").is_ok_and(|v| v == "off")
}

pub fn start_driver(ports: Ports, data_dir: &Path, logs: &Path, env: &[(&str, &str)]) -> Proc {
    let log = std::fs::File::create(logs.join("tauri-driver.log")).unwrap();
    let mut cmd = Command::new(tauri_driver());
    cmd.args([
        "--port",
        &ports.driver.to_string(),
        "--native-port",
        &ports.native.to_string(),
    ])
    .env("DESK_APP_DATA_DIR", data_dir)
    .env("DESK_TOKEN_STORE", "file")
    .env("DESK_LOG", "info,sqlx=warn");
    for (k, v) in env {
        if (*k, *v) == KEEP_COMPOSITING && as_shipped() {
            continue;
        }
        cmd.env(k, v);
    }
    let child = cmd
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .expect("tauri-driver starts (cargo install tauri-driver --locked)");
    Proc(child)
}

/// dbus-monitor on the test's session bus, `Notify` calls only, written to `out`.
pub fn start_dbus_monitor(out: &Path) -> Proc {
    notify_monitor(
        &["--session"],
        out,
        "dbus-monitor starts (run inside dbus-run-session)",
    )
}

/// dbus-monitor on the bus at `address` (another app's private bus), `Notify` calls only.
pub fn start_dbus_monitor_at(address: &str, out: &Path) -> Proc {
    notify_monitor(&["--address", address], out, "dbus-monitor starts")
}

fn notify_monitor(bus: &[&str], out: &Path, expect: &str) -> Proc {
    let file = std::fs::File::create(out).unwrap();
    let child = Command::new("dbus-monitor")
        .args(bus)
        .arg("type='method_call',interface='org.freedesktop.Notifications',member='Notify'")
        .stdout(file)
        .stderr(Stdio::null())
        .spawn()
        .expect(expect);
    Proc(child)
}

/// A WebDriver session on `app`: WebKitWebDriver starts the binary.
pub async fn connect(ports: Ports, app: &str) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app }),
    );
    caps.insert("browserName".into(), serde_json::json!("wry"));
    let url = format!("http://127.0.0.1:{}", ports.driver);
    for _ in 0..100 {
        // WebKitWebDriver answers a new session once the app's web view is up: an app that
        // never comes up must fail the test, not hang it.
        let mut builder = ClientBuilder::native();
        builder.capabilities(caps.clone());
        let attempt = builder.connect(&url);
        match tokio::time::timeout(Duration::from_secs(60), attempt).await {
            Ok(Ok(c)) => return c,
            Ok(Err(_)) => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(_) => {
                panic!("the app did not come up within 60 s of the WebDriver session request")
            }
        }
    }
    panic!("could not open a WebDriver session");
}

pub fn css(s: &str) -> Locator<'_> {
    Locator::Css(s)
}

/// Waits (a hang guard, 30 s) until `selector` matches an element.
pub async fn wait(c: &Client, selector: &str) -> fantoccini::elements::Element {
    wait_for(c, selector, false).await
}

/// [`wait`] for a form control that can be used: a form's fields stay disabled until its
/// draft is read back, which takes longer on a busy machine.
pub async fn wait_enabled(c: &Client, selector: &str) -> fantoccini::elements::Element {
    wait_for(c, selector, true).await
}

async fn wait_for(c: &Client, selector: &str, enabled: bool) -> fantoccini::elements::Element {
    for _ in 0..300 {
        if let Ok(e) = c.find(css(selector)).await
            && (!enabled || e.is_enabled().await.unwrap_or(false))
        {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    failure_shot(c).await;
    let what = if enabled { " to be enabled" } else { "" };
    panic!("timed out waiting for {selector}{what}");
}

/// What the window showed when a wait gave up, for diagnosis.
pub async fn failure_shot(c: &Client) {
    if as_shipped() {
        eprintln!("no screenshot of the failure: compositing is off (DESK_E2E_COMPOSITING=off)");
        return;
    }
    // With compositing off (the measurement) WebKitGTK never answers: give up, do not hang.
    let Ok(Ok(png)) = tokio::time::timeout(Duration::from_secs(10), c.screenshot()).await else {
        eprintln!("no screenshot of the failure: WebKit did not answer");
        return;
    };
    let path = std::env::temp_dir().join(format!("desk-e2e-failure-{}.png", std::process::id()));
    let _ = std::fs::write(&path, png);
    eprintln!("screenshot of the failure: {}", path.display());
}

pub async fn wait_text(c: &Client, selector: &str, needle: &str) {
    let mut seen = String::new();
    for _ in 0..300 {
        if let Ok(e) = c.find(css(selector)).await {
            // textContent, not the rendered text: WebKitWebDriver leaves out text clipped with
            // an ellipsis, which long subjects and file names are.
            seen = e
                .prop("textContent")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            if seen.contains(needle) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("{selector} last showed: {seen:?}");
    failure_shot(c).await;
    panic!("timed out waiting for {selector} to contain {needle:?}");
}

pub async fn wait_until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Clicks like a person would: the element is scrolled to the middle of the window first, so
/// the status bar or a sticky footer never sits on top of it.
pub async fn click(c: &Client, selector: &str) {
    let e = wait_enabled(c, selector).await;
    let arg = serde_json::to_value(&e).unwrap();
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'});",
        vec![arg.clone()],
    )
    .await
    .unwrap();
    if e.click().await.is_err() {
        failure_shot(c).await;
        panic!("could not click {selector}");
    }
}

pub async fn type_into(c: &Client, selector: &str, text: &str) {
    let e = wait_enabled(c, selector).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

pub async fn attr(c: &Client, selector: &str, name: &str) -> Option<String> {
    c.find(css(selector)).await.ok()?.attr(name).await.ok()?
}

pub fn screenshots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
}

/// Saves the window as docs/screenshots/`name`.png (not when running as shipped: `as_shipped`).
pub async fn shot(c: &Client, name: &str) {
    if as_shipped() {
        return;
    }
    // A screenshot right after a DOM change can show the old frame: settle first.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = c.screenshot().await.unwrap();
    std::fs::create_dir_all(screenshots_dir()).unwrap();
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).unwrap();
}

/// Emits what the shell's drop handler emits when files land at (x, y).
pub async fn drop_files(c: &Client, paths: &[&Path], x: f64, y: f64) {
    let paths: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    c.execute(
        "return window.__TAURI_INTERNALS__.invoke('plugin:event|emit', {event: 'desk://file-drop', payload: {paths: arguments[0], x: arguments[1], y: arguments[2]}});",
        vec![serde_json::json!(paths), serde_json::json!(x), serde_json::json!(y)],
    )
    .await
    .unwrap();
}

/// Runs one part of a scenario in its own task; if it fails, the WebDriver session is closed
/// and the driver stopped before the failure is reported, so no app is left running.
pub async fn guarded<T: Send + 'static>(
    c: &Client,
    driver: &mut Proc,
    part: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    match tokio::spawn(part).await {
        Ok(v) => v,
        Err(e) => {
            let _ = c.clone().close().await;
            driver.terminate();
            std::panic::resume_unwind(e.into_panic())
        }
    }
}
