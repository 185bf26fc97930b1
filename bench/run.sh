#!/usr/bin/env bash
# Runs a benchmark against private PostgreSQL and Redis started in a throw-away
# state directory, as scripts/test.sh does. Not part of the test command: run it
# by hand. The first argument names the benchmark (graphql-throughput, the
# default, sign-in, cases, scheduling or video); the rest go to it, e.g.
#   bench/run.sh --duration-secs 5 --connections 16,64
#   bench/run.sh sign-in --duration-secs 5
#   bench/run.sh cases --cases 20000
#   bench/run.sh scheduling --book-secs 10
#   bench/run.sh video     (LiveKit CPU per forwarded stream: bench/video.md)
#   bench/run.sh video-times   (join, move, recall with real browsers: bench/video.md)
# (or BENCH_DURATION_SECS, BENCH_CONNECTIONS, ...; see --help).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/services.sh"

bin=graphql-throughput
if [ "${1:-}" = video ]; then shift; exec "$(dirname "$0")/video.sh" "$@"; fi
if [ "${1:-}" = video-times ]; then
  shift
  cd "$ROOT"
  # The browsers need the portals, LiveKit and the rest of the test services.
  ensure_frontend_tools
  ensure_chromium
  # The simulated participants of the recall of ten (tools/lk-load/follow.go).
  ensure_go_build caucus-lk-load "$ROOT/tools/lk-load"
  build_portals
  start_throwaway_services
  say "video-times (VIDEO_TIMES_RUNS=${VIDEO_TIMES_RUNS:-10})"
  cargo bench --quiet -p e2e --bench video-times "$@"
  exit
fi
case "${1:-}" in
  graphql-throughput|sign-in|cases|scheduling) bin=$1; shift ;;
esac

cd "$ROOT"
say "building the benchmark (release)"
cargo build --quiet --release -p bench --bin "$bin"

start_throwaway_services

say "$bin"
cargo run --quiet --release -p bench --bin "$bin" -- "$@"
