#!/usr/bin/env bash
# A private PostgreSQL cluster on 127.0.0.1 for the Postgres-mode tests.
#   eval "$(scripts/pg-test-cluster.sh start)"   # prints: export TEST_DATABASE_URL=...
#   scripts/pg-test-cluster.sh stop
# Finds whatever PostgreSQL version the machine has (installing Debian's
# package if none); runs as the unprivileged `postgres` user when started by
# root, since PostgreSQL refuses to run as root.
set -euo pipefail

STATE_DIR="${PG_TEST_DIR:-${TMPDIR:-/tmp}/imagegen-pg-test}"
PORT="${PG_TEST_PORT:-55432}"

find_bindir() {
  local dir
  if command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$dir" ] && echo "$dir"
}

as_pg() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bindir
  bindir="$(find_bindir || true)"
  if [ -z "$bindir" ]; then
    echo "no PostgreSQL found; installing Debian's postgresql package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    bindir="$(find_bindir)"
  fi
  if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres >&2
  fi
  if [ -f "$STATE_DIR/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$STATE_DIR/data" status >/dev/null 2>&1; then
    echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
    return
  fi
  rm -rf "$STATE_DIR"
  mkdir -p "$STATE_DIR"
  [ "$(id -u)" = "0" ] && chown postgres: "$STATE_DIR"
  as_pg "$bindir/initdb" -D "$STATE_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$STATE_DIR/initdb.log" 2>&1 \
    || as_pg "$bindir/initdb" -D "$STATE_DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$STATE_DIR/initdb.log" 2>&1
  # Loopback only; the socket lives in the private folder, not /var/run.
  as_pg "$bindir/pg_ctl" -D "$STATE_DIR/data" -l "$STATE_DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PORT -k $STATE_DIR -c max_connections=200 -c fsync=on" start >&2
  echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
}

stop() {
  local bindir
  bindir="$(find_bindir || true)"
  if [ -n "$bindir" ] && [ -d "$STATE_DIR/data" ]; then
    as_pg "$bindir/pg_ctl" -D "$STATE_DIR/data" -m fast -w stop >&2 || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
