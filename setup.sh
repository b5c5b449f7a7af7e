#!/usr/bin/env bash
# One entry point for everything a person does with this repository outside the C# code:
# the local PostgreSQL, the test suite, the local pipeline and the k3d cluster.
# Run `./setup.sh --help` for the commands.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOCAL_DIR="$ROOT/.local"
PG_DIR="$LOCAL_DIR/postgres" # moved by pg_locate when the 'postgres' user cannot enter the checkout
PG_USER="flights"
PG_DB="flights"

say() { printf '%s\n' "$*" >&2; }
die() { say "setup.sh: $*"; exit 1; }

usage() {
  cat <<'EOF'
Usage: ./setup.sh <command> [args]

Local development (needs only the .NET SDK; PostgreSQL is installed if missing):
  local [flights run args]   start the local PostgreSQL and run the whole pipeline (`flights run`)
  demo [flights run args]    the same on simulated traffic (`flights run --demo`): no network needed
  test                       run every test (starts PostgreSQL itself); prints "N passed, N failed"
  recordings                 download the recorded OpenSky data the tests read into .local/recordings
                             (git-ignored; sources and SHA-256 in tests/recordings.manifest). Not
                             needed where ../shared/data/opensky holds them; `test` fetches what is missing
  db start|stop|status|url   manage the local PostgreSQL cluster in .local/postgres (git-ignored;
                             /var/tmp/flights-pg-<hash> when root's 'postgres' cannot enter the checkout);
                             `db start` prints the export line for ConnectionStrings__Flights;
                             `db url writer|reader` the login of the processor's / dashboard's role

Set ConnectionStrings__Flights to use an existing PostgreSQL server instead of the local one.

Cluster (k3d + Argo CD; needs docker, k3d, kubectl, helm; see docs/cluster.md):
  up [--repo URL] [--branch NAME] [--local-images]
                             create or update the k3d cluster "flights" with a local registry,
                             install Argo CD, create the secrets, register the app-of-apps (argocd/)
                             and wait for Kafka and PostgreSQL. Repository and branch default to
                             REPO_URL / REPO_BRANCH, else `git remote get-url origin` and the current
                             branch. --local-images (or FLIGHTS_IMAGES=local) builds both images and
                             deploys them from the local registry instead of GHCR.
                             Secrets come from the environment or an untracked .env: FLIGHTS_DB_PASSWORD
                             (else kept, or generated once), OPENSKY_CLIENT_ID / OPENSKY_CLIENT_SECRET
                             (else ./credentials.json, else anonymous), GIT_WRITE_USER / GIT_WRITE_TOKEN
                             (Image Updater git write-back; optional).
  down                       delete the cluster and its registry
  status                     Argo CD apps, pods, the ScaledObject and the processor's consumer lag
  check                      offline checks of argocd/, keda/, .github/, Dockerfile and setup.sh
                             (also run at the end of `test`)
EOF
}

# ---------------------------------------------------------------------------------------------
# Local PostgreSQL: a private cluster in .local/postgres, on a free loopback port.
# ---------------------------------------------------------------------------------------------

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    die "need root to run: $* (install PostgreSQL yourself, or set ConnectionStrings__Flights)"
  fi
}

pg_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

ensure_postgres_installed() {
  pg_bin_dir >/dev/null && return 0
  say "PostgreSQL is not installed; installing the Debian package 'postgresql' ..."
  command -v apt-get >/dev/null 2>&1 || die "no apt-get here: install PostgreSQL 15+ yourself or set ConnectionStrings__Flights"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin_dir >/dev/null || die "PostgreSQL was installed but initdb was not found"
}

# PostgreSQL refuses to run as root; when we are root, the cluster belongs to the 'postgres' user.
# Any other user runs the cluster as themselves (sudo is only ever needed to install the package).
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then
    # From /: postgres may not be allowed into the current directory.
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Where this checkout's cluster lives: .local/postgres, unless we are root and the 'postgres' user cannot
# enter the checkout (a checkout under mode-700 /root, as in many containers). Then it lives in
# /var/tmp/flights-pg-<hash of the checkout path>, owned by postgres: still one cluster per checkout.
pg_locate() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
    if ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
      PG_DIR="/var/tmp/flights-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-16)"
    fi
  fi
  PG_DATA="$PG_DIR/data"
  PG_SOCKET="$PG_DIR/run"
  PG_LOG="$PG_DIR/server.log"
  PG_PORT_FILE="$PG_DIR/port"
}

