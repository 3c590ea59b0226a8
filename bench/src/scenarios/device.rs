//! A device running the client core: a `desk_client::Desk` on a temporary data directory with
//! a file token store, its engine pulling only when poked (the slow timer set to an hour), and
//! bare caches (`desk_client::cache::Cache`) for measuring the cache on its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use desk_client::cache::Cache;
use desk_client::{Config, Desk, FileTokenStore, SyncState};

use crate::client::PASSWORD;

pub struct Device {
    _dir: Scratch,
    config: Config,
}

impl Device {
    pub fn new() -> anyhow::Result<Self> {
        let dir = scratch("desk-bench-client-")?;
        let tokens = Arc::new(FileTokenStore::new(dir.path().join("tokens")));
        let mut config = Config::new(dir.path().join("app"), tokens);
        config.lang = "en".into();
        config.poll_interval = Duration::from_secs(3600);
        Ok(Self { _dir: dir, config })
    }

    pub async fn sign_in(&self, base: &str, email: &str) -> anyhow::Result<Desk> {
        Desk::sign_in(self.config.clone(), base, email, PASSWORD)
            .await
            .with_context(|| format!("signing {email} in to {base}"))
    }
}

/// A temporary directory under the system's temporary directory (the same disk as the
/// server's data), removed when dropped unless `DESK_BENCH_KEEP_DATA` is set (then its path is
/// printed, for a look with sqlite3).
pub struct Scratch {
    path: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Scratch {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

pub fn scratch(prefix: &str) -> anyhow::Result<Scratch> {
    let tmp = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .context("creating a temporary directory")?;
    if std::env::var_os("DESK_BENCH_KEEP_DATA").is_some() {
        let path = tmp.keep();
        eprintln!("client data kept in {}", path.display());
        return Ok(Scratch { path, _tmp: None });
    }
    Ok(Scratch {
        path: tmp.path().to_path_buf(),
        _tmp: Some(tmp),
    })
}

/// Waits until the engine has finished a pull (its state shows `last_synced`).
pub async fn synced(desk: &Desk, within: Duration) -> anyhow::Result<SyncState> {
    let mut rx = desk.state();
    let state = tokio::time::timeout(within, rx.wait_for(|s| s.last_synced.is_some()))
        .await
        .with_context(|| format!("the first sync did not finish within {within:?}"))?
        .context("the sync state channel closed")?
        .clone();
    if state.needs_sign_in {
        bail!("the server refused the client's token");
    }
    Ok(state)
}

/// A fresh, empty cache file in `dir`.
pub async fn open_cache(dir: &Path, name: &str) -> anyhow::Result<(Cache, PathBuf)> {
    let path = dir.join(name);
    let (cache, _) = Cache::open(&path)
        .await
        .with_context(|| format!("opening the cache {}", path.display()))?;
    Ok((cache, path))
}

/// Bytes the cache occupies on disk (the database and its WAL).
pub fn file_size(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|s| {
            let mut p = path.as_os_str().to_owned();
            p.push(s);
            std::fs::metadata(PathBuf::from(p)).ok()
        })
        .map(|m| m.len())
        .sum()
}

/// The 1-, 5- and 15-minute load averages, to show what else the machine was doing.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// CPU time spent by the whole machine, this process and (optionally) the server since a
/// point, to show how much of the machine the measurement had.
pub struct Cpu {
    machine: (u64, u64),
    own: u64,
    servers: Vec<(u32, u64)>,
}

impl Cpu {
    pub fn start(servers: &[u32]) -> Self {
        Self {
            machine: machine_ticks(),
            own: process_ticks("self"),
            servers: servers
                .iter()
                .map(|pid| (*pid, process_ticks(&pid.to_string())))
                .collect(),
        }
    }

    /// "machine N% busy: this process N%, the servers N%, other work ≈ N%" (shares of all
    /// cores).
    pub fn finish(&self) -> String {
        let (busy, total) = machine_ticks();
        let total = total.saturating_sub(self.machine.1).max(1) as f64;
        let pct = |t: u64| t as f64 * 100.0 / total;
        let machine = pct(busy.saturating_sub(self.machine.0));
        let own = pct(process_ticks("self").saturating_sub(self.own));
        let server: f64 = self
            .servers
            .iter()
            .map(|(pid, t)| pct(process_ticks(&pid.to_string()).saturating_sub(*t)))
            .sum();
        let others = (machine - own - server).max(0.0);
        if !self.servers.is_empty() {
            format!(
                "machine {machine:.0}% busy: this process {own:.0}%, the server{} {server:.0}%, \
                 other work ≈ {others:.0}% (shares of all cores)",
                if self.servers.len() > 1 { "s" } else { "" }
            )
        } else {
            format!(
                "machine {machine:.0}% busy: this process {own:.0}%, other work ≈ {others:.0}% \
                 (shares of all cores)"
            )
        }
    }
}

/// (busy, total) jiffies of all cores, from /proc/stat.
fn machine_ticks() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|n| n.parse().ok())
        .collect();
    let total: u64 = v.iter().sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total)
}

/// User + system jiffies of a process (`self` or a pid), from /proc/<pid>/stat.
fn process_ticks(pid: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = text.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect();
    f.iter().sum()
}
