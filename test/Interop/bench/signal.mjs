// The libsignal-node / Baileys side of the Signal benchmarks (test/Bench/SignalBenchmarks.cs):
// the same five operations on the same shapes of state, one operation per call. Stores keep
// records serialized as Baileys' key store does; the decrypt and setup stores serialize each
// write and drop it, so the same message can be decrypted on every call.
import { createRequire } from 'node:module';
import { GroupCipher, GroupSessionBuilder, SenderKeyName, SenderKeyRecord } from 'baileys/lib/Signal/Group/index.js';
import { BufferJSON } from 'baileys/lib/Utils/generics.js';

const require = createRequire(import.meta.url);
const { SessionBuilder, SessionCipher, SessionRecord, ProtocolAddress, keyhelper, curve } = require('libsignal');

// libsignal logs every session change with console.info; keep console.log for bench.mjs's result line.
for (const level of ['info', 'warn', 'debug']) console[level] = () => {};

const payload = Buffer.alloc(100);
const group = '120363000000000009@g.us';

function device(name) {
  const identity = curve.generateKeyPair();
  const signed = keyhelper.generateSignedPreKey(identity, 1);
  const preKey = keyhelper.generatePreKey(1);
  const sessions = new Map();
  const senderKeys = new Map();
  const store = {
    isTrustedIdentity: () => true,
    getOurIdentity: () => identity,
    getOurRegistrationId: () => 1234,
    loadSession: id => (sessions.has(id) ? SessionRecord.deserialize(JSON.parse(sessions.get(id))) : undefined),
    storeSession: (id, record) => { sessions.set(id, JSON.stringify(record.serialize())); },
    loadPreKey: id => (id === 1 ? preKey.keyPair : undefined),
    removePreKey: () => {},
    loadSignedPreKey: () => signed.keyPair,
    loadSenderKey: key => {
      const stored = senderKeys.get(key.toString());
      return stored ? SenderKeyRecord.deserialize(stored) : new SenderKeyRecord();
    },
    storeSenderKey: (key, record) => {
      senderKeys.set(key.toString(), Buffer.from(JSON.stringify(record.serialize(), BufferJSON.replacer), 'utf-8'));
    },
  };
  const bundle = {
    registrationId: 1234,
    identityKey: identity.pubKey,
    signedPreKey: { keyId: 1, publicKey: signed.keyPair.pubKey, signature: signed.signature },
    preKey: { keyId: 1, publicKey: preKey.keyPair.pubKey },
  };
  return { address: new ProtocolAddress(name, 1), store, bundle };
}

// Reads go to the real store; writes are serialized and dropped.
const replay = (store, { sessions = true } = {}) => ({
  ...store,
  loadSession: sessions ? store.loadSession : () => undefined,
  storeSession: (_, record) => { JSON.stringify(record.serialize()); },
  removePreKey: () => {},
  storeSenderKey: (_, record) => { JSON.stringify(record.serialize(), BufferJSON.replacer); },
});

const alice = device('alice');
const bob = device('bob');
await new SessionBuilder(alice.store, bob.address).initOutgoing(bob.bundle);
const toBob = new SessionCipher(alice.store, bob.address);
const toAlice = new SessionCipher(bob.store, alice.address);
const bodyOf = m => Buffer.from(m.body, 'binary');
await toAlice.decryptPreKeyWhisperMessage(bodyOf(await toBob.encrypt(payload)));
await toBob.decryptWhisperMessage(bodyOf(await toAlice.encrypt(payload)));
await toAlice.decryptWhisperMessage(bodyOf(await toBob.encrypt(payload)));
const message = bodyOf(await toBob.encrypt(payload));
const replayingBob = new SessionCipher(replay(bob.store), alice.address);

const carol = device('carol');
const carolReplay = replay(carol.store, { sessions: false });

const name = new SenderKeyName(group, alice.address);
const skdm = await new GroupSessionBuilder(alice.store).create(name);
await new GroupSessionBuilder(bob.store).process(name, skdm);
const groupEncryptor = new GroupCipher(alice.store, name);
const groupMessage = await groupEncryptor.encrypt(payload);
const groupDecryptor = new GroupCipher(replay(bob.store), name);

export const benches = {
  'signal.encrypt': () => toBob.encrypt(payload),
  'signal.decrypt': () => replayingBob.decryptWhisperMessage(message),
  'signal.session_setup': () => new SessionBuilder(carolReplay, bob.address).initOutgoing(bob.bundle),
  'senderkey.encrypt': () => groupEncryptor.encrypt(payload),
  'senderkey.decrypt': () => groupDecryptor.decrypt(groupMessage),
};
