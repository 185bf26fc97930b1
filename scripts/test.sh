#!/usr/bin/env bash
# Runs every check: formatting, clippy (-D warnings) for the server and for the
# wasm portals, every Rust test against real PostgreSQL and Redis, the wasm
# builds of both portals, and the browser tests in headless Chromium.
# Exits non-zero on any failure. Services run in a throw-away state directory.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/services.sh"

ensure_build_deps
ensure_frontend_tools
ensure_chromium
start_throwaway_services

cd "$ROOT"
say "cargo fmt --check"
cargo fmt --all -- --check

say "checking schema.graphql is current"
cargo build --quiet -p caucus-api
diff -u schema.graphql <("$CARGO_TARGET_DIR/debug/caucus" schema) \
  || die "schema.graphql is stale: run cargo run -p caucus-api -- schema > schema.graphql"

say "cargo clippy (server)"
cargo clippy --quiet --all-targets -- -D warnings
say "cargo clippy (portals, wasm32)"
cargo clippy --quiet -p portal-kit -p video-kit -p admin-ui -p client-ui --target wasm32-unknown-unknown -- -D warnings

say "building the portals (wasm)"
build_portals

say "cargo test"
RESULTS="$THROWAWAY_STATE/cargo-test.log"
status=0
# The portals are wasm apps; their shared crate's pure logic is tested natively.
( failed=0
  cargo test --workspace --exclude admin-ui --exclude client-ui --exclude portal-kit --no-fail-fast 2>&1 || failed=1
  cargo test -p portal-kit --lib 2>&1 || failed=1
  exit "$failed" ) | tee "$RESULTS" || status=$?
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$RESULTS"
exit "$status"
