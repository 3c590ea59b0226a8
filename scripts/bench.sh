#!/usr/bin/env bash
# Builds desk-server and desk-bench in release and runs benchmark scenarios against the real
# server binary (127.0.0.1 only). Figures go to stdout and bench/results/*.json.
# The first argument may name a scenario: `all` (the server ones, the default), `client` (the
# client core's four), or one of create, read, upload, client-sync, client-incremental,
# client-search, client-push, telegram; or `app`, the desktop app under Xvfb (scripts/measure-app.sh).
# Further arguments go to desk-bench, e.g.
# `scripts/bench.sh --requests 1000` or `scripts/bench.sh client --searches 100`.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=all
if [[ $# -gt 0 && $1 != -* ]]; then
  scenario=$1
  shift
fi
if [[ $scenario == app ]]; then
  exec scripts/measure-app.sh "$@"
fi
cargo build --release -p desk-server -p desk-bench
# client-outage holds 1,000 event streams open (and the server, its child, as many).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec target/release/desk-bench "$scenario" --server-bin target/release/desk-server "$@"
