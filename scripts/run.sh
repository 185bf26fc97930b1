#!/usr/bin/env bash
# Runs the whole Caucus platform on this machine: installs what is missing,
# starts PostgreSQL and Redis (or uses DATABASE_URL / REDIS_URL), migrates,
# seeds the demo organization, builds both portals and serves the API, the
# admin portal and the client portal. Ctrl-C stops everything it started.
# Data is kept in .state/dev between runs.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/services.sh"

STATE="${CAUCUS_STATE_DIR:-$ROOT/.state/dev}"
API_PORT="${CAUCUS_API_PORT:-8080}"
ADMIN_PORT="${CAUCUS_ADMIN_PORT:-8081}"
CLIENT_PORT="${CAUCUS_CLIENT_PORT:-8082}"
# Keep the database port stable between runs so bookmarks and tools keep working.
export CAUCUS_PG_PORT="${CAUCUS_PG_PORT:-54329}"
export CAUCUS_REDIS_PORT="${CAUCUS_REDIS_PORT:-63799}"
export CAUCUS_MAILPIT_SMTP_PORT="${CAUCUS_MAILPIT_SMTP_PORT:-1025}"
export CAUCUS_MAILPIT_HTTP_PORT="${CAUCUS_MAILPIT_HTTP_PORT:-8025}"

mkdir -p "$STATE"; chmod 755 "$STATE"
trap 'say "stopping"; stop_services' EXIT
trap 'exit 130' INT TERM

ensure_build_deps
ensure_frontend_tools
start_services "$STATE"

say "building the API"
(cd "$ROOT" && cargo build --quiet -p caucus-api)
CAUCUS="$CARGO_TARGET_DIR/debug/caucus"

build_portals

export CAUCUS__ENVIRONMENT=development
# A data key of this installation's own, kept with its data.
[ -s "$STATE/data-key" ] || python3 -c 'import secrets, base64; print(base64.b64encode(secrets.token_bytes(32)).decode())' > "$STATE/data-key"
export CAUCUS__SECURITY__DATA_KEY="$(cat "$STATE/data-key")"
export CAUCUS__TELEMETRY__LOG_FORMAT="${CAUCUS__TELEMETRY__LOG_FORMAT:-pretty}"
export CAUCUS__SERVER__PORT="$API_PORT"
export CAUCUS__SERVER__PUBLIC_URL="http://localhost:$API_PORT"
export CAUCUS__SERVER__ALLOWED_ORIGINS="http://localhost:$API_PORT,http://localhost:$ADMIN_PORT,http://localhost:$CLIENT_PORT"
export CAUCUS__PORTALS__ADMIN_DIR="$ROOT/admin-ui/dist" CAUCUS__PORTALS__ADMIN_PORT="$ADMIN_PORT"
export CAUCUS__PORTALS__CLIENT_DIR="$ROOT/client-ui/dist" CAUCUS__PORTALS__CLIENT_PORT="$CLIENT_PORT"

say "migrating and seeding"
"$CAUCUS" migrate
"$CAUCUS" seed

"$CAUCUS" serve &
API_PID=$!
on_exit "kill $API_PID"
wait_for_port "$API_PORT" 30 || die "the API did not start"

cat <<TXT

  Caucus is running.

    Admin portal   http://localhost:$ADMIN_PORT
    Client portal  http://localhost:$CLIENT_PORT
    API (GraphiQL) http://localhost:$API_PORT/graphql
    Emails sent    ${CAUCUS_MAILPIT_URL:-(delivered to SMTP_URL)}

  Demo logins (organization "Riverside Mediation Services"), password: caucus-demo-password
    admin@demo.caucus.test     organization admin   (admin portal)
    manager@demo.caucus.test   case manager         (admin portal)
    mediator@demo.caucus.test  mediator             (admin portal)
    party@demo.caucus.test     party                (client portal)
    operator@caucus.test       platform operator    (organization "Caucus Operations";
                                                     creates organizations)

  Press Ctrl-C to stop.

TXT
wait "$API_PID"
