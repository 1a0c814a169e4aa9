#!/usr/bin/env bash
# Runs the C# benchmarks (BenchmarkDotNet) and the same operations in Baileys / libsignal-node
# (test/Interop/bench/*.mjs) in one run on this machine, then prints one line per operation:
#   RATIO <name> <csharp ops/s> <baileys ops/s> <ratio>
# Usage: test/Bench/compare.sh [name-filter]   e.g. compare.sh binary.
# BENCH_SECONDS sets the time per Node benchmark (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
filter=${1:-}
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT

(cd test/Interop && [[ -d node_modules/baileys ]] || npm ci --silent)

# In-process toolchain: the bench assembly is named WaOrleans.Bench, which BenchmarkDotNet's
# out-of-process generator cannot map back to test/Bench/Bench.csproj.
dotnet run -c Release --project test/Bench -- --filter "*" --job short --inProcess \
  --exporters json --artifacts "$artifacts" >"$artifacts/bdn.log" 2>&1 \
  || { cat "$artifacts/bdn.log"; exit 1; }

node test/Interop/bench.mjs "${BENCH_SECONDS:-3}" "$filter" >"$artifacts/node.json"

node - "$artifacts" "$filter" <<'JS'
const fs = require('fs'), path = require('path');
const [dir, filter] = process.argv.slice(2);
const results = path.join(dir, 'results');
const cs = {};
for (const f of fs.readdirSync(results).filter(f => f.endsWith('-full-compressed.json'))) {
  for (const b of JSON.parse(fs.readFileSync(path.join(results, f))).Benchmarks) {
    if (b.Statistics) cs[b.MethodTitle] = 1e9 / b.Statistics.Mean;
  }
}
const js = JSON.parse(fs.readFileSync(path.join(dir, 'node.json')));
const names = [...new Set([...Object.keys(cs), ...Object.keys(js)])].filter(n => n.includes(filter)).sort();
const fmt = x => x === undefined ? 'n/a' : x.toFixed(0);
for (const n of names) {
  const ratio = cs[n] && js[n] ? (cs[n] / js[n]).toFixed(1) : 'n/a';
  console.log(`RATIO ${n} ${fmt(cs[n])} ${fmt(js[n])} ${ratio}`);
}
JS
