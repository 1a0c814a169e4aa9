// Times the reference side of test/Bench/compare.sh: every test/Interop/bench/*.mjs module exports
// `benches = { 'area.op': fn }`, one operation per call (sync or async). Prints one JSON object
// {name: opsPerSecond}. Usage: node bench.mjs [seconds-per-bench] [name-filter]
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.argv[2] ?? 3);
const filter = process.argv[3] ?? '';
const benches = new Map();
for (const file of (await readdir(path.join(here, 'bench'))).filter(f => f.endsWith('.mjs')).sort()) {
  const mod = await import(pathToFileURL(path.join(here, 'bench', file)).href);
  for (const [name, fn] of Object.entries(mod.benches ?? {})) benches.set(name, fn);
}

async function measure(fn, budgetMs) {
  const isAsync = fn() instanceof Promise;
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  let batch = 1;
  while (elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) {
      if (isAsync) await fn(); else fn();
    }
    ops += batch;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (elapsed < budgetMs / 20) batch *= 2;
  }
  return ops / (elapsed / 1000);
}

const results = {};
for (const [name, fn] of benches) {
  if (!name.includes(filter)) continue;
  await measure(fn, seconds * 250); // warm-up: let the JIT settle
  results[name] = await measure(fn, seconds * 1000);
}
console.log(JSON.stringify(results));
