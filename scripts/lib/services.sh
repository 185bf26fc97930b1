# Services the platform needs, started as plain processes on loopback under a
# state directory. Sourced, not run.
#
# Adding a service is one function `start_<name>` that starts it (or uses an
# environment variable the user set), registers a stop command with
# `on_exit`, and exports the CAUCUS__… variables the API reads; then add the
# name to SERVICES.
# shellcheck shell=bash

SERVICES=(postgres redis mailpit oidc radicale livekit)

STOP_COMMANDS=()
on_exit() { STOP_COMMANDS+=("$*"); }
stop_services() {
  local i
  for ((i=${#STOP_COMMANDS[@]}-1; i>=0; i--)); do eval "${STOP_COMMANDS[$i]}" >/dev/null 2>&1 || true; done
  STOP_COMMANDS=()
}

start_services() { # state-dir
  local s
  for s in "${SERVICES[@]}"; do "start_$s" "$1"; done
}

# Runs a command as the unprivileged `postgres` user when we are root
# (PostgreSQL refuses to run as root).
pg_run() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

secret_in() { # file -> a stable random secret stored in file
  [ -s "$1" ] || python3 -c 'import secrets; print(secrets.token_hex(16))' > "$1"
  cat "$1"
}

# PostgreSQL: DATABASE_URL (an owner or superuser URL) when set, else a private
# cluster. Exports the owner URL (migrations, seed) and the API role URL.
start_postgres() {
  local state=$1 app_password
  mkdir -p "$state"
  app_password=$(secret_in "$state/app-password")
  if [ -n "${DATABASE_URL:-}" ]; then
    say "using DATABASE_URL"
    export CAUCUS__DATABASE__MIGRATION_URL="$DATABASE_URL"
    export CAUCUS__DATABASE__URL
    CAUCUS__DATABASE__URL=$(python3 - "$DATABASE_URL" "$app_password" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
host = p.hostname + (f":{p.port}" if p.port else "")
print(u.urlunsplit((p.scheme, f"caucus_app:{sys.argv[2]}@{host}", p.path, p.query, "")))
PY
)
    return
  fi
  ensure_postgres
  local bin data port owner_password
  bin=$(pg_bindir); data="$state/postgres"; port=${CAUCUS_PG_PORT:-$(free_port)}
  owner_password=$(secret_in "$state/owner-password")
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a private PostgreSQL cluster in $data"
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown -R postgres "$data"
    pg_run "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  fi
  [ "$(id -u)" = 0 ] && chown -R postgres "$data"
  pg_run "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${CAUCUS_PG_FSYNC:-on}" start >/dev/null \
    || die "PostgreSQL did not start; see $data/server.log"
  on_exit "pg_run '$bin/pg_ctl' -D '$data' -m fast stop"
  pg_run "$bin/psql" -qAt -h "$data" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'caucus') THEN
    CREATE ROLE caucus LOGIN CREATEDB CREATEROLE BYPASSRLS PASSWORD '$owner_password';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE caucus OWNER caucus' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'caucus')\gexec
SQL
  export CAUCUS_PG_PORT_USED=$port
  export CAUCUS__DATABASE__MIGRATION_URL="postgres://caucus:$owner_password@127.0.0.1:$port/caucus"
  export CAUCUS__DATABASE__URL="postgres://caucus_app:$app_password@127.0.0.1:$port/caucus"
}

# Redis: REDIS_URL when set, else a private server.
start_redis() {
  local state=$1
  if [ -n "${REDIS_URL:-}" ]; then
    say "using REDIS_URL"; export CAUCUS__REDIS__URL="$REDIS_URL"; return
  fi
  ensure_redis
  local port=${CAUCUS_REDIS_PORT:-$(free_port)}
  mkdir -p "$state/redis"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$state/redis" --save "${CAUCUS_REDIS_SAVE:-60 1}" \
    --appendonly no --daemonize no --logfile "$state/redis/redis.log" &
  local pid=$!
  on_exit "kill $pid"
  wait_for_port "$port" 20 || die "Redis did not start; see $state/redis/redis.log"
  export CAUCUS__REDIS__URL="redis://127.0.0.1:$port"
}

# Mailpit, the SMTP catcher with an HTTP API: SMTP_URL when set (then no
# catcher), else a private one. Its web UI shows every email the platform sent.
MAILPIT_VERSION="v1.33.1"
start_mailpit() {
  local state=$1
  if [ -n "${SMTP_URL:-}" ]; then
    say "using SMTP_URL"; export CAUCUS__EMAIL__SMTP_URL="$SMTP_URL"; return
  fi
  ensure_go_tool mailpit github.com/axllent/mailpit "$MAILPIT_VERSION"
  local smtp=${CAUCUS_MAILPIT_SMTP_PORT:-$(free_port)} http=${CAUCUS_MAILPIT_HTTP_PORT:-$(free_port)}
  mkdir -p "$state/mailpit"
  "$HOME/go/bin/mailpit" --smtp "127.0.0.1:$smtp" --listen "127.0.0.1:$http" \
    --database "$state/mailpit/mail.db" --disable-version-check --quiet \
    > "$state/mailpit/mailpit.log" 2>&1 &
  local pid=$!
  on_exit "kill $pid"
  wait_for_port "$smtp" 20 && wait_for_port "$http" 20 || die "Mailpit did not start; see $state/mailpit/mailpit.log"
  export CAUCUS__EMAIL__SMTP_URL="smtp://127.0.0.1:$smtp"
  export CAUCUS_MAILPIT_URL="http://127.0.0.1:$http"
}

# A local OpenID Connect provider for single sign-on: zitadel/oidc's example
# provider, built from tools/oidc-provider (Dex cannot be installed with `go
# install`: docs/adr/0004), on loopback, with the static users of
# tools/oidc-provider/users.json. Clients: "caucus" (confidential; its secret
# is in the state directory) and "caucus-native" (public, PKCE), both with the
# callback of the API on any loopback port.
start_oidc() {
  local state=$1
  ensure_go_build caucus-oidc-provider "$ROOT/tools/oidc-provider"
  local port=${CAUCUS_OIDC_PORT:-$(free_port)} secret
  mkdir -p "$state/oidc"
  secret=$(secret_in "$state/oidc/client-secret")
  PORT=$port USERS_FILE="$ROOT/tools/oidc-provider/users.json" CLIENT_SECRET="$secret" \
    REDIRECT_URI="http://localhost/auth/sso/callback,http://localhost:${CAUCUS_API_PORT:-8080}/auth/sso/callback" \
    "$HOME/go/bin/caucus-oidc-provider" > "$state/oidc/provider.log" 2>&1 &
  local pid=$!
  on_exit "kill $pid"
  wait_for_port "$port" 20 || die "the OIDC provider did not start; see $state/oidc/provider.log"
  export CAUCUS_OIDC_ISSUER="http://127.0.0.1:$port/" CAUCUS_OIDC_CLIENT_SECRET="$secret"
}

# Radicale, a CalDAV server, for calendar sync (docs/scheduling-notices.md):
# installed from PyPI into a virtualenv under ~/.cache/caucus, on loopback,
# with its collections in the state directory and one htpasswd user,
# "mediator", whose password is in the state directory.
RADICALE_VERSION="3.9.0"
start_radicale() {
  local state=$1 venv="$HOME/.cache/caucus/radicale-$RADICALE_VERSION"
  if [ ! -x "$venv/bin/radicale" ]; then
    say "installing Radicale $RADICALE_VERSION (pip, once)"
    python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "radicale==$RADICALE_VERSION" \
      || die "could not install Radicale"
  fi
  local port=${CAUCUS_RADICALE_PORT:-$(free_port)} password
  mkdir -p "$state/radicale/collections"
  password=$(secret_in "$state/radicale/password")
  printf 'mediator:%s\n' "$password" > "$state/radicale/users"
  cat > "$state/radicale/config" <<CONF
[server]
hosts = 127.0.0.1:$port
[auth]
type = htpasswd
htpasswd_filename = $state/radicale/users
htpasswd_encryption = plain
[rights]
type = owner_only
[storage]
filesystem_folder = $state/radicale/collections
[logging]
level = warning
CONF
  "$venv/bin/radicale" --config "$state/radicale/config" > "$state/radicale/radicale.log" 2>&1 &
  local pid=$!
  on_exit "kill $pid"
  wait_for_port "$port" 20 || die "Radicale did not start; see $state/radicale/radicale.log"
  export CAUCUS_RADICALE_URL="http://127.0.0.1:$port" CAUCUS_RADICALE_USER=mediator CAUCUS_RADICALE_PASSWORD="$password"
}

# LiveKit, the video server (docs/video.md), on loopback only: its ICE
# candidates are 127.0.0.1 (no external IP discovery, only the `lo`
# interface), one UDP and one TCP port for media, a generated key pair, and
# its webhooks sent to the API. LIVEKIT_URL with LIVEKIT_API_KEY and
# LIVEKIT_API_SECRET use a server of your own instead. v1.13.5 is the newest
# release `go install` accepts: later ones replace pion modules with forks
# that the module proxy does not serve (docs/adr/0005).
LIVEKIT_VERSION="v1.13.5"
start_livekit() {
  local state=$1
  if [ -n "${LIVEKIT_URL:-}" ]; then
    say "using LIVEKIT_URL"
    export CAUCUS__VIDEO__URL="$LIVEKIT_URL" CAUCUS__VIDEO__API_URL="${LIVEKIT_API_URL:-${LIVEKIT_URL/ws/http}}"
    export CAUCUS__VIDEO__API_KEY="${LIVEKIT_API_KEY:?LIVEKIT_API_KEY is needed with LIVEKIT_URL}"
    export CAUCUS__VIDEO__API_SECRET="${LIVEKIT_API_SECRET:?LIVEKIT_API_SECRET is needed with LIVEKIT_URL}"
    return
  fi
  ensure_livekit
  local port=${CAUCUS_LIVEKIT_PORT:-$(free_port)} tcp udp secret webhook_port
  tcp=$(free_port); udp=$(free_port)
  webhook_port=${CAUCUS_LIVEKIT_WEBHOOK_PORT:-${CAUCUS_API_PORT:-8080}}
  mkdir -p "$state/livekit"
  secret=$(secret_in "$state/livekit/api-secret")$(secret_in "$state/livekit/api-secret-2")
  cat > "$state/livekit/livekit.yaml" <<CONF
port: $port
bind_addresses: [127.0.0.1]
rtc:
  tcp_port: $tcp
  udp_port: $udp
  node_ip: 127.0.0.1
  use_external_ip: false
  enable_loopback_candidate: true
  interfaces:
    includes: [lo]
keys:
  caucus: $secret
webhook:
  api_key: caucus
  urls: [http://127.0.0.1:$webhook_port/livekit/webhook]
logging:
  level: ${CAUCUS_LIVEKIT_LOG_LEVEL:-warn}
CONF
  "$HOME/go/bin/livekit-server" --config "$state/livekit/livekit.yaml" > "$state/livekit/livekit.log" 2>&1 &
  local pid=$!
  on_exit "kill $pid"
  wait_for_port "$port" 20 || die "LiveKit did not start; see $state/livekit/livekit.log"
  export CAUCUS__VIDEO__URL="ws://127.0.0.1:$port" CAUCUS__VIDEO__API_URL="http://127.0.0.1:$port"
  export CAUCUS__VIDEO__API_KEY=caucus CAUCUS__VIDEO__API_SECRET="$secret"
  export CAUCUS_LIVEKIT_WEBHOOK_PORT_USED=$webhook_port
}

# Starts every service in a throw-away state directory (removed at exit) and
# exports the CAUCUS_TEST_* variables the tests and benchmarks read.
start_throwaway_services() {
  THROWAWAY_STATE=$(mktemp -d "${TMPDIR:-/tmp}/caucus-test.XXXXXX"); chmod 755 "$THROWAWAY_STATE"
  trap 'stop_services; rm -rf "$THROWAWAY_STATE"' EXIT
  trap 'exit 130' INT TERM
  # LiveKit's webhooks go to a port of their own, which the one test that
  # needs them binds its API to (never a developer's API on 8080).
  CAUCUS_LIVEKIT_WEBHOOK_PORT=$(free_port) CAUCUS_PG_FSYNC=off CAUCUS_REDIS_SAVE="" start_services "$THROWAWAY_STATE"
  export CAUCUS_TEST_DATABASE_URL="$CAUCUS__DATABASE__MIGRATION_URL"
  export CAUCUS_TEST_APP_DATABASE_URL="$CAUCUS__DATABASE__URL"
  export CAUCUS_TEST_REDIS_URL="$CAUCUS__REDIS__URL"
  export CAUCUS_TEST_SMTP_URL="$CAUCUS__EMAIL__SMTP_URL"
  export CAUCUS_TEST_MAILPIT_URL="${CAUCUS_MAILPIT_URL:-}"
  export CAUCUS_TEST_OIDC_ISSUER="$CAUCUS_OIDC_ISSUER"
  export CAUCUS_TEST_RADICALE_URL="$CAUCUS_RADICALE_URL" CAUCUS_TEST_RADICALE_USER="$CAUCUS_RADICALE_USER"
  export CAUCUS_TEST_RADICALE_PASSWORD="$CAUCUS_RADICALE_PASSWORD"
  export CAUCUS_TEST_LIVEKIT_URL="$CAUCUS__VIDEO__URL" CAUCUS_TEST_LIVEKIT_API_URL="$CAUCUS__VIDEO__API_URL"
  export CAUCUS_TEST_LIVEKIT_API_KEY="$CAUCUS__VIDEO__API_KEY" CAUCUS_TEST_LIVEKIT_API_SECRET="$CAUCUS__VIDEO__API_SECRET"
  export CAUCUS_TEST_LIVEKIT_WEBHOOK_PORT="$CAUCUS_LIVEKIT_WEBHOOK_PORT_USED"
  unset CAUCUS__DATABASE__URL CAUCUS__DATABASE__MIGRATION_URL CAUCUS__REDIS__URL CAUCUS__EMAIL__SMTP_URL
  unset CAUCUS__VIDEO__URL CAUCUS__VIDEO__API_URL CAUCUS__VIDEO__API_KEY CAUCUS__VIDEO__API_SECRET
}
