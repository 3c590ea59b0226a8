#!/usr/bin/env bash
# Installs what building and testing Desk needs on a fresh Debian 12 machine (root), skipping
# whatever is already there. Sourced by demo.sh and test.sh; safe to run again.
set -euo pipefail

# Debian packages the workspace builds with. SQLite is bundled; the server speaks plain HTTP on
# loopback. The desktop app (Tauri) needs WebKitGTK and friends; its end-to-end tests need an X
# server (Xvfb), a session bus and a notification daemon (dunst), and WebKitWebDriver.
DESK_DEBIAN_PACKAGES=(
  build-essential pkg-config curl ca-certificates file libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libxdo-dev
  xvfb xauth webkit2gtk-driver dbus dbus-x11 dunst imagemagick
)

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
  command -v npm >/dev/null || { echo "npm not found: install Node.js first" >&2; exit 1; }
  # Fetch crates once, up front, so later steps fail fast and clearly if the registry is unreachable.
  cargo fetch --locked >/dev/null
}

# The UI's packages, and its build in ui/dist, which the app embeds at compile time.
desk_build_ui() {
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "==> npm ci (ui)"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  fi
  echo "==> npm run build (ui)"
  (cd ui && npm run build --silent)
}
