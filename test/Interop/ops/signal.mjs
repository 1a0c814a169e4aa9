// libsignal-node 6 (1:1 sessions) and Baileys' group cipher (sender keys) as reference peers for
// the C# Signal layer. Each peer is a named device with an in-memory store shaped like Baileys'
// (sessions kept serialized, identities trusted on first use), held in `peers` so a test can drive
// a long conversation step by step. Keys cross as base64 in libsignal's 33-byte 05-prefixed form.
import { createRequire } from 'node:module';
import {
  GroupCipher, GroupSessionBuilder, SenderKeyDistributionMessage, SenderKeyName, SenderKeyRecord,
} from 'baileys/lib/Signal/Group/index.js';
import { BufferJSON } from 'baileys/lib/Utils/generics.js';

const require = createRequire(import.meta.url);
const { SessionBuilder, SessionCipher, SessionRecord, ProtocolAddress, keyhelper, curve, crypto } = require('libsignal');

// stdout carries the harness protocol, but libsignal logs session changes with console.info and
// console.warn; send those to stderr so they cannot corrupt a reply line.
for (const level of ['log', 'info', 'warn', 'debug']) console[level] = (...args) => console.error(...args);

const b64 = buf => Buffer.from(buf).toString('base64');
const buf = s => Buffer.from(s, 'base64');
const peers = new Map();

function peer(name) {
  const p = peers.get(name);
  if (!p) throw new Error(`no peer ${name}`);
  return p;
}

function makeStore(p) {
  return {
    isTrustedIdentity: () => true, // Baileys: trust on first use, changes accepted
    getOurIdentity: () => p.identity,
    getOurRegistrationId: () => p.registrationId,
    loadSession: id => (p.sessions.has(id) ? SessionRecord.deserialize(JSON.parse(p.sessions.get(id))) : undefined),
    storeSession: (id, record) => { p.sessions.set(id, JSON.stringify(record.serialize())); },
    loadPreKey: id => p.preKeys.get(Number(id)),
    removePreKey: id => { p.preKeys.delete(Number(id)); },
    loadSignedPreKey: id => p.signedPreKeys.get(Number(id))?.keyPair,
    loadSenderKey: name => {
      const stored = p.senderKeys.get(name.toString());
      return stored ? SenderKeyRecord.deserialize(stored) : new SenderKeyRecord();
    },
    // Baileys' own storeSenderKey uses plain JSON.stringify, which turns the skipped message
    // seeds into {type, data: [..]} objects that its decrypt then rejects ("Expected Buffer"), so
    // out-of-order group messages would fail in the oracle itself; BufferJSON keeps them Buffers.
    storeSenderKey: (name, record) => {
      p.senderKeys.set(name.toString(), Buffer.from(JSON.stringify(record.serialize(), BufferJSON.replacer), 'utf-8'));
    },
  };
}

function createPeer({ name, preKeys = 4, signedPreKeyId = 1 }) {
  const p = {
    identity: curve.generateKeyPair(),
    registrationId: keyhelper.generateRegistrationId(),
    preKeys: new Map(),
    signedPreKeys: new Map(),
    sessions: new Map(),
    senderKeys: new Map(),
    nextPreKeyId: 1,
  };
  for (let i = 0; i < preKeys; i++) addPreKey(p);
  p.signedPreKeys.set(signedPreKeyId, keyhelper.generateSignedPreKey(p.identity, signedPreKeyId));
  p.currentSignedPreKeyId = signedPreKeyId;
  p.store = makeStore(p);
  peers.set(name, p);
  return p;
}

function addPreKey(p) {
  const key = keyhelper.generatePreKey(p.nextPreKeyId++);
  p.preKeys.set(key.keyId, key.keyPair);
  return key;
}

const address = text => ProtocolAddress.from(text);

async function decryptOne(p, remote, { type, body }) {
  const cipher = new SessionCipher(p.store, address(remote));
  try {
    const plaintext = type === 3
      ? await cipher.decryptPreKeyWhisperMessage(buf(body))
      : await cipher.decryptWhisperMessage(buf(body));
    return { plaintext: b64(plaintext) };
  } catch (err) {
    return { error: `${err?.name}: ${err?.message}` };
  }
}

