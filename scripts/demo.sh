#!/usr/bin/env bash
# Runs the Desk demo: a local desk-server with sample organisations, accounts and tickets on
# http://127.0.0.1:8080 (set DESK_LISTEN to change). Installs what it needs first.
# Extra arguments go to `desk-server demo`, e.g. `--reset` to start from fresh sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
desk_setup

cargo build --release --locked -p desk-server
exec target/release/desk-server demo "$@"
