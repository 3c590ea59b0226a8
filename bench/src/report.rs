//! Results: figures with their targets, checks, the table printed on stdout, and the JSON
//! written to bench/results/ with the date, the machine and the commit.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::{Value, json};

/// What a figure must be to pass.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "op", content = "value")]
pub enum Target {
    #[serde(rename = ">=")]
    AtLeast(f64),
    #[serde(rename = "<=")]
    AtMost(f64),
    #[serde(rename = "<")]
    Below(f64),
    /// Within `[low, high]`.
    #[serde(rename = "between")]
    Between(f64, f64),
}

impl Target {
    fn met(self, v: f64) -> bool {
        match self {
            Self::AtLeast(t) => v >= t,
            Self::AtMost(t) => v <= t,
            Self::Below(t) => v < t,
            Self::Between(lo, hi) => (lo..=hi).contains(&v),
        }
    }

    fn text(self, unit: &str) -> String {
        match self {
            Self::AtLeast(t) => format!("≥ {} {unit}", num(t)),
            Self::AtMost(t) => format!("≤ {} {unit}", num(t)),
            Self::Below(t) => format!("< {} {unit}", num(t)),
            Self::Between(lo, hi) => format!("≈ 1 ({}–{})", num(lo), num(hi)),
        }
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub target: Option<Target>,
}

/// One scenario's results.
#[derive(Debug, Default)]
pub struct Report {
    pub scenario: String,
    pub figures: Vec<Figure>,
    /// Pass/fail facts that are not numbers (durability, checksums), with what was seen.
    pub checks: Vec<(String, bool, String)>,
    pub notes: Vec<String>,
    /// Anything else worth keeping in the JSON (settings, counts).
    pub details: serde_json::Map<String, Value>,
}

impl Report {
    pub fn new(scenario: &str) -> Self {
        Self {
            scenario: scenario.to_owned(),
            ..Self::default()
        }
    }

    pub fn figure(&mut self, name: &str, value: f64, unit: &str, target: Option<Target>) {
        self.figures.push(Figure {
            name: name.to_owned(),
            value,
            unit: unit.to_owned(),
            target,
        });
    }

    /// p50/p95/p99/max of a measurement; `p99` carries the target, if any.
    pub fn latencies(&mut self, what: &str, s: &crate::stats::Summary, p99: Option<Target>) {
        self.figure(&format!("{what} p50"), s.p50_ms, "ms", None);
        self.figure(&format!("{what} p95"), s.p95_ms, "ms", None);
        self.figure(&format!("{what} p99"), s.p99_ms, "ms", p99);
        self.figure(&format!("{what} max"), s.max_ms, "ms", None);
    }

    pub fn check(&mut self, name: &str, ok: bool, seen: String) {
        self.checks.push((name.to_owned(), ok, seen));
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    pub fn detail(&mut self, key: &str, v: impl Serialize) {
        self.details.insert(
            key.to_owned(),
            serde_json::to_value(v).unwrap_or(Value::Null),
        );
    }

    /// Whether every target and check passed.
    pub fn passed(&self) -> bool {
        self.figures
            .iter()
            .all(|f| f.target.is_none_or(|t| t.met(f.value)))
            && self.checks.iter().all(|c| c.1)
    }

    pub fn print(&self) {
        println!();
        let subject = if self.scenario.starts_with("client") {
            "desk-client"
        } else {
            "desk-server"
        };
        println!("== {subject} benchmark: {} ==", self.scenario);
        let w = self
            .figures
            .iter()
            .map(|f| f.name.chars().count())
            .chain(self.checks.iter().map(|c| c.0.chars().count()))
            .max()
            .unwrap_or(10);
        println!(
            "{:<w$}  {:>12}  {:<18}  result",
            "figure", "value", "target"
        );
        println!("{}", "-".repeat(w + 42));
        for f in &self.figures {
            let value = format!("{} {}", num(f.value), f.unit);
            let (target, result) = match f.target {
                Some(t) => (
                    t.text(&f.unit),
                    if t.met(f.value) { "pass" } else { "MISS" },
                ),
                None => (String::new(), ""),
            };
            println!("{:<w$}  {value:>12}  {target:<18}  {result}", f.name);
        }
        for (name, ok, seen) in &self.checks {
            println!(
                "{name:<w$}  {:>12}  {:<18}  {}",
                "",
                "",
                if *ok { "pass" } else { "MISS" }
            );
            println!("{:<w$}    {seen}", "");
        }
        for n in &self.notes {
            println!("  * {n}");
        }
    }

    pub fn to_json(&self) -> Value {
        let figures: Vec<Value> = self
            .figures
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "value": (f.value * 1000.0).round() / 1000.0,
                    "unit": f.unit,
                    "target": f.target,
                    "target_text": f.target.map(|t| t.text(&f.unit)),
                    "result": f.target.map(|t| if t.met(f.value) { "pass" } else { "miss" }),
                })
            })
            .collect();
        let checks: Vec<Value> = self
            .checks
            .iter()
            .map(|(name, ok, seen)| {
                json!({"name": name, "result": if *ok { "pass" } else { "miss" }, "seen": seen})
            })
            .collect();
        json!({
            "scenario": self.scenario,
            "all_targets_met": self.passed(),
            "figures": figures,
            "checks": checks,
            "notes": self.notes,
            "details": self.details,
        })
    }
}

/// Date, machine and commit, for every results file.
pub fn meta(root: &Path, server_bin: &Path) -> Value {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_total_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok());
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|r| r.trim_start_matches([' ', '\t', ':']).to_owned())
    });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_owned());
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    json!({
        "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "git_commit": commit,
        "machine": {
            "nproc": std::thread::available_parallelism().map(|n| n.get()).ok(),
            "mem_total_kib": mem_total_kib,
            "cpu": cpu,
            "kernel": kernel,
        },
        "server_binary": server_bin.strip_prefix(root).unwrap_or(server_bin).display().to_string(),
        "data_dir_parent": std::env::temp_dir().display().to_string(),
    })
}

/// Writes `value` as pretty JSON to `dir/name`.
pub fn write(dir: &Path, name: &str, value: &Value) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(&path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    println!("  results: {}", path.display());
    Ok(())
}
