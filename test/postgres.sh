#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: a private cluster in a temporary directory, listening on
# 127.0.0.1 and a private unix socket only, on the first free port from 55432.
#   test/postgres.sh start   starts it (installing the Debian package when initdb is missing) and
#                            prints its connection string on stdout; everything else goes to stderr
#   test/postgres.sh env     prints `export WAORLEANS_TEST_POSTGRES=…` for the running cluster
#   test/postgres.sh restart [SECONDS]  stops it (fast: every client is disconnected), waits
#                            SECONDS (default 0) and starts it again on the same port and data,
#                            for the tests that prove the cluster recovers by itself
#   test/postgres.sh stop    stops it and removes its directory
# The state file (default test/.postgres.state, override with WAORLEANS_PG_STATE) remembers the
# directory and port between calls, so each worktree can run its own cluster.
set -euo pipefail
cd "$(dirname "$0")"

state=${WAORLEANS_PG_STATE:-$PWD/.postgres.state}
first_port=55432
database=waorleans
role=waorleans

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  command -v "$1" 2>/dev/null && return
  ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

# initdb and postgres refuse to run as root: the cluster belongs to the 'postgres' OS user then.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    su postgres -s /bin/sh -c "$1"
  else
    sh -c "$1"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

connection_string() { echo "Host=127.0.0.1;Port=$1;Database=$database;Username=$role"; }

start() {
  if [[ -f $state ]]; then
    local old_dir old_port
    read -r old_dir old_port < "$state"
    if [[ -d $old_dir/data ]] && as_owner "'$(find_bin pg_ctl)' -D '$old_dir/data' status" >/dev/null 2>&1; then
      log "already running on port $old_port ($old_dir); stop it first"
      exit 1
    fi
    log "removing the state of a cluster that is no longer running ($old_dir)"
    rm -rf "$old_dir" "$state"
  fi

  if [[ -z $(find_bin initdb) ]]; then
    log "initdb not found: installing the Debian postgresql package"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
  fi
  local initdb pg_ctl
  initdb=$(find_bin initdb)
  pg_ctl=$(find_bin pg_ctl)

  local port=$first_port
  while port_in_use "$port"; do port=$((port + 1)); done

  local dir
  dir=$(mktemp -d /tmp/waorleans-pg.XXXXXX)
  [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
  echo "$dir $port" > "$state"

  # fsync off: a test cluster is thrown away, so durability against power loss buys nothing here.
  as_owner "'$initdb' -D '$dir/data' -U postgres --auth=trust -E UTF8 >'$dir/initdb.log' 2>&1" \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "'$pg_ctl' -D '$dir/data' -w -l '$dir/postgres.log' \
    -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start" >&2 \
    || { cat "$dir/postgres.log" >&2; exit 1; }

  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE $role LOGIN" -c "CREATE DATABASE $database OWNER $role" >&2
  log "running on 127.0.0.1:$port, data in $dir"
  connection_string "$port"
}

stop() {
  if [[ ! -f $state ]]; then
    log "not running"
    return
  fi
  local dir port
  read -r dir port < "$state"
  as_owner "'$(find_bin pg_ctl)' -D '$dir/data' -m fast -w stop" >&2 || log "pg_ctl stop failed; removing $dir anyway"
  rm -rf "$dir" "$state"
}

restart() {
  [[ -f $state ]] || { log "not running"; exit 1; }
  local dir port pg_ctl
  read -r dir port < "$state"
  pg_ctl=$(find_bin pg_ctl)
  as_owner "'$pg_ctl' -D '$dir/data' -m fast -w stop" >&2
  sleep "${1:-0}"
  as_owner "'$pg_ctl' -D '$dir/data' -w -l '$dir/postgres.log' \
    -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start" >&2 \
    || { tail -n 20 "$dir/postgres.log" >&2; exit 1; }
  log "restarted on 127.0.0.1:$port after ${1:-0} s down"
}

print_env() {
  [[ -f $state ]] || { log "not running"; exit 1; }
  local dir port
  read -r dir port < "$state"
  echo "export WAORLEANS_TEST_POSTGRES='$(connection_string "$port")'"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart "${2:-0}" ;;
  env) print_env ;;
  *) echo "usage: $0 start|restart|stop|env" >&2; exit 2 ;;
esac