# Creates the cluster's folder; outside the checkout it must be ours: /var/tmp is writable by everyone.
pg_prepare_dir() {
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$PG_DIR"
    case "$PG_DIR" in
      "$LOCAL_DIR"/*) ;;
      *) [ "$(stat -c %U "$PG_DIR")" = root ] || [ "$(stat -c %U "$PG_DIR")" = postgres ] \
           || die "$PG_DIR belongs to $(stat -c %U "$PG_DIR"), not to postgres: remove it and run again" ;;
    esac
    chmod 700 "$PG_DIR"
    mkdir -p "$PG_SOCKET"
    chown -R postgres "$PG_DIR"
  else
    mkdir -p "$PG_DIR" "$PG_SOCKET"
  fi
}

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local port
  for port in $(seq 55432 55532); do
    port_is_free "$port" && { echo "$port"; return 0; }
  done
  die "no free TCP port between 55432 and 55532 on 127.0.0.1"
}

# The connection string for a role: owner (the default; runs the migrations), writer or reader.
pg_url() {
  local user
  case "${1:-owner}" in
    owner) user="$PG_USER" ;;
    writer) user=flights_writer ;;
    reader) user=flights_reader ;;
    *) die "usage: ./setup.sh db url [owner|writer|reader]" ;;
  esac
  echo "Host=127.0.0.1;Port=$(cat "$PG_PORT_FILE");Username=$user;Database=$PG_DB;Pooling=true;Maximum Pool Size=20"
}

# The login roles of least privilege (grants: sql/007_roles.sql, applied by the owner's migrations):
# flights_writer for the processor, closer and fetch; flights_reader for the dashboard and BI tools.
# The bootstrap user 'flights' owns the database and runs the migrations.
db_roles() {
  local bin="$1" port="$2" role
  for role in flights_writer flights_reader; do
    pg_run "$bin/psql" -h "$PG_SOCKET" -p "$port" -U "$PG_USER" -d "$PG_DB" -v ON_ERROR_STOP=1 -qtAc \
      "do \$\$ begin if not exists (select from pg_roles where rolname = '$role') then create role $role login; else alter role $role login; end if; end \$\$" >/dev/null \
      || die "could not create the role $role (log: $PG_LOG)"
  done
}

pg_is_running() {
  local bin; bin="$(pg_bin_dir)" || return 1
  [ -f "$PG_DATA/PG_VERSION" ] && pg_run "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

db_start() {
  if [ -n "${ConnectionStrings__Flights:-}" ]; then
    say "Using the PostgreSQL server given by ConnectionStrings__Flights."
    echo "export ConnectionStrings__Flights='${ConnectionStrings__Flights}'"
    return 0
  fi
  ensure_postgres_installed
  pg_locate
  local bin; bin="$(pg_bin_dir)"
  pg_prepare_dir
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "Creating a PostgreSQL cluster in $PG_DATA ..."
    pg_run "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if pg_is_running; then
    say "PostgreSQL is already running on port $(cat "$PG_PORT_FILE")."
  else
    local port attempt
    # Another server (another checkout's cluster, starting at the same moment) can take the port between the
    # check and the bind: then pick again, a few times, rather than fail.
    for attempt in 1 2 3 4 5; do
      port="$(pick_port)"
      echo "$port" > "$PG_PORT_FILE"
      # Loopback only, trust auth: this cluster is for development and tests on this machine.
      if pg_run "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_SOCKET -c max_connections=200" \
        start >/dev/null; then
        break
      fi
      if [ "$attempt" -lt 5 ] && tail -n 5 "$PG_LOG" | grep -q "Address already in use"; then
        say "Port $port was taken while PostgreSQL started; trying another."
        continue
      fi
      tail -n 20 "$PG_LOG" >&2; die "PostgreSQL did not start (log: $PG_LOG)"
    done
    say "PostgreSQL started on 127.0.0.1:$port (data: $PG_DATA)."
  fi
  local port; port="$(cat "$PG_PORT_FILE")"
  if ! pg_run "$bin/psql" -h "$PG_SOCKET" -p "$port" -U "$PG_USER" -d postgres -tAc "select 1 from pg_database where datname = '$PG_DB'" | grep -q 1; then
    pg_run "$bin/createdb" -h "$PG_SOCKET" -p "$port" -U "$PG_USER" "$PG_DB"
  fi
  db_roles "$bin" "$port"
  echo "export ConnectionStrings__Flights='$(pg_url)'"
}

db_stop() {
  local bin; bin="$(pg_bin_dir)" || { say "PostgreSQL is not installed."; return 0; }
  pg_locate
  if pg_is_running; then
    pg_run "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    say "PostgreSQL stopped."
  else
    say "PostgreSQL is not running."
  fi
}

db_status() {
  pg_locate
  if pg_is_running; then say "running on 127.0.0.1:$(cat "$PG_PORT_FILE")"; pg_url; else say "not running"; return 1; fi
}

cmd_db() {
  case "${1:-}" in
    start) db_start ;;
    stop) db_stop ;;
    status) db_status ;;
    url) pg_locate; pg_is_running || die "the local PostgreSQL is not running: ./setup.sh db start"; pg_url "${2:-owner}" ;;
    *) die "usage: ./setup.sh db start|stop|status|url [owner|writer|reader]" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Recorded OpenSky data for the tests: ../shared/data/opensky when present, else the git-ignored
# cache .local/recordings, filled from the public origins listed in tests/recordings.manifest.
# ---------------------------------------------------------------------------------------------

RECORDINGS_MANIFEST="${FLIGHTS_RECORDINGS_MANIFEST:-$ROOT/tests/recordings.manifest}"
RECORDINGS_CACHE="${FLIGHTS_RECORDINGS_DIR:-$LOCAL_DIR/recordings}"
RECORDINGS_SHARED="$ROOT/../shared/data/opensky"

recordings_base_url() {
  [ -n "${FLIGHTS_RECORDINGS_BASE_URL:-}" ] && { echo "$FLIGHTS_RECORDINGS_BASE_URL"; return 0; }
  awk '$1 == "base-url" { print $2 }' "$RECORDINGS_MANIFEST"
}

# name sha256 transform path, one recording per line
recordings_entries() {
  awk '$1 !~ /^#/ && $1 != "base-url" && NF == 4' "$RECORDINGS_MANIFEST"
}

# The SHA-256 of what the tests read from a stored file: the file itself, or its gzip content.
recording_digest() {
  case "$2" in
    none) sha256sum < "$1" ;;
    gzip) gzip -dc < "$1" 2>/dev/null | sha256sum ;;
    *) echo "unknown-transform" ;;
  esac | cut -d' ' -f1
}

recording_ok() { # file transform sha256
  [ -f "$1" ] && [ "$(recording_digest "$1" "$2")" = "$3" ]
}

# Downloads one recording into the cache; keeps it only when its checksum matches the manifest.
fetch_recording() {
  local name="$1" sha="$2" transform="$3" path="$4" url part actual
  url="$(recordings_base_url)$path"
  mkdir -p "$RECORDINGS_CACHE"
  part="$RECORDINGS_CACHE/.$name.download"
  if ! curl -fsSL --connect-timeout 10 --max-time 600 -o "$part" "$url" 2>"$part.err"; then
    say "setup.sh: could not download $name from $url ($(tail -n 1 "$part.err" | sed 's/^curl: ([0-9]*) //'))"
    rm -f "$part" "$part.err"; return 1
  fi
  rm -f "$part.err"
  actual="$(sha256sum < "$part" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    say "setup.sh: $name from $url has SHA-256 $actual, but tests/recordings.manifest says $sha: not kept"
    rm -f "$part"; return 1
  fi
  case "$transform" in
    none) mv "$part" "$RECORDINGS_CACHE/$name" ;;
    gzip) gzip -n -c < "$part" > "$part.gz" && mv "$part.gz" "$RECORDINGS_CACHE/$name"; rm -f "$part" ;;
    *) rm -f "$part"; say "setup.sh: unknown transform '$transform' for $name in tests/recordings.manifest"; return 1 ;;
  esac
  say "Downloaded $name into $RECORDINGS_CACHE (SHA-256 verified)."
}

# `./setup.sh recordings`: fills the cache with every recording it does not hold yet (verified).
cmd_recordings() {
  local name sha transform path status=0
  [ -f "$RECORDINGS_MANIFEST" ] || die "no recordings manifest at $RECORDINGS_MANIFEST"
  while read -r name sha transform path; do
    if recording_ok "$RECORDINGS_CACHE/$name" "$transform" "$sha"; then
      say "$name is in $RECORDINGS_CACHE (SHA-256 verified)."
    else
      fetch_recording "$name" "$sha" "$transform" "$path" || status=1
    fi
  done < <(recordings_entries)
  return "$status"
}

# Before the tests: fetch what neither ../shared nor the cache holds. Never fails: without network the
# tests that read a missing recording fail, each with one line naming `./setup.sh recordings`.
recordings_for_tests() {
  local name sha transform path
  while read -r name sha transform path; do
    recording_ok "$RECORDINGS_SHARED/$name" "$transform" "$sha" && continue
    recording_ok "$RECORDINGS_CACHE/$name" "$transform" "$sha" && continue
    fetch_recording "$name" "$sha" "$transform" "$path" \
      || say "NOTE: recording $name is missing; the tests that read it will fail (./setup.sh recordings)."
  done < <(recordings_entries)
}

# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

# The Functions Kafka extension is not served by every NuGet source. Where a restore answers NU1101
# for it, the build takes the compile-only stand-in (see functions/Flights.Functions/KafkaExtensionStandIn.cs).
kafka_extension_build_args() {
  local out
  out="$(dotnet restore "$ROOT/functions/Flights.Functions/Flights.Functions.csproj" 2>&1 || true)"
  if grep -q "NU1101.*Microsoft.Azure.Functions.Worker.Extensions.Kafka" <<<"$out"; then
    say "NOTE: Microsoft.Azure.Functions.Worker.Extensions.Kafka cannot be restored here (NU1101);"
    say "      building with the compile-only stand-in (-p:KafkaExtensionStandIn=true). Such a build cannot bind Kafka triggers."
    echo "-p:KafkaExtensionStandIn=true"
  fi
}

cmd_test() {
  recordings_for_tests
  local exports
  exports="$(db_start)"
  eval "$exports"
  export ConnectionStrings__Flights
  local standin; standin="$(kafka_extension_build_args)"
  # The dashboard's browser tests drive Debian's Chromium (no browser can be downloaded by Playwright here).
  CHROMIUM_PATH="$(bash "$ROOT/tests/install-chromium.sh")"
  export CHROMIUM_PATH
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"; mkdir -p "$results"
  say "Building (Release) ..."
  # shellcheck disable=SC2086 # $standin is empty or one flag
  dotnet build "$ROOT/Functions.sln" -c Release -nologo -v quiet $standin
  local status=0
  # shellcheck disable=SC2086
  dotnet test "$ROOT/Functions.sln" -c Release --no-build -nologo $standin \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?
  # The offline manifest checks, before the closing "tests: N passed, N failed" line.
  run_checks "$standin" || status=1
  summarize_trx "$results" || status=1
  return "$status"
}

# dotnet test prints one summary per project; CI wants one closing line: "N passed, N failed".
summarize_trx() {
  local dir="$1" passed=0 failed=0 skipped=0 total=0 f p fl s t
  for f in "$dir"/*.trx; do
    [ -e "$f" ] || continue
    t=$(grep -o '<Counters [^>]*' "$f" | grep -o ' total="[0-9]*"' | grep -o '[0-9]*' || echo 0)
    p=$(grep -o '<Counters [^>]*' "$f" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*' || echo 0)
    fl=$(grep -o '<Counters [^>]*' "$f" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*' || echo 0)
    s=$(grep -o '<Counters [^>]*' "$f" | grep -o ' notExecuted="[0-9]*"' | grep -o '[0-9]*' || echo 0)
    total=$((total + t)); passed=$((passed + p)); failed=$((failed + fl)); skipped=$((skipped + s))
  done
  if [ "$total" -eq 0 ]; then say "No test results found in $dir"; echo "0 passed, 1 failed"; return 1; fi
  if [ "$skipped" -gt 0 ]; then echo "tests: $passed passed, $failed failed, $skipped skipped"; else echo "tests: $passed passed, $failed failed"; fi
  [ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
}

# ---------------------------------------------------------------------------------------------
# Local pipeline
# ---------------------------------------------------------------------------------------------

cmd_local() {
  local exports
  exports="$(db_start)"
  eval "$exports"
  export ConnectionStrings__Flights
  exec dotnet run --project "$ROOT/functions/Flights.Cli" -c Release -- run "$@"
}

# The local pipeline fed by the traffic simulator instead of OpenSky: aircraft on the map within seconds.
cmd_demo() {
  cmd_local --demo "$@"
}

# ---------------------------------------------------------------------------------------------
# Offline checks (tests/manifests): run by `check` and at the end of `test`
# ---------------------------------------------------------------------------------------------

# Runs tests/manifests/check.mjs, then replays the Dockerfile's build stages (dockerfile-replay.mjs);
# expects functions.metadata to be built (cmd_test has just built it). $1: the Kafka stand-in flag or "".
run_checks() {
  local standin="${1:-}" dir="$ROOT/tests/manifests" status=0
  command -v node >/dev/null 2>&1 || { echo "FAIL manifest checks: Node.js 20+ is not installed"; return 1; }
  command -v npm >/dev/null 2>&1 || { echo "FAIL manifest checks: npm is not installed"; return 1; }
  if ! command -v shellcheck >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    say "shellcheck is not installed; installing the Debian package 'shellcheck' ..."
    { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; } \
      || say "could not install shellcheck; its check will fail"
  fi
  # node_modules is git-ignored: install exactly what package-lock.json says, again when it changes.
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "Installing the checker's npm packages (npm ci) ..."
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || { echo "FAIL manifest checks: npm ci failed"; return 1; }
  fi
  say "Running the offline manifest checks ..."
  node "$dir/check.mjs" || status=1
  say "Replaying the Dockerfile's build stages with the local SDK (a few minutes) ..."
  local use_standin=false
  [ -z "$standin" ] || use_standin=true
  FLIGHTS_KAFKA_STANDIN="$use_standin" node "$dir/dockerfile-replay.mjs" || status=1
  return "$status"
}

cmd_check() {
  local standin
  standin="$(kafka_extension_build_args)"
  say "Building functions/Flights.Functions (Release) for functions.metadata ..."
  # shellcheck disable=SC2086 # $standin is empty or one flag
  dotnet build "$ROOT/functions/Flights.Functions/Flights.Functions.csproj" -c Release -nologo -v quiet $standin >&2 \
    || { echo "FAIL manifest checks: the Functions app does not build"; return 1; }
  run_checks "$standin"
}

# ---------------------------------------------------------------------------------------------
# Cluster: k3d + local registry + Argo CD; everything else comes from argocd/ (app-of-apps)
# ---------------------------------------------------------------------------------------------

CLUSTER="${FLIGHTS_CLUSTER:-flights}"
KCTX="k3d-$CLUSTER"
# k3d names the registry's container "k3d-" + the name it is given (cmd/registry/registryCreate.go,
# k3d.DefaultObjectNamePrefix), and every later reference (registry list/delete, --registry-use, image
# references) must use that real name. Give `registry create` the bare name only.
REGISTRY_NAME="$CLUSTER-registry.localhost"
REGISTRY="k3d-$REGISTRY_NAME"
# The Kubernetes version is pinned: k3d v5.8.3 without --image starts its built-in k3s (about v1.31),
# older than KEDA 2.20 is tested on (1.33-1.35). Strimzi 1.2 needs 1.30 or newer. See docs/cluster.md.
K3S_IMAGE="${FLIGHTS_K3S_IMAGE:-rancher/k3s:v1.34.6-k3s1}"
REGISTRY_PORT="${FLIGHTS_REGISTRY_PORT:-5111}"
INGRESS_PORT="${FLIGHTS_INGRESS_PORT:-8080}"
ARGOCD_CHART_VERSION="${ARGOCD_CHART_VERSION:-9.5.4}"

# Every kubectl call names the k3d context: never act on whatever cluster happens to be current.
kc() { kubectl --context "$KCTX" "$@"; }

# Lists every missing tool at once, so one install round is enough.
require_tools() {
  local missing=() tool
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "setup.sh: missing required tools: ${missing[*]}"
    say "  Install them (the devcontainer in .devcontainer/ has them all) and run the command again."
    exit 1
  fi
}

# Reads KEY=VALUE lines from .env without executing it; the environment wins over the file.
load_env_file() {
  local file="$ROOT/.env" line key value
  [ -f "$file" ] || return 0
  if git -C "$ROOT" ls-files --error-unmatch .env >/dev/null 2>&1; then
    die ".env is tracked by git: secrets must never be committed. Untrack it: git rm --cached .env"
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    line="${line#export }"
    key="${line%%=*}"; value="${line#*=}"
    value="${value%\"}"; value="${value#\"}"; value="${value%\'}"; value="${value#\'}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    [ -n "${!key:-}" ] || export "$key=$value"
  done < "$file"
}

# Retries "$@" every 5 s until it succeeds or $2 seconds have passed.
wait_for() {
  local what="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  say "Waiting for $what (up to ${seconds}s) ..."
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out waiting for $what. Look at: ./setup.sh status"
    sleep 5
  done
}

# Creates or updates a Secret from key=value arguments. The values travel in files, never on a
# command line (which other users can read in the process list). tests/manifests/check.mjs reads the
# apply_secret lines to learn which secrets and keys exist: keep each call on one line.
apply_secret() {
  local ns="$1" name="$2" dir arg key args=()
  shift 2
  dir="$(mktemp -d)"
  for arg in "$@"; do
    key="${arg%%=*}"
    printf '%s' "${arg#*=}" > "$dir/$key"
    args+=("--from-file=$key=$dir/$key")
  done
  kc create namespace "$ns" --dry-run=client -o yaml | kc apply -f - >/dev/null
  kc -n "$ns" create secret generic "$name" "${args[@]}" --dry-run=client -o yaml | kc apply -f - >/dev/null
  rm -rf "$dir"
  say "Secret $ns/$name: ${*%%=*}"
}

secret_value() { # namespace name key -> the decoded value, or nothing
  kc -n "$1" get secret "$2" -o "jsonpath={.data.$3}" 2>/dev/null | base64 -d 2>/dev/null || true
}

create_secrets() {
  # PostgreSQL sets the password when it first initialises its volume: keep the one the cluster has
  # unless FLIGHTS_DB_PASSWORD gives a new one (which then also needs ALTER USER on the server).
  local db_password="${FLIGHTS_DB_PASSWORD:-}"
  [ -n "$db_password" ] || db_password="$(secret_value flights flights-db password)"
  [ -n "$db_password" ] || db_password="$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 24)"
  local connection="Host=postgres.flights.svc;Port=5432;Database=flights;Username=flights;Password=$db_password;Maximum Pool Size=20"
  apply_secret flights flights-db password="$db_password" connection-string="$connection"
  # One secret per role (sql/007_roles.sql): the owner's above runs the migrations; the Job postgres-roles
  # (argocd/postgres) gives these two roles their login with these passwords, kept across runs.
  local writer_password reader_password
  writer_password="$(secret_value flights flights-db-writer password)"
  [ -n "$writer_password" ] || writer_password="$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 24)"
  reader_password="$(secret_value flights flights-db-reader password)"
  [ -n "$reader_password" ] || reader_password="$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 24)"
  apply_secret flights flights-db-writer password="$writer_password" connection-string="Host=postgres.flights.svc;Port=5432;Database=flights;Username=flights_writer;Password=$writer_password;Maximum Pool Size=20"
  apply_secret flights flights-db-reader password="$reader_password" connection-string="Host=postgres.flights.svc;Port=5432;Database=flights;Username=flights_reader;Password=$reader_password;Maximum Pool Size=10"

  local client_id="${OPENSKY_CLIENT_ID:-}" client_secret="${OPENSKY_CLIENT_SECRET:-}"
  if [ -z "$client_id" ] && [ -f "$ROOT/credentials.json" ]; then
    client_id="$(sed -n 's/.*"clientId"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/credentials.json")"
    client_secret="$(sed -n 's/.*"clientSecret"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/credentials.json")"
  fi
  [ -n "$client_id" ] || say "NOTE: no OpenSky credentials (OPENSKY_CLIENT_ID/OPENSKY_CLIENT_SECRET or ./credentials.json): FetchStates polls anonymously."
  apply_secret flights opensky client-id="$client_id" client-secret="$client_secret"

  if [ -n "${GIT_WRITE_TOKEN:-}" ]; then
    apply_secret argocd git-creds username="${GIT_WRITE_USER:-git}" password="$GIT_WRITE_TOKEN"
  else
    say "NOTE: GIT_WRITE_TOKEN is not set: the Image Updater cannot write new image tags back to git."
  fi
}

default_repo_url() {
  local url
  url="$(git -C "$ROOT" remote get-url origin 2>/dev/null)" || return 1
  # Argo CD reads a public repository over HTTPS without credentials.
  case "$url" in
    git@github.com:*) url="https://github.com/${url#git@github.com:}" ;;
  esac
  echo "$url"
}

ensure_cluster() {
  if ! k3d registry list "$REGISTRY" >/dev/null 2>&1; then
    say "Creating the local registry $REGISTRY on localhost:$REGISTRY_PORT ..."
    k3d registry create "$REGISTRY_NAME" --port "$REGISTRY_PORT" >/dev/null
  fi
  if k3d cluster get "$CLUSTER" >/dev/null 2>&1; then
    say "The k3d cluster $CLUSTER exists; starting it (a no-op when it runs) ..."
    k3d cluster start "$CLUSTER" >/dev/null
  else
    say "Creating the k3d cluster $CLUSTER ($K3S_IMAGE, ingress on http://localhost:$INGRESS_PORT) ..."
    k3d cluster create "$CLUSTER" --agents 0 --wait --image "$K3S_IMAGE" \
      --registry-use "$REGISTRY:$REGISTRY_PORT" \
      --port "$INGRESS_PORT:80@loadbalancer" >/dev/null
  fi
  wait_for "the Kubernetes API" 120 kc get --raw /readyz
}

install_argocd() {
  say "Installing or upgrading Argo CD (chart argo-cd $ARGOCD_CHART_VERSION) ..."
  helm --kube-context "$KCTX" upgrade --install argocd argo-cd \
    --repo https://argoproj.github.io/argo-helm --version "$ARGOCD_CHART_VERSION" \
    --namespace argocd --create-namespace \
    --values "$ROOT/argocd/bootstrap/argocd-values.yaml" \
    --wait --timeout 10m >/dev/null
  wait_for "the Application CRD" 120 kc get crd applications.argoproj.io
}

# Builds both images, pushes them to the local registry and prints their tag.
build_local_images() {
  local tag target
  tag="local-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo dev)-$(date +%s)"
  for target in functions cli; do
    say "Building flights-$target ($tag) ..."
    docker build --target "$target" -t "localhost:$REGISTRY_PORT/flights-$target:$tag" "$ROOT" >&2
    docker push "localhost:$REGISTRY_PORT/flights-$target:$tag" >&2
  done
  echo "$tag"
}

register_root_app() {
  local repo_url="$1" branch="$2" local_tag="$3" manifest
  manifest="$(sed -e "s|__REPO_URL__|$repo_url|g" -e "s|__BRANCH__|$branch|g" "$ROOT/argocd/bootstrap/root.yaml")"
  if [ -n "$local_tag" ]; then
    # One more patch: the flights Application takes both images from the cluster's registry.
    manifest="$(awk -v reg="$REGISTRY:$REGISTRY_PORT" -v tag="$local_tag" '
      { print }
      /^      patches:$/ {
        print "        - target:"
        print "            group: argoproj.io"
        print "            kind: Application"
        print "            name: flights"
        print "          patch: |-"
        print "            - op: add"
        print "              path: /spec/source/kustomize"
        print "              value:"
        print "                images:"
        print "                  - flights-functions=" reg "/flights-functions:" tag
        print "                  - flights-cli=" reg "/flights-cli:" tag
      }' <<<"$manifest")"
  fi
  kc apply -f - <<<"$manifest" >/dev/null
  say "Registered the app-of-apps: $repo_url, branch $branch, path argocd/."
}

cmd_up() {
  local repo_url="${REPO_URL:-}" branch="${REPO_BRANCH:-}" images="${FLIGHTS_IMAGES:-ghcr}"
  while [ $# -gt 0 ]; do
    case "$1" in
      --repo) repo_url="${2:?--repo needs a URL}"; shift 2 ;;
      --branch) branch="${2:?--branch needs a name}"; shift 2 ;;
      --local-images) images=local; shift ;;
      *) die "unknown option for up: $1 (see ./setup.sh --help)" ;;
    esac
  done
  require_tools docker k3d kubectl helm
  docker info >/dev/null 2>&1 || die "docker is installed but its engine does not answer (is the Docker daemon running?)"
  load_env_file
  [ -n "$repo_url" ] || repo_url="$(default_repo_url)" \
    || die "no git remote 'origin': name the repository Argo CD deploys from: ./setup.sh up --repo https://github.com/<owner>/<repo>.git"
  [ -n "$branch" ] || branch="$(git -C "$ROOT" rev-parse --abbrev-ref HEAD)"
  say "Argo CD will deploy argocd/ from $repo_url, branch $branch (push your commits there first)."

  ensure_cluster
  install_argocd
  create_secrets
  local local_tag=""
  if [ "$images" = local ]; then local_tag="$(build_local_images)"; fi
  register_root_app "$repo_url" "$branch" "$local_tag"

  wait_for "the Strimzi CRDs" 600 kc get crd kafkas.kafka.strimzi.io kafkanodepools.kafka.strimzi.io kafkatopics.kafka.strimzi.io
  wait_for "the KEDA CRDs" 600 kc get crd scaledobjects.keda.sh
  wait_for "the Kafka cluster to be Ready" 900 kc -n kafka wait kafka/flights --for=condition=Ready --timeout=5s
  wait_for "the Kafka topics" 300 kc -n kafka wait kafkatopic/flight-raw-data kafkatopic/flight-raw-data-dlq --for=condition=Ready --timeout=5s
  wait_for "PostgreSQL" 600 kc -n flights rollout status statefulset/postgres --timeout=5s
  wait_for "the Functions app (flights-timers)" 600 kc -n flights rollout status deployment/flights-timers --timeout=5s

  local password
  password="$(secret_value argocd argocd-initial-admin-secret password)"
  cat >&2 <<EOF

The cluster is up.
  Dashboard:  http://localhost:$INGRESS_PORT/          Kafka UI: http://localhost:$INGRESS_PORT/kafka-ui/
  Argo CD:    kubectl --context $KCTX -n argocd port-forward svc/argocd-server 8081:80
              then http://localhost:8081 (user admin, password ${password:-in the Secret argocd/argocd-initial-admin-secret})
  Status:     ./setup.sh status            Tear down: ./setup.sh down
EOF
}

cmd_down() {
  require_tools k3d
  if k3d cluster get "$CLUSTER" >/dev/null 2>&1; then k3d cluster delete "$CLUSTER"; else say "No k3d cluster $CLUSTER."; fi
  if k3d registry list "$REGISTRY" >/dev/null 2>&1; then k3d registry delete "$REGISTRY"; else say "No k3d registry $REGISTRY."; fi
}

cmd_status() {
  require_tools kubectl
  echo "== Argo CD applications"; kc -n argocd get applications.argoproj.io || true
  echo; echo "== Pods"; kc get pods -n kafka || true; kc get pods -n flights || true
  echo; echo "== KEDA"; kc -n flights get scaledobject,hpa || true
  echo; echo "== Consumer group flights-processor (lag per partition)"
  kc -n kafka exec flights-dual-role-0 -c kafka -- /opt/kafka/bin/kafka-consumer-groups.sh \
    --bootstrap-server localhost:9092 --describe --group flights-processor 2>/dev/null \
    || echo "(not available yet: Kafka or the consumer group is not up)"
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    -h|--help|help|"") usage ;;
    db) cmd_db "$@" ;;
    recordings) cmd_recordings "$@" ;;
    test) cmd_test "$@" ;;
    local) cmd_local "$@" ;;
    demo) cmd_demo "$@" ;;
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    check) cmd_check "$@" ;;
    *) usage >&2; die "unknown command: $cmd" ;;
  esac
}

main "$@"
