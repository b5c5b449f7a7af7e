#!/usr/bin/env bash
# One entry point for everything a person does with this repository outside the C# code:
# the local PostgreSQL, the test suite, the local pipeline and the k3d cluster.
# Run `./setup.sh --help` for the commands.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOCAL_DIR="$ROOT/.local"
PG_DIR="$LOCAL_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCKET="$PG_DIR/run"
PG_LOG="$PG_DIR/server.log"
PG_PORT_FILE="$PG_DIR/port"
PG_USER="flights"
PG_DB="flights"

say() { printf '%s\n' "$*" >&2; }
die() { say "setup.sh: $*"; exit 1; }

usage() {
  cat <<'EOF'
Usage: ./setup.sh <command> [args]

Local development (needs only the .NET SDK; PostgreSQL is installed if missing):
  local [flights run args]   start the local PostgreSQL and run the whole pipeline (`flights run`)
  test                       run every test (starts PostgreSQL itself); prints "N passed, N failed"
  db start|stop|status|url   manage the local PostgreSQL cluster in .local/postgres (git-ignored);
                             `db start` prints the export line for ConnectionStrings__Flights

Set ConnectionStrings__Flights to use an existing PostgreSQL server instead of the local one.
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
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || as_root useradd --system --home-dir "$PG_DIR" --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
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

pg_url() {
  echo "Host=127.0.0.1;Port=$(cat "$PG_PORT_FILE");Username=$PG_USER;Database=$PG_DB;Pooling=true;Maximum Pool Size=20"
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
  local bin; bin="$(pg_bin_dir)"
  mkdir -p "$PG_DIR" "$PG_SOCKET"
  [ "$(id -u)" -eq 0 ] && chown -R postgres "$PG_DIR" 2>/dev/null || true
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "Creating a PostgreSQL cluster in $PG_DATA ..."
    pg_run "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if pg_is_running; then
    say "PostgreSQL is already running on port $(cat "$PG_PORT_FILE")."
  else
    local port; port="$(pick_port)"
    echo "$port" > "$PG_PORT_FILE"
    # Loopback only, trust auth: this cluster is for development and tests on this machine.
    pg_run "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_SOCKET -c max_connections=200" \
      start >/dev/null || { tail -n 20 "$PG_LOG" >&2; die "PostgreSQL did not start (log: $PG_LOG)"; }
    say "PostgreSQL started on 127.0.0.1:$port (data: $PG_DATA)."
  fi
  local port; port="$(cat "$PG_PORT_FILE")"
  if ! pg_run "$bin/psql" -h "$PG_SOCKET" -p "$port" -U "$PG_USER" -d postgres -tAc "select 1 from pg_database where datname = '$PG_DB'" | grep -q 1; then
    pg_run "$bin/createdb" -h "$PG_SOCKET" -p "$port" -U "$PG_USER" "$PG_DB"
  fi
  echo "export ConnectionStrings__Flights='$(pg_url)'"
}

db_stop() {
  local bin; bin="$(pg_bin_dir)" || { say "PostgreSQL is not installed."; return 0; }
  if pg_is_running; then
    pg_run "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    say "PostgreSQL stopped."
  else
    say "PostgreSQL is not running."
  fi
}

db_status() {
  if pg_is_running; then say "running on 127.0.0.1:$(cat "$PG_PORT_FILE")"; pg_url; else say "not running"; return 1; fi
}

cmd_db() {
  case "${1:-}" in
    start) db_start ;;
    stop) db_stop ;;
    status) db_status ;;
    url) pg_is_running || die "the local PostgreSQL is not running: ./setup.sh db start"; pg_url ;;
    *) die "usage: ./setup.sh db start|stop|status|url" ;;
  esac
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
  local exports
  exports="$(db_start)"
  eval "$exports"
  export ConnectionStrings__Flights
  local standin; standin="$(kafka_extension_build_args)"
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"; mkdir -p "$results"
  say "Building (Release) ..."
  # shellcheck disable=SC2086 # $standin is empty or one flag
  dotnet build "$ROOT/Functions.sln" -c Release -nologo -v quiet $standin
  local status=0
  # shellcheck disable=SC2086
  dotnet test "$ROOT/Functions.sln" -c Release --no-build -nologo $standin \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?
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

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    -h|--help|help|"") usage ;;
    db) cmd_db "$@" ;;
    test) cmd_test "$@" ;;
    local) cmd_local "$@" ;;
    *) usage >&2; die "unknown command: $cmd" ;;
  esac
}

main "$@"
