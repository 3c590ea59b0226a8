#!/usr/bin/env bash
# Runs the Desk demo: a local desk-server with sample taxi services, accounts and tickets on
# http://127.0.0.1:8080 (DESK_LISTEN changes it), and the desktop app signed in to it as a
# dispatcher. Installs what it needs first. `scripts/demo.sh --reset` starts from fresh sample
# data; DESK_DEMO_AS=taras.hnatiuk@support.example.com opens the app as an agent instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
desk_setup
desk_build_ui

cargo build --release --locked -p desk-server
cargo build --locked -p desk-app

listen="${DESK_LISTEN:-127.0.0.1:8080}"
target/release/desk-server demo --listen "$listen" "$@" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo
  echo "No display here, so the app cannot open: the demo server keeps running (Ctrl-C stops it)."
  echo "On a desktop, the same command opens the app signed in."
  wait $server
  exit 0
fi

echo "==> opening the app signed in to http://$listen"
DESK_APP_DATA_DIR="$PWD/desk-demo-data/app" \
DESK_SIGN_IN_SERVER="http://$listen" \
DESK_SIGN_IN_EMAIL="${DESK_DEMO_AS:-olena.kovalchuk@lastivka.example.com}" \
DESK_SIGN_IN_PASSWORD="demo-password-1" \
DESK_TOKEN_STORE="${DESK_TOKEN_STORE:-}" \
  target/debug/desk-app
