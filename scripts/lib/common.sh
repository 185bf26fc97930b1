# Shared helpers for scripts/run.sh and scripts/test.sh. Sourced, not run.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/caucus/target}"
export TRUNK_SKIP_VERSION_CHECK=true
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$HOME/go/bin:$PATH"

TRUNK_VERSION="0.21.14"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port seconds
  local port=$1 tries=$(( ${2:-30} * 10 ))
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || return 1; sleep 0.1
  done
}

# --- Installing what is missing (idempotent, quick when all is there) ---------

APT_UPDATED=""
apt_install() { # packages...
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (apt)"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/postgres" ] && echo "$d"; done | sort -V | tail -1
}

ensure_postgres() { [ -n "$(pg_bindir)" ] || apt_install postgresql; [ -n "$(pg_bindir)" ] || die "PostgreSQL server binaries not found"; }
ensure_redis() { command -v redis-server >/dev/null || apt_install redis-server; }
ensure_chromium() { apt_install chromium chromium-driver; }
# Passkeys (webauthn-rs) verify signatures with OpenSSL.
ensure_build_deps() { apt_install pkg-config libssl-dev; }

ensure_go_tool() { # binary module version
  local bin=$1 module=$2 version=$3
  [ -x "$HOME/go/bin/$bin" ] && [ -f "$HOME/go/bin/.$bin-$version" ] && return 0
  command -v go >/dev/null || die "Go is needed to install $bin"
  say "installing $bin $version (go install, once)"
  GOFLAGS=-mod=mod go install "$module@$version"
  touch "$HOME/go/bin/.$bin-$version"
}

# The LiveKit server's main package is `cmd/server`: installed as `server`,
# kept as `livekit-server`.
ensure_livekit() {
  [ -x "$HOME/go/bin/livekit-server" ] && [ -f "$HOME/go/bin/.livekit-server-$LIVEKIT_VERSION" ] && return 0
  command -v go >/dev/null || die "Go is needed to install the LiveKit server"
  say "installing livekit-server $LIVEKIT_VERSION (go install, once; a few minutes)"
  local bin; bin=$(mktemp -d)
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/livekit/livekit-server/cmd/server@$LIVEKIT_VERSION"
  mkdir -p "$HOME/go/bin"; mv "$bin/server" "$HOME/go/bin/livekit-server"; rm -rf "$bin"
  touch "$HOME/go/bin/.livekit-server-$LIVEKIT_VERSION"
}

ensure_go_build() { # binary source-dir: builds a Go program of this repository when its sources changed
  local bin=$1 dir=$2 stamp
  stamp=$(cat "$dir"/go.mod "$dir"/go.sum "$dir"/*.go | sha256sum | cut -c1-16)
  [ -x "$HOME/go/bin/$bin" ] && [ -f "$HOME/go/bin/.$bin-$stamp" ] && return 0
  command -v go >/dev/null || die "Go is needed to build $bin"
  say "building $bin (go build, once)"
  mkdir -p "$HOME/go/bin"
  (cd "$dir" && go build -o "$HOME/go/bin/$bin" .)
  rm -f "$HOME/go/bin/.$bin-"*; touch "$HOME/go/bin/.$bin-$stamp"
}

ensure_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
    || { say "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }
}

lock_version() { # crate name -> version in Cargo.lock
  awk -v n="$1" '$0=="name = \""n"\"" {getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock"
}

ensure_cargo_tool() { # binary crate version [--locked]
  local bin=$1 crate=$2 version=$3 locked=${4:-}
  if "$bin" --version 2>/dev/null | grep -q " $version"; then return 0; fi
  say "installing $crate $version (cargo install, once)"
  # shellcheck disable=SC2086
  CARGO_TARGET_DIR="$HOME/.cache/caucus/tools-target" cargo install "$crate" --version "$version" $locked
}

ensure_frontend_tools() {
  ensure_wasm_target
  ensure_cargo_tool trunk trunk "$TRUNK_VERSION" --locked
  local wb; wb=$(lock_version wasm-bindgen); [ -n "$wb" ] || die "wasm-bindgen missing from Cargo.lock"
  ensure_cargo_tool wasm-bindgen wasm-bindgen-cli "$wb"
  ensure_npm
}

ensure_npm() {
  [ -f "$ROOT/package.json" ] || return 0
  local stamp="$ROOT/node_modules/.caucus-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
    say "installing npm packages (wasm-opt, axe-core)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/package-lock.json" "$stamp"
  fi
}

# Whether anything a portal is built from is newer than its dist/.
portal_stale() { # app
  local stamp="$ROOT/$1/dist/index.html"
  [ -f "$stamp" ] || return 0
  [ -n "$(find "$ROOT/$1" "$ROOT/portal-kit" "$ROOT/video-kit" "$ROOT/shared-types" "$ROOT/Cargo.lock" "$ROOT/schema.graphql" \
      "$ROOT/package-lock.json" -path "$ROOT/$1/dist" -prune -o -newer "$stamp" -type f -print -quit)" ]
}

# Builds both portals, one after the other (they share the wasm-bindgen folder),
# skipping a portal whose sources did not change since its last build.
build_portals() {
  local app fetched=""
  # The LiveKit client bundle both portals ship (instant when up to date).
  "$ROOT/video-kit/build.sh" || return 1
  for app in admin-ui client-ui; do
    if ! portal_stale "$app"; then say "$app is up to date"; continue; fi
    [ -n "$fetched" ] || { (cd "$ROOT" && cargo fetch --quiet); fetched=1; }
    say "building $app"
    (cd "$ROOT/$app" && trunk build --release) || return 1
  done
}
