// The Baileys side of test/Bench/client-compare.sh, against a WaSim started separately:
//   node --expose-gc baileys-bench.mjs send <sim-url> <sender-phone> <recipient-base> <recipients> <messages> <window>
//   node --expose-gc baileys-bench.mjs idle <sim-url> <phone-base> <sessions>
// Mirrors test/ClientBench: sessions are linked through WaSim's POST /sim/phones/{phone}/devices
// with fresh initAuthCreds keys, a send completes on the server's message ack, and each mode
// prints one JSON line. CPU is process.cpuUsage() (getrusage user+sys) over the measured phase.
import pino from 'pino';
import makeWASocket, { Browsers, Curve, INITIAL_PREKEY_COUNT, initAuthCreds, generateMessageIDV2 } from 'baileys';

const CONNECT_TIMEOUT_MS = 60_000;
const SETTLE_MS = 3_000;
const logger = pino({ level: 'silent' });
const [mode, url, ...rest] = process.argv.slice(2);

const post = async (path, body) => {
  const response = await fetch(new URL(path, url), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
};

// Keys live in memory, as the C# side's InMemoryDeviceStore does.
const memoryKeys = () => {
  const data = {};
  return {
    get: async (type, ids) => Object.fromEntries(ids.filter(id => data[type]?.[id] !== undefined).map(id => [id, data[type][id]])),
    set: async changes => {
      for (const [type, values] of Object.entries(changes)) {
        data[type] ??= {};
        for (const [id, value] of Object.entries(values)) {
          if (value === null || value === undefined) delete data[type][id];
          else data[type][id] = value;
        }
      }
    },
  };
};

const link = async (webSocketUrl, phone) => {
  await post('sim/phones', { phone });
  const creds = initAuthCreds();
  const device = await post(`sim/phones/${phone}/devices`, {
    noiseKey: Buffer.from(creds.noiseKey.public).toString('base64'),
    identityKey: Buffer.from(creds.signedIdentityKey.public).toString('base64'),
    registrationId: creds.registrationId,
  });
  creds.me = { id: device.jid, lid: device.lid };
  creds.registered = true;
  const sock = makeWASocket({
    auth: { creds, keys: memoryKeys() },
    waWebSocketUrl: webSocketUrl,
    logger,
    browser: Browsers.macOS('Chrome'),
    syncFullHistory: false,
    markOnlineOnConnect: false,
    shouldSyncHistoryMessage: () => false,
  });
  sock.ev.on('creds.update', update => Object.assign(creds, update));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${phone} did not connect`)), CONNECT_TIMEOUT_MS);
    sock.ev.on('connection.update', update => {
      if (update.connection === 'open') { clearTimeout(timer); resolve(); }
      if (update.connection === 'close') { clearTimeout(timer); reject(update.lastDisconnect?.error ?? new Error('closed')); }
    });
  });
  return sock;
};

// "heap" counts Buffers' backing stores with the V8 heap: .NET keeps byte[] in its managed heap.
const footprint = () => {
  global.gc();
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
  return { rss, heap: heapUsed + arrayBuffers };
};

// What a session's initial prekey batch alone holds in the in-memory key store, as Baileys'
// uploadPreKeys stores it: the counterpart of ClientBench's preKeyBytesPerSession.
const preKeyBytesPerSession = async () => {
  const STORES = 20;
  const before = footprint();
  const stores = [];
  for (let i = 0; i < STORES; i++) {
    const keys = memoryKeys();
    const preKeys = {};
    for (let id = 1; id <= INITIAL_PREKEY_COUNT; id++) preKeys[id] = Curve.generateKeyPair();
    await keys.set({ 'pre-key': preKeys });
    stores.push(keys);
  }
  const after = footprint();
  return (after.heap - before.heap) / stores.length;
};

const root = await (await fetch(new URL('sim/root-key', url))).json();
if (mode === 'send') {
  const [sender, recipientBase, recipientCount, messages, window] = rest;
  const recipients = Array.from({ length: Number(recipientCount) }, (_, i) => `${BigInt(recipientBase) + BigInt(i)}@s.whatsapp.net`);
  const sock = await link(root.webSocketUrl, sender);
  const acks = new Map();
  sock.ws.on('CB:ack,class:message', node => {
    acks.get(node.attrs.id)?.(node);
    acks.delete(node.attrs.id);
  });
  const sendOne = async index => {
    const messageId = generateMessageIDV2(sock.user.id);
    const acked = new Promise(resolve => acks.set(messageId, resolve));
    await sock.sendMessage(recipients[index % recipients.length], { text: `bench message ${index}` }, { messageId });
    const ack = await acked;
    if (ack.attrs.error) throw new Error(`message ${messageId} refused with ${ack.attrs.error}`);
  };

  const total = Number(messages);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  const lane = async () => {
    while (next < total) await sendOne(next++);
  };
  await Promise.all(Array.from({ length: Number(window) }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ messages: total, seconds, cpuSeconds: (used.user + used.system) / 1e6 }));
  sock.end(undefined);
} else if (mode === 'idle') {
  const [phoneBase, count] = rest;
  const before = footprint();
  const sessions = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < Number(count); i++) sessions.push(await link(root.webSocketUrl, String(BigInt(phoneBase) + BigInt(i))));
  const openSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  // Logins finish their prekey uploads and init queries after "open"; measure once idle.
  await new Promise(resolve => setTimeout(resolve, SETTLE_MS));
  const after = footprint();
  const preKeys = await preKeyBytesPerSession();
  console.log(JSON.stringify({
    sessions: Number(count), openSeconds, rssBefore: before.rss, rssAfter: after.rss, heapBefore: before.heap, heapAfter: after.heap,
    preKeyBytesPerSession: preKeys,
  }));
  for (const sock of sessions) sock.end(undefined);
} else {
  console.error('usage: baileys-bench.mjs send URL SENDER RECIPIENT_BASE RECIPIENTS MESSAGES WINDOW | idle URL PHONE_BASE SESSIONS');
  process.exit(2);
}
process.exit(0);
