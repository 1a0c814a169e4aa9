#!/usr/bin/env bash
# Load benchmark of ONE gateway node (SQLite, Release build) against ONE WaSim process, driven by
# test/GatewayBench through the REST API (issue 7 "Performance", issue 6 memory figure):
#   memory  pairs sessions up to SESSIONS (QR scanned by simulated phones): gateway RSS and managed
#           heap growth per connected session;
#   send    POST /api/sessions/{id}/messages (text) across LOAD_SESSIONS sessions, CONCURRENCY in
#           flight, for DURATION seconds: requests/s, p50/p99, errors;
#   webhook a receiver registered for message.received on each load session; simulated phones send
#           RATE messages/s (WaSim's /sim/send-batch): send → webhook p50/p99, missing, duplicates.
# Prints
#   RESULT gateway.memory_per_session rss_bytes=… heap_bytes=…
#   RESULT api.send rps=… p50_ms=… p99_ms=… errors=…
#   RESULT webhook.inbound rate=… p50_ms=… p99_ms=… missing=… duplicates=…
# Usage: test/Bench/gateway-bench.sh   (env: SESSIONS=1000 LOAD_SESSIONS=50 CONCURRENCY=64 DURATION=20 WARMUP=10
#        RATE=1000 PAIR_CONCURRENCY=8 PHASES=memory,send,webhook KEEP=1 keeps the logs)
#   smoke: SESSIONS=10 LOAD_SESSIONS=5 DURATION=3 RATE=100 test/Bench/gateway-bench.sh
# Gateway settings pass through the environment (WAORLEANS__STORAGE__SQLITESYNCHRONOUS=normal …).
# PROFILE=/tmp/gw.nettrace has the gateway alone write a CPU sampling trace (EventPipe, no tools
# needed) when it stops.
set -euo pipefail
cd "$(dirname "$0")/../.."
sessions=${SESSIONS:-1000}
load_sessions=${LOAD_SESSIONS:-50}
concurrency=${CONCURRENCY:-64}
seconds=${DURATION:-20}
warmup=${WARMUP:-10}
rate=${RATE:-1000}
pair_concurrency=${PAIR_CONCURRENCY:-8}
phases=${PHASES:-memory,send,webhook}

# WaSim and the load generator stand in for WhatsApp's servers and for the clients, which are not on
# the node: their idle thread-pool workers must not spin on the cores the gateway is measured on
# (the gateway's own runtimeconfig sets the same).
export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port=$(free_port)
http_port=$(free_port)
silo_port=$(free_port)
gateway_port=$(free_port)
admin_key="wao_bench_admin_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

work=$(mktemp -d)
sim_pid=
gw_pid=
cleanup() {
  [[ -n $gw_pid ]] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  if [[ -n ${KEEP:-} ]]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [[ -z ${NO_BUILD:-} ]]; then
  for project in src/Simulator src/Silo test/GatewayBench; do
    dotnet build -c Release "$project" -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  done
fi

# WaSim: server GC as test/SimBench measured best for relaying.
DOTNET_gcServer=1 dotnet src/Simulator/bin/Release/net10.0/WaOrleans.Simulator.dll --port "$sim_port" --data "$work/wasim" >"$work/sim.log" 2>&1 &
sim_pid=$!
sim_url="http://127.0.0.1:$sim_port/"
for _ in $(seq 150); do curl -sf "${sim_url}sim/root-key" >"$work/root-key.json" && break; sleep 0.2; done
root_key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rootKey"])' "$work/root-key.json")
ws_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["webSocketUrl"])' "$work/root-key.json")
# Text only: no media certificate pin is needed.
mkdir -p "$work/gateway"
(
  cd "$work/gateway"
  export DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production
  export WAORLEANS__HTTP__PORT=$http_port WAORLEANS__ADMINKEY=$admin_key
  export WAORLEANS__STORAGE__DATADIRECTORY=$work/gateway/data
  export WAORLEANS__CLUSTER__SILOPORT=$silo_port WAORLEANS__CLUSTER__GATEWAYPORT=$gateway_port
  export WAORLEANS__WHATSAPP__ENDPOINT=$ws_url WAORLEANS__WHATSAPP__ROOTKEY=$root_key
  export WAORLEANS__WEBHOOKS__ALLOWPRIVATETARGETS=true
  if [[ -n ${PROFILE:-} ]]; then
    export DOTNET_EnableEventPipe=1 DOTNET_EventPipeOutputPath=$PROFILE
    export DOTNET_EventPipeConfig='Microsoft-DotNETCore-SampleProfiler:0:5,Microsoft-Windows-DotNETRuntime:0x4c14fccbd:4'
  fi
  exec dotnet "$OLDPWD/src/Silo/bin/Release/net10.0/WaOrleans.Silo.dll"
) >"$work/gateway.log" 2>&1 &
gw_pid=$!
gw_url="http://127.0.0.1:$http_port/"
for _ in $(seq 600); do
  curl -sf "${gw_url}health/ready" >/dev/null && break
  kill -0 "$gw_pid" 2>/dev/null || { tail -40 "$work/gateway.log"; exit 1; }
  sleep 0.2
done

echo "gateway pid $gw_pid at $gw_url, WaSim at $sim_url; work dir $work" >&2
dotnet test/GatewayBench/bin/Release/net10.0/WaOrleans.GatewayBench.dll \
  --gateway "$gw_url" --sim "$sim_url" --admin-key "$admin_key" --pid "$gw_pid" \
  --sessions "$load_sessions" --memory-sessions "$sessions" --concurrency "$concurrency" \
  --seconds "$seconds" --warmup "$warmup" --rate "$rate" --pair-concurrency "$pair_concurrency" --phases "$phases" \
  || { echo "--- gateway log tail" >&2; tail -30 "$work/gateway.log" >&2; exit 1; }
