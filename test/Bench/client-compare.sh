#!/usr/bin/env bash
# Compares the WaClient (test/ClientBench) with Baileys (test/Interop/bench-client/baileys-bench.mjs)
# against ONE WaSim process, each client in its own process:
#   (a) one session sends MESSAGES texts round-robin to RECIPIENTS phones, WINDOW sends in flight,
#       each completing on the server ack: messages/s and CPU s (user+sys) per 1,000 messages;
#   (b) CS_SESSIONS (C#) and BAILEYS_SESSIONS idle linked sessions in one process: RSS and heap
#       (GC.GetTotalMemory / V8 heapUsed + arrayBuffers after a full collection) growth per session.
#       Fixed costs (JIT, thread pool, GC segments) spread over fewer sessions when the counts differ:
#       BAILEYS_SESSIONS=1000 compares equal counts.
# Then prints
#   RATIO client.send_per_cpu <cs msgs/cpu-s> <baileys msgs/cpu-s> <ratio>
#   RATIO client.memory_per_session <cs rss bytes> <baileys rss bytes> <baileys/cs>
# Usage: test/Bench/client-compare.sh   (env: MESSAGES=10000 RECIPIENTS=100 WINDOW=32
#        CS_SESSIONS=1000 BAILEYS_SESSIONS=200 PORT=17890 CS_STORE=memory|sqlite PHASES="send idle")
# PHASES=idle (or send) runs one half only and prints that half's lines (memory figures need no
# quiet machine, the send half's CPU figures do).
# CS_STORE=sqlite keeps the C# sessions' state in the gateway's SQLite store (as deployed) instead
# of InMemoryDeviceStore, whose 812 initial prekeys per session stay on the managed heap.
set -euo pipefail
cd "$(dirname "$0")/../.."
messages=${MESSAGES:-10000}
recipients=${RECIPIENTS:-100}
window=${WINDOW:-32}
cs_sessions=${CS_SESSIONS:-1000}
baileys_sessions=${BAILEYS_SESSIONS:-200}
port=${PORT:-17890}
cs_store=${CS_STORE:-memory}
phases=${PHASES:-send idle}
has_phase() { [[ " $phases " == *" $1 "* ]]; }
url="http://127.0.0.1:$port/"
# Phone number blocks, one per role, so every account in the shared WaSim is distinct.
recipient_base=15551000000
cs_sender=15552000000
baileys_sender=15553000000
cs_idle_base=15560000000
baileys_idle_base=15570000000

work=$(mktemp -d)
sim_pid=
cleanup() {
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

(cd test/Interop && [[ -d node_modules/baileys ]] || npm ci --silent)
dotnet build -c Release src/Simulator -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
dotnet build -c Release test/ClientBench -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

dotnet src/Simulator/bin/Release/net10.0/WaOrleans.Simulator.dll --port "$port" --data "$work/data" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do curl -sf "${url}sim/root-key" >/dev/null && break; sleep 0.2; done
if has_phase send; then
  for ((i = 0; i < recipients; i++)); do
    curl -sf -X POST -H 'content-type: application/json' -d "{\"phone\":\"$((recipient_base + i))\"}" "${url}sim/phones" >/dev/null
  done
fi

cs() { dotnet test/ClientBench/bin/Release/net10.0/WaOrleans.ClientBench.dll "$@"; }
baileys() { node --expose-gc test/Interop/bench-client/baileys-bench.mjs "$@"; }

if has_phase send; then
  cs send "$url" "$cs_sender" "$recipient_base" "$recipients" "$messages" "$window" >"$work/cs-send.json"
  baileys send "$url" "$baileys_sender" "$recipient_base" "$recipients" "$messages" "$window" >"$work/baileys-send.json"
fi
if has_phase idle; then
  cs idle "$url" "$cs_idle_base" "$cs_sessions" "$cs_store" >"$work/cs-idle.json"
  baileys idle "$url" "$baileys_idle_base" "$baileys_sessions" >"$work/baileys-idle.json"
fi

node - "$work" "$phases" <<'JS'
const fs = require('fs'), path = require('path');
const read = name => JSON.parse(fs.readFileSync(path.join(process.argv[2], name + '.json')));
const phases = process.argv[3].split(/\s+/);
if (phases.includes('send')) {
  const send = {};
  for (const side of ['cs', 'baileys']) {
    const s = read(`${side}-send`);
    send[side] = { perSecond: s.messages / s.seconds, cpuPerThousand: s.cpuSeconds * 1000 / s.messages, perCpu: s.messages / s.cpuSeconds };
    console.log(`${side}.send ${s.messages} messages in ${s.seconds.toFixed(2)} s: ${send[side].perSecond.toFixed(0)} messages/s, ` +
      `${send[side].cpuPerThousand.toFixed(3)} CPU s per 1,000 messages`);
  }
  console.log(`RATIO client.send_per_cpu ${send.cs.perCpu.toFixed(0)} ${send.baileys.perCpu.toFixed(0)} ${(send.cs.perCpu / send.baileys.perCpu).toFixed(1)}`);
}
if (phases.includes('idle')) {
  const idle = {};
  for (const side of ['cs', 'baileys']) {
    const m = read(`${side}-idle`);
    idle[side] = { rss: (m.rssAfter - m.rssBefore) / m.sessions, heap: (m.heapAfter - m.heapBefore) / m.sessions, sessions: m.sessions, open: m.openSeconds };
    console.log(`${side}.idle ${m.sessions} sessions (opened in ${m.openSeconds.toFixed(1)} s): ` +
      `${(idle[side].rss / 1024).toFixed(0)} KiB RSS, ${(idle[side].heap / 1024).toFixed(0)} KiB heap per session`);
  }
  console.log(`RATIO client.memory_per_session ${idle.cs.rss.toFixed(0)} ${idle.baileys.rss.toFixed(0)} ${(idle.baileys.rss / idle.cs.rss).toFixed(1)}`);
  for (const side of ['cs', 'baileys']) {
    const m = read(`${side}-idle`);
    console.log(`${side}.idle of which the initial prekeys in the in-memory key store: ${(m.preKeyBytesPerSession / 1024).toFixed(0)} KiB heap`);
  }
  console.log(`RATIO client.heap_per_session ${idle.cs.heap.toFixed(0)} ${idle.baileys.heap.toFixed(0)} ${(idle.baileys.heap / idle.cs.heap).toFixed(1)}`);
}
JS
