// Reference peer for the C# interop tests.
//
// Speaks newline-delimited JSON over stdio: each request line is {"id", "op", "args"}, each reply
// line is {"id", "result"} or {"id", "error"}. Ops live in ./ops/*.mjs; each module exports an
// object `ops` mapping "area.name" to an (async) function of the args object. Binary values cross
// the boundary as base64 strings. Nothing here is part of the product: it only runs Baileys and
// libsignal-node so the C# code can be checked against them.
import { readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const table = new Map();
for (const file of (await readdir(path.join(here, 'ops'))).filter(f => f.endsWith('.mjs')).sort()) {
  const mod = await import(pathToFileURL(path.join(here, 'ops', file)).href);
  for (const [name, fn] of Object.entries(mod.ops ?? {})) {
    if (table.has(name)) throw new Error(`op ${name} defined twice (${file})`);
    table.set(name, fn);
  }
}

const write = obj => process.stdout.write(JSON.stringify(obj) + '\n');
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', async line => {
  if (!line.trim()) return;
  let id = null;
  try {
    const req = JSON.parse(line);
    id = req.id;
    const fn = table.get(req.op);
    if (!fn) throw new Error(`unknown op ${req.op}`);
    const result = await fn(req.args ?? {});
    write({ id, result: result === undefined ? null : result });
  } catch (err) {
    write({ id, error: String(err?.stack ?? err) });
  }
});
lines.on('close', () => process.exit(0));
write({ id: 0, result: { ready: true, ops: [...table.keys()].sort() } });
