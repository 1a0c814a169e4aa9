// A real Baileys client as a messaging peer of a WaClient on WaSim, for the client's cross-client
// interop tests (kept apart from baileys-client.mjs, which the simulator's tests drive).
//
// 'peer.start' opens a socket with credentials in a temp folder (useMultiFileAuthState); the test
// links it by posting the QR to WaSim. 'peer.send' takes Baileys' own AnyMessageContent with a few
// JSON-friendly shorthands; received messages are summarised for the C# side and kept for replies,
// reactions and downloads. Nothing here is part of the product.
import { mkdtemp } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import makeWASocket, { Browsers, downloadMediaMessage, useMultiFileAuthState } from 'baileys';

const logger = pino({ level: 'silent' });
const RestartRequired = 515;
const peers = new Map();
let nextId = 1;

const push = (peer, event) => peer.events.push(event);

const summary = m => {
  const msg = m.message ?? {};
  const context = msg.extendedTextMessage?.contextInfo;
  const poll = msg.pollCreationMessage ?? msg.pollCreationMessageV2 ?? msg.pollCreationMessageV3;
  return {
    type: 'message', chat: m.key.remoteJid, id: m.key.id, fromMe: !!m.key.fromMe, participant: m.key.participant ?? null,
    kinds: Object.keys(msg).filter(k => k !== 'messageContextInfo'),
    text: msg.conversation ?? msg.extendedTextMessage?.text ?? null,
    quotedId: context?.stanzaId ?? null,
    reaction: msg.reactionMessage ? { text: msg.reactionMessage.text, id: msg.reactionMessage.key?.id } : null,
    location: msg.locationMessage ? { latitude: msg.locationMessage.degreesLatitude, longitude: msg.locationMessage.degreesLongitude, name: msg.locationMessage.name ?? null } : null,
    contact: msg.contactMessage ? { displayName: msg.contactMessage.displayName, vcard: msg.contactMessage.vcard } : null,
    poll: poll ? { name: poll.name, options: poll.options.map(o => o.optionName), hasSecret: !!msg.messageContextInfo?.messageSecret } : null,
    caption: msg.imageMessage?.caption ?? null,
  };
};

// Downloads use fetch, which takes no https.Agent; WaSim's media certificate is self-signed.
const withoutTlsChecks = async fn => {
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
  }
};

const received = (peer, id) => {
  const m = peer.received.get(id);
  if (!m) throw new Error(`no received message ${id}`);
  return m;
};

export const ops = {
  'peer.start': async ({ url, auth }) => {
    const folder = auth ?? await mkdtemp(path.join(tmpdir(), 'waclient-baileys-'));
    const id = nextId++;
    const peer = { sock: null, events: [], received: new Map(), stopped: false };
    peers.set(id, peer);
    // An app reconnects with the saved credentials when the server asks for a restart after pairing (515).
    const connect = async () => {
      const { state, saveCreds } = await useMultiFileAuthState(folder);
      const sock = makeWASocket({
        auth: state, waWebSocketUrl: url, logger, browser: Browsers.macOS('Chrome'),
        syncFullHistory: false, markOnlineOnConnect: false, shouldSyncHistoryMessage: () => false,
        fetchAgent: new https.Agent({ rejectUnauthorized: false }),
      });
      peer.sock = sock;
      sock.ev.on('creds.update', saveCreds);
      sock.ev.on('connection.update', update => {
        if (update.qr) push(peer, { type: 'qr', qr: update.qr });
        if (update.connection === 'open') push(peer, { type: 'open', me: state.creds.me ?? null });
        if (update.connection === 'close') {
          const statusCode = update.lastDisconnect?.error?.output?.statusCode ?? null;
          push(peer, { type: 'close', statusCode });
          if (statusCode === RestartRequired && !peer.stopped) connect();
        }
      });
      sock.ev.on('messages.upsert', ({ messages }) => {
        for (const m of messages) {
          peer.received.set(m.key.id, m);
          push(peer, summary(m));
        }
      });
    };
    await connect();
    return { id, auth: folder };
  },

  // The first queued or future event of one of `types`; with `messageId`, only that message.
  'peer.waitFor': ({ id, types, messageId, timeoutMs }) => {
    const peer = peers.get(id);
    const take = () => {
      const i = peer.events.findIndex(e => types.includes(e.type) && (!messageId || e.id === messageId));
      return i >= 0 ? peer.events.splice(i, 1)[0] : null;
    };
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + (timeoutMs ?? 30000);
      const poll = () => {
        const event = take();
        if (event) resolve(event);
        else if (Date.now() > deadline) reject(new Error(`no ${types.join('|')} ${messageId ?? ''} event within ${timeoutMs} ms`));
        else setTimeout(poll, 20);
      };
      poll();
    });
  },

  // Sends Baileys content; shorthands: imageBase64 (image with caption), quotedId (reply to a
  // received message), reactTo + emoji (reaction to a received message).
  'peer.send': async ({ id, to, content, quotedId, reactTo, emoji, imageBase64 }) => {
    const peer = peers.get(id);
    let body = content ?? {};
    if (imageBase64) body = { ...body, image: Buffer.from(imageBase64, 'base64') };
    if (reactTo) body = { react: { text: emoji, key: received(peer, reactTo).key } };
    const options = quotedId ? { quoted: received(peer, quotedId) } : {};
    const sent = await withoutTlsChecks(() => peer.sock.sendMessage(to, body, options));
    return sent.key.id;
  },

  'peer.download': async ({ id, messageId }) => {
    const peer = peers.get(id);
    const buffer = await withoutTlsChecks(() => downloadMediaMessage(received(peer, messageId), 'buffer', {}, { logger, reuploadRequest: peer.sock.updateMediaMessage }));
    return buffer.toString('base64');
  },

  'peer.stop': ({ id }) => {
    const peer = peers.get(id);
    if (!peer) return null;
    peers.delete(id);
    peer.stopped = true;
    peer.sock.end(undefined);
    return null;
  },
};
