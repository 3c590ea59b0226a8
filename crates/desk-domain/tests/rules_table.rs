//! The UI's mock platform answers from the real ticket rules: this test writes every answer of
//! `desk_domain::rules` (and the few facts they rest on) to `ui/src/lib/platform/rules.generated.json`
//! and fails when the committed table no longer matches them, so the mock cannot drift from the
//! server. One row a line, so a changed rule shows as a readable diff.
//! Regenerate with `UPDATE_BINDINGS=1 cargo test -p desk-domain --test rules_table`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use desk_domain::rules::{self, StatusRefusal};
use desk_domain::{ErrorCode, OutageKind, Role, TicketStatus, limits};
use serde::Serialize;

const ROLES: [Role; 3] = [Role::Customer, Role::Agent, Role::Admin];

/// A rule's answer: the status the ticket takes, or the error code the server refuses with.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Status(TicketStatus),
    Refused(ErrorCode),
}

impl From<Result<TicketStatus, StatusRefusal>> for Outcome {
    fn from(r: Result<TicketStatus, StatusRefusal>) -> Self {
        match r {
            Ok(s) => Self::Status(s),
            Err(e) => Self::Refused(e.code()),
        }
    }
}

#[derive(Serialize)]
struct StatusChange {
    role: Role,
    current: TicketStatus,
    requested: TicketStatus,
    has_assignee: bool,
    #[serde(flatten)]
    outcome: Outcome,
}

#[derive(Serialize)]
struct AfterMessage {
    role: Role,
    current: TicketStatus,
    has_assignee: bool,
    internal: bool,
    #[serde(flatten)]
    outcome: Outcome,
}

/// `resolved_at` after a change to `status`: `none`, the `previous` one, or `now`.
#[derive(Serialize)]
struct ResolvedAt {
    status: TicketStatus,
    had_previous: bool,
    resolved_at: &'static str,
}

#[derive(Serialize)]
struct Outage {
    kind: OutageKind,
    topic_id: &'static str,
    uk: &'static str,
    en: &'static str,
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

/// `"name": [` one row a line `]`.
fn rows(name: &str, rows: Vec<String>) -> String {
    format!("  \"{name}\": [\n    {}\n  ]", rows.join(",\n    "))
}

fn generate() -> String {
    let statuses = TicketStatus::ALL;
    let open: Vec<_> = statuses.into_iter().filter(|s| s.is_open()).collect();
    let staff: Vec<_> = ROLES.into_iter().filter(|r| r.is_staff()).collect();
    let limits = serde_json::json!({
        "subject_max_chars": limits::SUBJECT_MAX_CHARS,
        "body_max_chars": limits::BODY_MAX_CHARS,
        "attachments_per_message": limits::ATTACHMENTS_PER_MESSAGE,
    });

    let mut change = Vec::new();
    let mut message = Vec::new();
    for role in ROLES {
        for current in statuses {
            for has_assignee in [false, true] {
                for requested in statuses {
                    let outcome = rules::status_change(role, current, requested, has_assignee);
                    change.push(json(&StatusChange {
                        role,
                        current,
                        requested,
                        has_assignee,
                        outcome: outcome.into(),
                    }));
                }
                for internal in [false, true] {
                    let outcome =
                        rules::status_after_message(role, current, has_assignee, internal);
                    message.push(json(&AfterMessage {
                        role,
                        current,
                        has_assignee,
                        internal,
                        outcome: outcome.into(),
                    }));
                }
            }
        }
    }
    let resolved_at = statuses
        .into_iter()
        .flat_map(|status| {
            [false, true].map(|had_previous| {
                let previous = had_previous.then_some("previous");
                let at = rules::resolved_at_after(status, previous, "now").unwrap_or("none");
                json(&ResolvedAt {
                    status,
                    had_previous,
                    resolved_at: at,
                })
            })
        })
        .collect();
    let outages = OutageKind::ALL
        .into_iter()
        .map(|kind| {
            json(&Outage {
                kind,
                topic_id: kind.topic_id(),
                uk: rules::outage_title(kind, "uk"),
                en: rules::outage_title(kind, "en"),
            })
        })
        .collect();

    let sections = [
        format!("  \"open\": {}", json(&open)),
        format!("  \"staff\": {}", json(&staff)),
        format!("  \"limits\": {}", json(&limits)),
        rows("outages", outages),
        rows("resolved_at", resolved_at),
        rows("status_change", change),
        rows("status_after_message", message),
    ];
    format!("{{\n{}\n}}\n", sections.join(",\n"))
}

#[test]
fn rules_table_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/src/lib/platform/rules.generated.json");
    let want = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date with desk_domain::rules: run `UPDATE_BINDINGS=1 cargo test -p desk-domain --test rules_table`",
        path.display()
    );
}

#[test]
fn the_table_is_json() {
    let table: serde_json::Value = serde_json::from_str(&generate()).unwrap();
    let rows = |k: &str| table[k].as_array().map_or(0, Vec::len);
    assert_eq!(rows("status_change"), 3 * 5 * 2 * 5);
    assert_eq!(rows("status_after_message"), 3 * 5 * 2 * 2);
    assert_eq!(rows("outages"), OutageKind::ALL.len());
}
