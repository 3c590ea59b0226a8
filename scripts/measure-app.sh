#!/usr/bin/env bash
# Measures the desktop app (issue 4, "Measured"): cold start to the ticket list painted and the
# peak memory of the app's process tree with 10k tickets cached, and the size of the release
# binary and its .deb. Prints the figures and writes bench/results/app.json.
#
# Builds the UI and the app in release (`--features custom-protocol`, as `tauri build` does),
# bundles a .deb from that binary with the Tauri CLI (`tauri bundle`, no rebuild; skipped with
# DESK_MEASURE_DEB=skip or when the CLI is not to be had), then runs src-tauri/tests/measure.rs
# under Xvfb and a session D-Bus, the way scripts/test.sh runs the E2E test.
# The floor (a Tauri window with one static page, examples/baseline.rs) is measured the same way.
# DESK_MEASURE_TICKETS (10000) and DESK_MEASURE_RUNS (5 cold starts) change the scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
desk_setup
desk_build_ui
command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] || cargo install tauri-driver --locked

echo "==> release build of the app"
cargo build --release --locked -p desk-app --features custom-protocol
echo "==> release build of the floor it is compared with (src-tauri/examples/baseline.rs)"
cargo build --release --locked -p desk-app --features custom-protocol --example baseline
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
app=$target/release/desk-app

deb=""
if [ "${DESK_MEASURE_DEB:-}" != skip ]; then
  echo "==> .deb bundle of that binary (tauri bundle)"
  rm -rf "$target/release/bundle/deb"
  if (cd src-tauri && npx --yes @tauri-apps/cli@^2 bundle --bundles deb --features custom-protocol --no-sign --ci) >"$target/tauri-bundle.log" 2>&1; then
    deb=$(ls -1 "$target"/release/bundle/deb/*.deb 2>/dev/null | head -n1 || true)
  fi
  [ -n "$deb" ] || echo "    no .deb (see $target/tauri-bundle.log): the binary's size is reported alone"
fi

echo "==> measuring (Xvfb 1280x800x24, dbus-run-session, tauri-driver)"
DESK_MEASURE=1 DESK_MEASURE_APP="$app" DESK_MEASURE_DEB="$deb" \
  DESK_MEASURE_BASELINE="$target/release/examples/baseline" \
  xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- cargo test --locked -p desk-app --test measure -- --nocapture --test-threads=1
