#!/usr/bin/env bash
# Builds desk-server and desk-bench in release and runs every benchmark scenario against the
# real server binary (127.0.0.1 only). Figures go to stdout and bench/results/*.json.
# Extra arguments go to desk-bench, e.g. `scripts/bench.sh --requests 1000`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p desk-server -p desk-bench
exec target/release/desk-bench all --server-bin target/release/desk-server "$@"
