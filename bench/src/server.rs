//! The server under test: the real release `desk-server` binary as a child process on a fresh
//! data directory, administered with its own CLI, served on a free 127.0.0.1 port, killed with
//! SIGKILL when asked, and its memory read from /proc.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// Finds the server binary: the one given, or `desk-server` next to this executable after
/// `cargo build --release -p desk-server` has brought it up to date.
pub fn locate(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        if !p.is_file() {
            bail!("server binary {} does not exist", p.display());
        }
        return Ok(p);
    }
    let root = workspace_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building the release server (cargo build --release -p desk-server)…");
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "desk-server"])
        .current_dir(&root)
        .status()
        .context("running cargo to build desk-server")?;
    if !status.success() {
        bail!("cargo build --release -p desk-server failed ({status})");
    }
    let exe = std::env::current_exe().context("locating the desk-bench executable")?;
    let dir = exe
        .parent()
        .context("the desk-bench executable has no directory")?;
    let bin = dir.join("desk-server");
    if !bin.is_file() {
        bail!(
            "no desk-server next to {}; build it with `cargo build --release -p desk-server` or pass --server-bin",
            exe.display()
        );
    }
    Ok(bin)
}

/// The workspace this benchmark was built from.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// One server and its data. The child is killed when this is dropped and the data removed,
/// unless `DESK_BENCH_KEEP_DATA` is set (then its path is printed, for a look with sqlite3).
pub struct Server {
    child: Option<Child>,
    bin: PathBuf,
    dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    env: Vec<(String, String)>,
    pub base: String,
}

impl Server {
    /// A server on a fresh, empty data directory; `env` adds `DESK_*` settings.
    pub fn new(bin: &Path, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let tmp = tempfile::Builder::new()
            .prefix("desk-bench-")
            .tempdir()
            .context("creating the temporary data directory")?;
        let (dir, tmp) = if std::env::var_os("DESK_BENCH_KEEP_DATA").is_some() {
            let dir = tmp.keep();
            eprintln!("server data kept in {}", dir.display());
            (dir, None)
        } else {
            (tmp.path().to_path_buf(), Some(tmp))
        };
        Ok(Self {
            child: None,
            bin: bin.to_path_buf(),
            dir,
            _tmp: tmp,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            base: String::new(),
        })
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env_remove("DESK_CONFIG")
            .env("DESK_DATA_DIR", self.data_dir())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null());
        c
    }

    /// Runs an administration command (`org add …`, `user add …`) on the data directory.
    pub async fn admin(&self, args: &[&str]) -> anyhow::Result<()> {
        let out = self
            .command()
            .args(args)
            .output()
            .await
            .with_context(|| format!("running desk-server {}", args.join(" ")))?;
        if !out.status.success() {
            bail!(
                "desk-server {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Starts `desk-server serve` on a free port and waits until `/healthz` answers.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        if self.child.is_some() {
            bail!("the server is already running");
        }
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .context("opening the server log")?;
        let child = self
            .command()
            .arg("serve")
            .env("DESK_LISTEN", &listen)
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))?;
        self.child = Some(child);
        self.base = format!("http://{listen}");
        self.wait_healthy(Duration::from_secs(30)).await
    }

    async fn wait_healthy(&mut self, within: Duration) -> anyhow::Result<()> {
        let http = reqwest::Client::builder().no_proxy().build()?;
        let url = format!("{}/healthz", self.base);
        let start = Instant::now();
        loop {
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "desk-server exited during start-up ({status}); see {}",
                    self.dir.join("server.log").display()
                );
            }
            if start.elapsed() > within {
                bail!("desk-server did not answer /healthz within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child
            .as_ref()
            .and_then(Child::id)
            .context("the server is not running")
    }

    /// `kill -9`: SIGKILL, no chance to flush or finish anything; waits until it is gone.
    pub async fn kill9(&mut self) -> anyhow::Result<()> {
        let mut child = self.child.take().context("the server is not running")?;
        child
            .kill()
            .await
            .context("sending SIGKILL to desk-server")?;
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

pub fn memory(pid: u32) -> anyhow::Result<Memory> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("no {name} in /proc/{pid}/status"))
    };
    Ok(Memory {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

/// Resets the process's `VmHWM` to its current RSS (`echo 5 > /proc/PID/clear_refs`), so the
/// peak read later belongs to what happened after this point.
pub fn reset_peak(pid: u32) -> anyhow::Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .with_context(|| format!("writing /proc/{pid}/clear_refs"))
}

/// Samples `VmRSS` every `every` until stopped, keeping the largest.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    peak_kib: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<usize>,
}

impl RssSampler {
    pub fn start(pid: u32, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let (s, p) = (stop.clone(), peak_kib.clone());
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut samples = 0;
            while !s.load(Ordering::Relaxed) {
                tick.tick().await;
                if let Ok(m) = memory(pid) {
                    p.fetch_max(m.rss_kib, Ordering::Relaxed);
                    samples += 1;
                }
            }
            samples
        });
        Self {
            stop,
            peak_kib,
            task,
        }
    }

    /// Stops sampling; answers the peak RSS in KiB and the number of samples taken.
    pub async fn finish(self) -> anyhow::Result<(u64, usize)> {
        self.stop.store(true, Ordering::Relaxed);
        let samples = self.task.await?;
        Ok((self.peak_kib.load(Ordering::Relaxed), samples))
    }
}
