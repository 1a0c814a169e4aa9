#!/usr/bin/env bash
# Runs an N-silo WaOrleans cluster on this machine against one PostgreSQL database; the failover
# tests use it. Each silo is a separate process (the built src/Silo dll) on its own ports.
#   deploy/cluster.sh start N CONNSTRING   starts silos 1..N and prints the cluster directory
#                                          (logs silo<i>.log, pids silo<i>.pid) on stdout
#   deploy/cluster.sh restart DIR I CONNSTRING   starts silo I again (same ports, new generation)
#   deploy/cluster.sh kill9 DIR I          kills silo I with SIGKILL (a crash: no goodbye to the cluster)
#   deploy/cluster.sh term DIR I           stops silo I with SIGTERM (a graceful leave) and waits for it
#   deploy/cluster.sh freeze DIR I         pauses silo I with SIGSTOP (a hung process: its sockets stay open)
#   deploy/cluster.sh thaw DIR I           resumes a frozen silo I with SIGCONT
#   deploy/cluster.sh stop DIR             stops every silo still running (SIGTERM, then SIGKILL)
# Environment: WAORLEANS_CLUSTER_ID (default waorleans), WAORLEANS_SILO_PORT_BASE (11111),
# WAORLEANS_GATEWAY_PORT_BASE (30000), WAORLEANS_HTTP_PORT_BASE (the REST API; default the
# gateway base + 1000), WAORLEANS_SILO_DLL (default: the Release build), and any
# WAORLEANS__* setting (e.g. WAORLEANS__WHATSAPP__ENDPOINT), which the silos inherit.
# The connection string goes to the silos through their environment, never to a log or argv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dll=${WAORLEANS_SILO_DLL:-$root/src/Silo/bin/Release/net10.0/WaOrleans.Silo.dll}
# Seconds a silo gets to leave the cluster on SIGTERM before it is killed.
stop_grace=15

usage() { sed -n 2,15p "$0" >&2; exit 2; }

start_silo() {
  local dir=$1 i=$2 connection=$3
  WAORLEANS__STORAGE__PROVIDER=postgres \
  WAORLEANS__STORAGE__CONNECTIONSTRING=$connection \
  WAORLEANS__CLUSTER__CLUSTERID=${WAORLEANS_CLUSTER_ID:-waorleans} \
  WAORLEANS__CLUSTER__SILOPORT=$((${WAORLEANS_SILO_PORT_BASE:-11111} + i - 1)) \
  WAORLEANS__CLUSTER__GATEWAYPORT=$((${WAORLEANS_GATEWAY_PORT_BASE:-30000} + i - 1)) \
  Logging__Console__FormatterName=simple \
  Logging__Console__FormatterOptions__SingleLine=true \
  Logging__Console__FormatterOptions__UseUtcTimestamp=true \
  Logging__Console__FormatterOptions__TimestampFormat="${WAORLEANS_LOG_TIMESTAMP:-HH:mm:ss.fff }" \
    env "Logging__LogLevel__Orleans.Runtime.MembershipService=${WAORLEANS_MEMBERSHIP_LOG_LEVEL:-Information}" \
  WAORLEANS__HTTP__PORT=$((${WAORLEANS_HTTP_PORT_BASE:-$((${WAORLEANS_GATEWAY_PORT_BASE:-30000} + 1000))} + i - 1)) \
    setsid dotnet "$dll" >> "$dir/silo$i.log" 2>&1 < /dev/null &
  echo $! > "$dir/silo$i.pid"
}

start() {
  local count=$1 connection=$2
  [[ -f $dll ]] || { echo "cluster.sh: $dll not found; run dotnet build -c Release" >&2; exit 1; }
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/waorleans-cluster.XXXXXX")
  for ((i = 1; i <= count; i++)); do
    start_silo "$dir" "$i" "$connection"
  done
  echo "$dir"
}

kill9() {
  local pidfile=$1/silo$2.pid
  [[ -f $pidfile ]] || { echo "cluster.sh: no silo $2 in $1" >&2; exit 1; }
  kill -9 "$(cat "$pidfile")"
  rm -f "$pidfile"
}

pid_of() {
  local pidfile=$1/silo$2.pid
  [[ -f $pidfile ]] || { echo "cluster.sh: no silo $2 in $1" >&2; exit 1; }
  cat "$pidfile"
}

term() {
  local pid
  pid=$(pid_of "$1" "$2")
  kill -TERM "$pid" 2>/dev/null || true
  for ((t = 0; t < stop_grace * 10; t++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$1/silo$2.pid"; return 0; }
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1/silo$2.pid"
}

stop() {
  local pids=()
  for pidfile in "$1"/silo*.pid; do
    [[ -f $pidfile ]] || continue
    pids+=("$(cat "$pidfile")")
    rm -f "$pidfile"
  done
  ((${#pids[@]})) || return 0
  # A frozen silo would sleep through SIGTERM.
  kill -CONT "${pids[@]}" 2>/dev/null || true
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((t = 0; t < stop_grace * 10; t++)); do
    kill -0 "${pids[@]}" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
}

case ${1:-} in
  start) [[ $# -eq 3 ]] || usage; start "$2" "$3" ;;
  restart) [[ $# -eq 4 ]] || usage; start_silo "$2" "$3" "$4" ;;
  kill9) [[ $# -eq 3 ]] || usage; kill9 "$2" "$3" ;;
  term) [[ $# -eq 3 ]] || usage; term "$2" "$3" ;;
  freeze) [[ $# -eq 3 ]] || usage; kill -STOP "$(pid_of "$2" "$3")" ;;
  thaw) [[ $# -eq 3 ]] || usage; kill -CONT "$(pid_of "$2" "$3")" ;;
  stop) [[ $# -eq 2 ]] || usage; stop "$2" ;;
  *) usage ;;
esac
