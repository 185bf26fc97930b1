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
export CAUCUS_OIDC_PORT="${CAUCUS_OIDC_PORT:-5556}"
export CAUCUS_RADICALE_PORT="${CAUCUS_RADICALE_PORT:-5232}"
export CAUCUS_LIVEKIT_PORT="${CAUCUS_LIVEKIT_PORT:-7880}"
export CAUCUS_API_PORT="$API_PORT"

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
# Mediators may connect calendars on this machine (the Radicale started above).
export CAUCUS__CALENDAR__HOSTS=loopback
export CAUCUS__TELEMETRY__LOG_FORMAT="${CAUCUS__TELEMETRY__LOG_FORMAT:-pretty}"
export CAUCUS__SERVER__PORT="$API_PORT"
export CAUCUS__SERVER__PUBLIC_URL="http://localhost:$API_PORT"
export CAUCUS__SERVER__ALLOWED_ORIGINS="http://localhost:$API_PORT,http://localhost:$ADMIN_PORT,http://localhost:$CLIENT_PORT"
export CAUCUS__PORTALS__ADMIN_DIR="$ROOT/admin-ui/dist" CAUCUS__PORTALS__ADMIN_PORT="$ADMIN_PORT"
export CAUCUS__PORTALS__CLIENT_DIR="$ROOT/client-ui/dist" CAUCUS__PORTALS__CLIENT_PORT="$CLIENT_PORT"

say "migrating and seeding"
"$CAUCUS" migrate
"$CAUCUS" seed
# The demo organization signs its staff in through the local OIDC provider too.
CAUCUS_DEMO_SSO_SECRET="$CAUCUS_OIDC_CLIENT_SECRET" "$CAUCUS" sso-connect --org demo \
  --name "Riverside staff directory" --issuer "$CAUCUS_OIDC_ISSUER" --client-id caucus \
  --client-secret-env CAUCUS_DEMO_SSO_SECRET --domain sso.caucus.test --role mediator

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
    OIDC provider  $CAUCUS_OIDC_ISSUER (single sign-on)
    CalDAV server  $CAUCUS_RADICALE_URL (Radicale; user $CAUCUS_RADICALE_USER,
                   password in $STATE/radicale/password)
    Video server   $CAUCUS__VIDEO__URL (LiveKit, loopback only)

  Demo logins (organization "Riverside Mediation Services"), password: caucus-demo-password
    admin@demo.caucus.test     organization admin   (admin portal)
    manager@demo.caucus.test   case manager         (admin portal)
    mediator@demo.caucus.test  mediator             (admin portal; also works for
                                                     "Lakeside Family Mediation":
                                                     switch at the top of the page)
    party@demo.caucus.test     party                (client portal)
    operator@caucus.test       platform operator    (organization "Caucus Operations";
                                                     creates organizations)
  Single sign-on: on the admin sign-in page choose "Sign in with Riverside staff
  directory", then casey@sso.caucus.test / sso test password 2026 (joins as a mediator).

  Press Ctrl-C to stop.

TXT
wait "$API_PID"
