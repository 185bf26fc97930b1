#!/usr/bin/env bash
# Runs the graphql-throughput benchmark against private PostgreSQL and Redis
# started in a throw-away state directory, as scripts/test.sh does. Not part of
# the test command: run it by hand. Arguments go to the benchmark, e.g.
#   bench/run.sh --duration-secs 5 --connections 16,64
# (or BENCH_DURATION_SECS, BENCH_CONNECTIONS, ...; see --help).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/services.sh"

STATE=$(mktemp -d "${TMPDIR:-/tmp}/caucus-bench.XXXXXX"); chmod 755 "$STATE"
trap 'stop_services; rm -rf "$STATE"' EXIT
trap 'exit 130' INT TERM

cd "$ROOT"
say "building the benchmark (release)"
cargo build --quiet --release -p bench --bin graphql-throughput

export CAUCUS_PG_FSYNC=off CAUCUS_REDIS_SAVE=""
start_services "$STATE"
export CAUCUS_TEST_DATABASE_URL="$CAUCUS__DATABASE__MIGRATION_URL"
export CAUCUS_TEST_APP_DATABASE_URL="$CAUCUS__DATABASE__URL"
export CAUCUS_TEST_REDIS_URL="$CAUCUS__REDIS__URL"
unset CAUCUS__DATABASE__URL CAUCUS__DATABASE__MIGRATION_URL CAUCUS__REDIS__URL

say "graphql-throughput"
cargo run --quiet --release -p bench --bin graphql-throughput -- "$@"
