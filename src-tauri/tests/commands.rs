//! The command list in src/command_list.rs is the only place a command is named: build.rs makes
//! its permissions and the `commands` set from it, lib.rs its `generate_handler!`, and this test
//! writes the UI's names (`ui/src/lib/platform/commands.generated.ts`, which tauri.ts takes as
//! the only names `invoke` may be given). It fails when the generated file is stale, when a
//! `#[tauri::command]` in src/commands.rs is missing from the list (or the list names one that
//! is not there), or when the capability grants anything but the `commands` set and the events.
//! Regenerate with `UPDATE_BINDINGS=1 cargo test -p desk-app --test commands`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

include!("../src/command_list.rs");

macro_rules! names {
    ($($command:ident),* $(,)?) => {
        [$(stringify!($command)),*]
    };
}

fn listed() -> Vec<&'static str> {
    with_commands!(names).to_vec()
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/src/command_list.rs by src-tauri/tests/commands.rs. Do not\n\
         // edit: add the command there and run\n\
         // `UPDATE_BINDINGS=1 cargo test -p desk-app --test commands`.\n\n\
         /** Every command the app registers, by the name `invoke` takes. */\n\
         export const COMMANDS = [\n",
    );
    for name in listed() {
        out.push_str(&format!("  '{name}',\n"));
    }
    out.push_str("] as const;\n\nexport type Command = (typeof COMMANDS)[number];\n");
    out
}

#[test]
fn command_names_are_current() {
    let path = manifest_dir().join("../ui/src/lib/platform/commands.generated.ts");
    let want = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date with src/command_list.rs: run `UPDATE_BINDINGS=1 cargo test -p desk-app --test commands`",
        path.display()
    );
}

#[test]
fn the_list_names_each_command_once() {
    let names = listed();
    let unique: BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "a command is listed twice");
}

/// The functions marked `#[tauri::command]` in src/commands.rs.
fn defined() -> BTreeSet<String> {
    let src = std::fs::read_to_string(manifest_dir().join("src/commands.rs")).unwrap();
    let mut out = BTreeSet::new();
    let mut marked = false;
    for line in src.lines().map(str::trim) {
        if line.starts_with("#[tauri::command") {
            marked = true;
        } else if marked && !line.starts_with("#[") {
            let name = line
                .split("fn ")
                .nth(1)
                .and_then(|rest| rest.split(['(', '<']).next())
                .unwrap_or_else(|| panic!("no fn after #[tauri::command]: {line}"));
            out.insert(name.trim().to_owned());
            marked = false;
        }
    }
    out
}

#[test]
fn every_command_function_is_listed() {
    let listed: BTreeSet<String> = listed().into_iter().map(str::to_owned).collect();
    let defined = defined();
    let unlisted: Vec<_> = defined.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&defined).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "src/command_list.rs and the #[tauri::command] functions of src/commands.rs differ: \
         not listed {unlisted:?}, listed but not defined {missing:?}"
    );
}

#[test]
fn the_capability_grants_the_list_and_the_events_only() {
    let path = manifest_dir().join("capabilities/main.json");
    let cap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let granted: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        granted,
        [
            "core:event:allow-listen",
            "core:event:allow-unlisten",
            "core:event:allow-emit",
            "commands",
        ],
        "name commands in src/command_list.rs, not in the capability"
    );
}
