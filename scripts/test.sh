#!/usr/bin/env bash
# Runs every test of Desk: formatting, lints, unit tests and the HTTP tests against real
# servers on 127.0.0.1 with fresh databases. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
desk_setup
# CI builds once from scratch: incremental caches only cost time and disk there.
if [ "${CI:-}" = true ]; then
  export CARGO_INCREMENTAL=0
fi

echo "==> ui: type check and component tests"
desk_build_ui
(cd ui && npm run check --silent && npm test --silent)

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked

echo "==> desktop app end to end: real app under Xvfb and a session D-Bus, driven through WebDriver"
command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] || cargo install tauri-driver --locked
DESK_E2E=1 xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- cargo test --locked -p desk-app --test e2e --test outage_e2e -- --test-threads=1
echo "==> the same, as the app ships on a machine without a GPU (compositing off; no screenshots)"
DESK_E2E=1 DESK_E2E_COMPOSITING=off xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- cargo test --locked -p desk-app --test e2e --test outage_e2e -- --test-threads=1
