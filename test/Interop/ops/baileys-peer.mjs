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
import { randomBytes } from 'node:crypto';
import makeWASocket, {
  Browsers, aesEncryptGCM, decryptPollVote, downloadMediaMessage, generateMessageIDV2, getKeyAuthor, hmacSign,
  jidNormalizedUser, proto, sha256, useMultiFileAuthState,
} from 'baileys';

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
    const peer = { sock: null, events: [], received: new Map(), sent: new Map(), stopped: false };
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
    peer.sent.set(sent.key.id, sent);
    return sent.key.id;
  },

  // A poll vote built on Baileys' side. Baileys exports decryptPollVote but no encrypt counterpart,
  // so this is its inverse with Baileys' own hmacSign/aesEncryptGCM and the JIDs Baileys' getKeyAuthor
  // gives (phone numbers when known), sent through Baileys' relayMessage.
  'peer.vote': async ({ id, to, pollId, options }) => {
    const peer = peers.get(id);
    const poll = peer.received.get(pollId) ?? peer.sent.get(pollId);
    if (!poll) throw new Error(`no poll ${pollId}`);
    const me = jidNormalizedUser(peer.sock.user.id);
    const secret = poll.message.messageContextInfo.messageSecret;
    const creator = jidNormalizedUser(getKeyAuthor(poll.key, me));
    const voter = me;
    const plaintext = proto.Message.PollVoteMessage.encode({ selectedOptions: options.map(o => sha256(Buffer.from(o))) }).finish();
    const sign = Buffer.concat([Buffer.from(pollId), Buffer.from(creator), Buffer.from(voter), Buffer.from('Poll Vote'), new Uint8Array([1])]);
    const key = hmacSign(sign, hmacSign(secret, new Uint8Array(32)));
    const iv = randomBytes(12);
    const encPayload = aesEncryptGCM(plaintext, key, iv, Buffer.from(`${pollId}\u0000${voter}`));
    const pollKey = { remoteJid: poll.key.remoteJid, fromMe: !!poll.key.fromMe, id: pollId, ...(poll.key.participant ? { participant: poll.key.participant } : {}) };
    const messageId = generateMessageIDV2(peer.sock.user.id);
    const message = { pollUpdateMessage: { pollCreationMessageKey: pollKey, vote: { encPayload, encIv: iv }, senderTimestampMs: Date.now() } };
    await peer.sock.relayMessage(to, message, { messageId });
    return { id: messageId, creator, voter };
  },

  // Decrypts a received vote with Baileys' decryptPollVote. The creator and voter JIDs are what
  // Baileys' getKeyAuthor gives, then the keys' LID spellings, as whatsmeow tries both while
  // WhatsApp migrates to LIDs; returns the selected option names and the spelling that worked.
  'peer.decryptVote': ({ id, pollId, voteId }) => {
    const peer = peers.get(id);
    const poll = peer.sent.get(pollId) ?? peer.received.get(pollId);
    const vote = peer.received.get(voteId);
    if (!poll || !vote) throw new Error(`no poll ${pollId} or vote ${voteId}`);
    const me = jidNormalizedUser(peer.sock.user.id);
    const meLid = peer.sock.user.lid ? jidNormalizedUser(peer.sock.user.lid) : null;
    const pollMessage = poll.message.pollCreationMessage ?? poll.message.pollCreationMessageV2 ?? poll.message.pollCreationMessageV3;
    const normal = jid => (jid ? jidNormalizedUser(jid) : null);
    const creators = [...new Set([normal(getKeyAuthor(poll.key, me)), poll.key.fromMe ? meLid : normal(poll.key.participant ?? poll.key.remoteJid)].filter(Boolean))];
    const voters = [...new Set([normal(getKeyAuthor(vote.key, me)), normal(vote.key.participant ?? vote.key.remoteJid)].filter(Boolean))];
    for (const pollCreatorJid of creators) {
      for (const voterJid of voters) {
        try {
          const decrypted = decryptPollVote(vote.message.pollUpdateMessage.vote, {
            pollEncKey: poll.message.messageContextInfo.messageSecret, pollCreatorJid, pollMsgId: pollId, voterJid,
          });
          const hashes = decrypted.selectedOptions.map(h => Buffer.from(h).toString('hex'));
          const names = pollMessage.options.map(o => o.optionName).filter(n => hashes.includes(sha256(Buffer.from(n)).toString('hex')));
          return { options: names, creator: pollCreatorJid, voter: voterJid };
        } catch {
          // The wrong spelling fails the GCM tag; try the next.
        }
      }
    }
    throw new Error(`the vote did not decrypt with creators ${creators} and voters ${voters}`);
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
