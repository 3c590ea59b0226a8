//! Generates the Tauri context, one permission per app command and the `commands` set that
//! grants them all, so the capability file names one set and the list lives in one place
//! (src/command_list.rs).

use std::fmt::Write as _;
use std::path::PathBuf;

include!("src/command_list.rs");

macro_rules! names {
    ($($command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}

const COMMANDS: &[&str] = with_commands!(names);

/// `commands`: every command's `allow-` permission (Tauri names them with dashes). A named set
/// rather than `default`, because tauri-build lets an unknown `default` through as empty and
/// would refuse an unknown set at build time.
fn command_set() -> String {
    let mut allow = String::new();
    for c in COMMANDS {
        let _ = write!(allow, "\n  \"allow-{}\",", c.replace('_', "-"));
    }
    format!(
        "[[set]]\n\
         identifier = \"commands\"\n\
         description = \"Every command of the app (src/command_list.rs).\"\n\
         permissions = [{allow}\n]\n"
    )
}

fn main() {
    println!("cargo:rerun-if-changed=src/command_list.rs");
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("permissions");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let set = dir.join("commands.toml");
    std::fs::write(&set, command_set())
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", set.display()));
    // tauri-build keeps the pattern for the whole build; leaking it once is what `'static` asks.
    let pattern: &'static str = Box::leak(format!("{}/*.toml", dir.display()).into_boxed_str());
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(
            tauri_build::AppManifest::new()
                .commands(COMMANDS)
                .permissions_path_pattern(pattern),
        ),
    )
    .unwrap_or_else(|e| panic!("tauri build step failed: {e}"));
}
