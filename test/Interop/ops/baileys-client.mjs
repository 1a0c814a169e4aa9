// A real Baileys client (makeWASocket) pointed at WaSim, for the simulator's interop tests.
//
// Each 'client.start' opens one socket with credentials kept in a temp folder named by `auth`
// (useMultiFileAuthState, as an app would), so a later 'client.start' with the same `auth` logs
// in again. Socket events are queued and read with 'client.waitFor'. Nothing here is part of the
// product: it only lets the C# tests watch Baileys go through pairing and login against WaSim.
import { mkdtemp } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import makeWASocket, { Browsers, downloadMediaMessage, useMultiFileAuthState, WAMessageStatus } from 'baileys';

const logger = pino({ level: 'silent' });
const clients = new Map();
let nextId = 1;

const push = (client, event) => {
  const waiter = client.waiters.find(w => w.types.includes(event.type) || event.type === 'close');
  if (waiter) {
    client.waiters.splice(client.waiters.indexOf(waiter), 1);
    clearTimeout(waiter.timer);
    waiter.resolve(event);
  } else {
    client.events.push(event);
  }
};

export const ops = {
  'client.start': async ({ url, auth, qrTimeoutMs, keepAliveMs }) => {
    const folder = auth ?? await mkdtemp(path.join(tmpdir(), 'wasim-baileys-'));
    const { state, saveCreds } = await useMultiFileAuthState(folder);
    const sock = makeWASocket({
      auth: state,
      waWebSocketUrl: url,
      logger,
      browser: Browsers.macOS('Chrome'),
      syncFullHistory: false,
      markOnlineOnConnect: false,
      shouldSyncHistoryMessage: () => false,
      qrTimeout: qrTimeoutMs,
      keepAliveIntervalMs: keepAliveMs ?? 30000,
      // WaSim's media host has a self-signed certificate; trust it for this test client only.
      fetchAgent: new https.Agent({ rejectUnauthorized: false }),
    });
    const id = nextId++;
    const client = { sock, state, events: [], waiters: [], received: new Map() };
    clients.set(id, client);
    sock.ev.on('creds.update', saveCreds);
    sock.ev.on('connection.update', update => {
      if (update.qr) push(client, { type: 'qr', qr: update.qr });
      if (update.connection === 'open') push(client, { type: 'open', me: state.creds.me ?? null });
      if (update.connection === 'close') {
        const error = update.lastDisconnect?.error;
        push(client, { type: 'close', statusCode: error?.output?.statusCode ?? null, message: String(error?.message ?? '') });
      }
    });
    sock.ev.on('messages.upsert', ({ messages, type }) => {
      for (const m of messages) {
        // Baileys upserts a message it sent ('append') as PENDING on the next tick, through its event
        // buffer, which flushes 100 ms later. A status change (a server nack, a receipt) that comes in
        // meanwhile is folded into the buffered upsert and never emitted as messages.update, so a
        // status other than PENDING here is that change: report it like one.
        if (type === 'append' && m.key.fromMe && m.status !== undefined && m.status !== null && m.status !== WAMessageStatus.PENDING) {
          push(client, { type: 'status', id: m.key.id, status: m.status });
        }
        client.received.set(m.key.id, m);
        const text = m.message?.conversation ?? m.message?.extendedTextMessage?.text ?? null;
        const kinds = Object.keys(m.message ?? {}).filter(k => k !== 'messageContextInfo');
        const context = m.message?.extendedTextMessage?.contextInfo;
        push(client, {
          type: 'message', chat: m.key.remoteJid, id: m.key.id, fromMe: !!m.key.fromMe, text, kinds,
          quotedId: context?.stanzaId ?? m.message?.reactionMessage?.key?.id ?? null,
          reaction: m.message?.reactionMessage?.text ?? null,
          latitude: m.message?.locationMessage?.degreesLatitude ?? null,
          contactName: m.message?.contactMessage?.displayName ?? null,
          pollOptions: (m.message?.pollCreationMessage ?? m.message?.pollCreationMessageV3)?.options?.map(o => o.optionName) ?? null,
          caption: m.message?.imageMessage?.caption ?? null,
        });
      }
    });
    sock.ev.on('messages.update', updates => {
      for (const u of updates) {
        if (u.update?.status !== undefined) push(client, { type: 'status', id: u.key.id, status: u.update.status });
      }
    });
    sock.ev.on('presence.update', ({ id: chat, presences }) => {
      for (const [participant, p] of Object.entries(presences)) {
        push(client, { type: 'presence', chat, participant, presence: p.lastKnownPresence });
      }
    });
    return { id, auth: folder };
  },

  // Returns the first queued or future event whose type is in `types`; a 'close' always ends the wait.
  'client.waitFor': ({ id, types, timeoutMs }) => {
    const client = clients.get(id);
    if (!client) throw new Error(`no client ${id}`);
    const index = client.events.findIndex(e => types.includes(e.type) || e.type === 'close');
    if (index >= 0) return client.events.splice(0, index + 1).pop();
    return new Promise((resolve, reject) => {
      const waiter = { types, resolve };
      waiter.timer = setTimeout(() => {
        client.waiters.splice(client.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${types.join('|')} event within ${timeoutMs} ms`));
      }, timeoutMs ?? 30000);
      client.waiters.push(waiter);
    });
  },

  'client.requestPairingCode': async ({ id, phone }) => clients.get(id).sock.requestPairingCode(phone),

  'client.sendText': async ({ id, to, text }) => {
    const sent = await clients.get(id).sock.sendMessage(to, { text });
    return sent.key.id;
  },

  'client.sendImage': async ({ id, to, base64, caption }) => {
    const sent = await clients.get(id).sock.sendMessage(to, { image: Buffer.from(base64, 'base64'), caption });
    return sent.key.id;
  },

  'client.presenceSubscribe': async ({ id, jid }) => clients.get(id).sock.presenceSubscribe(jid),

  'client.sendPresence': async ({ id, type, jid }) => clients.get(id).sock.sendPresenceUpdate(type, jid),

  // Downloads and decrypts a received media message, returning it as base64 (checks WaSim's media host and keys).
  'client.download': async ({ id, messageId }) => {
    const client = clients.get(id);
    const message = client.received.get(messageId);
    if (!message) throw new Error(`no received message ${messageId}`);
    // Baileys downloads with fetch, which takes no https.Agent; WaSim's media certificate is
    // self-signed, so certificate checks are off in this harness process for the download only.
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const buffer = await downloadMediaMessage(message, 'buffer', {}, { logger, reuploadRequest: client.sock.updateMediaMessage });
      return buffer.toString('base64');
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    }
  },

  'client.read': async ({ id, chat, messageId }) => {
    await clients.get(id).sock.readMessages([{ remoteJid: chat, id: messageId, fromMe: false }]);
    return null;
  },

  'client.onWhatsApp': async ({ id, phones }) => clients.get(id).sock.onWhatsApp(...phones),

  'client.creds': ({ id }) => {
    const { creds } = clients.get(id).state;
    return { me: creds.me ?? null, registered: !!creds.registered, platform: creds.platform ?? null };
  },

  'client.stop': ({ id }) => {
    const client = clients.get(id);
    if (!client) return null;
    clients.delete(id);
    client.sock.end(undefined);
    return null;
  },
};