async function encryptOne(p, remote, plaintext) {
  const { type, body } = await new SessionCipher(p.store, address(remote)).encrypt(buf(plaintext));
  return { type, body: b64(Buffer.from(body, 'binary')) };
}

function senderKeyName(group, addr) {
  return new SenderKeyName(group, address(addr));
}

export const ops = {
  // A new device: identity, registration id, `preKeys` one-time prekeys and a signed prekey.
  'signal.peer.create': args => {
    const p = createPeer(args);
    return { identityKey: b64(p.identity.pubKey), registrationId: p.registrationId };
  },

  // The device's bundle as the server would hand it out, with or without a one-time prekey.
  'signal.peer.bundle': ({ name, withPreKey = true }) => {
    const p = peer(name);
    const spk = p.signedPreKeys.get(p.currentSignedPreKeyId);
    const bundle = {
      registrationId: p.registrationId,
      identityKey: b64(p.identity.pubKey),
      signedPreKeyId: spk.keyId,
      signedPreKey: b64(spk.keyPair.pubKey),
      signature: b64(spk.signature),
    };
    if (withPreKey) {
      const key = addPreKey(p);
      bundle.preKeyId = key.keyId;
      bundle.preKey = b64(key.keyPair.pubKey);
    }
    return bundle;
  },

  'signal.peer.hasPreKey': ({ name, id }) => peer(name).preKeys.has(id),

  // initOutgoing from a bundle made elsewhere (the C# side).
  'signal.peer.processBundle': async ({ name, remote, bundle }) => {
    const device = {
      registrationId: bundle.registrationId,
      identityKey: buf(bundle.identityKey),
      signedPreKey: { keyId: bundle.signedPreKeyId, publicKey: buf(bundle.signedPreKey), signature: buf(bundle.signature) },
    };
    if (bundle.preKeyId !== undefined && bundle.preKeyId !== null) {
      device.preKey = { keyId: bundle.preKeyId, publicKey: buf(bundle.preKey) };
    }
    await new SessionBuilder(peer(name).store, address(remote)).initOutgoing(device);
    return true;
  },

  // One conversation turn: decrypt `deliver` ({type, body}) in the order given, then encrypt
  // `send` (base64 plaintexts). Returns {received: [{plaintext}|{error}], sent: [{type, body}]}.
  'signal.peer.step': async ({ name, remote, deliver = [], send = [] }) => {
    const p = peer(name);
    const received = [];
    for (const message of deliver) received.push(await decryptOne(p, remote, message));
    const sent = [];
    for (const plaintext of send) sent.push(await encryptOne(p, remote, plaintext));
    return { received, sent };
  },

  // Our sending chain in `group` (sender = our own address): the distribution message.
  'signal.group.create': async ({ name, group, self }) => {
    const skdm = await new GroupSessionBuilder(peer(name).store).create(senderKeyName(group, self));
    return b64(skdm.serialize());
  },

  'signal.group.process': async ({ name, group, sender, skdm }) => {
    const message = new SenderKeyDistributionMessage(null, null, null, null, buf(skdm));
    await new GroupSessionBuilder(peer(name).store).process(senderKeyName(group, sender), message);
    return true;
  },

  // As Baileys' encryptGroupMessage: make sure our sending chain exists, then encrypt.
  'signal.group.encrypt': async ({ name, group, self, plaintexts }) => {
    await new GroupSessionBuilder(peer(name).store).create(senderKeyName(group, self));
    const cipher = new GroupCipher(peer(name).store, senderKeyName(group, self));
    const out = [];
    for (const plaintext of plaintexts) out.push(b64(await cipher.encrypt(buf(plaintext))));
    return out;
  },

  'signal.group.decrypt': async ({ name, group, sender, messages }) => {
    const cipher = new GroupCipher(peer(name).store, senderKeyName(group, sender));
    const out = [];
    for (const message of messages) {
      try {
        out.push({ plaintext: b64(await cipher.decrypt(buf(message))) });
      } catch (err) {
        out.push({ error: String(err?.message ?? err) });
      }
    }
    return out;
  },

  // libsignal's HKDF (deriveSecrets, three 32-byte chunks) for known-answer checks.
  'signal.kdf': ({ items }) => items.map(({ input, salt, info }) =>
    crypto.deriveSecrets(buf(input), buf(salt), Buffer.from(info)).map(b64)),
};
