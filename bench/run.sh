#!/usr/bin/env bash
# Runs the graphql-throughput benchmark against private PostgreSQL and Redis
# started in a throw-away state directory, as scripts/test.sh does. Not part of
# the test command: run it by hand. Arguments go to the benchmark, e.g.
#   bench/run.sh --duration-secs 5 --connections 16,64
# (or BENCH_DURATION_SECS, BENCH_CONNECTIONS, ...; see --help).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/services.sh"

cd "$ROOT"
say "building the benchmark (release)"
cargo build --quiet --release -p bench --bin graphql-throughput

start_throwaway_services

say "graphql-throughput"
cargo run --quiet --release -p bench --bin graphql-throughput -- "$@"
