#!/usr/bin/env bash
# Installs what building and testing Desk needs on a fresh Debian 12 machine (root), skipping
# whatever is already there. Sourced by demo.sh and test.sh; safe to run again.
set -euo pipefail

# Debian packages the workspace builds with (SQLite is bundled; the server speaks plain HTTP
# on loopback and needs no TLS library).
DESK_DEBIAN_PACKAGES=(build-essential pkg-config curl ca-certificates)

desk_missing_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

desk_install_packages() {
  local missing
  missing=$(desk_missing_packages "$@")
  [ -z "$missing" ] && return 0
  echo "==> installing Debian packages: $missing"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

desk_setup() {
  desk_install_packages "${DESK_DEBIAN_PACKAGES[@]}"
  command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
  # Fetch crates once, up front, so later steps fail fast and clearly if the registry is unreachable.
  cargo fetch --locked >/dev/null
}
