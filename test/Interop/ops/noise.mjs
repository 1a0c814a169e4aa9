// Noise transport oracles for the C# NoiseSocket (PROTOCOL.md §1).
//
// (a) noise.baileysClient: Baileys' own makeNoiseHandler plays the client, driven the way
//     Socket/socket.js validateConnection drives it, against a C# responder; then echoes frames.
// (b) noise.startResponder / noise.responderResult: a responder built here from Baileys'
//     primitives (Curve, aesEncryptGCM/aesDecryptGCM, hkdf, sha256) with a test certificate chain
//     signed by libsignal under a fresh root, for the C# initiator to connect to.
// (c) noise.clientVector: Baileys' client bytes for fixed keys, for a known-answer comparison.
import net from 'node:net';
import { once } from 'node:events';
import pino from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import * as curve from 'libsignal/src/curve.js';
import { makeNoiseHandler } from 'baileys/lib/Utils/noise-handler.js';
import { Curve, aesDecryptGCM, aesEncryptGCM, hkdf, sha256 } from 'baileys/lib/Utils/crypto.js';
import { NOISE_MODE, NOISE_WA_HEADER, DEFAULT_ORIGIN, DEFAULT_CONNECTION_CONFIG } from 'baileys/lib/Defaults/index.js';
import { generateRegistrationNode } from 'baileys/lib/Utils/validate-connection.js';
import { initAuthCreds } from 'baileys/lib/Utils/auth-utils.js';
import { proto } from 'baileys/WAProto/index.js';

const b64 = b => Buffer.from(b).toString('base64');
const buf = s => Buffer.from(s, 'base64');
const hex = b => Buffer.from(b).toString('hex');
const logger = pino({ level: 'silent' });
const EMPTY = Buffer.alloc(0);

// The 12-byte WA nonce: 8 zero bytes, then the counter as uint32 BE.
const iv = counter => {
  const out = Buffer.alloc(12);
  out.writeUInt32BE(counter, 8);
  return out;
};

const frame = body => {
  const out = Buffer.alloc(3 + body.length);
  out.writeUIntBE(body.length, 0, 3);
  Buffer.from(body).copy(out, 3);
  return out;
};

// Frame i's plaintext of the given size, reproducible on the C# side: byte j = (31*i + j) & 0xff.
const pattern = (i, size) => Buffer.from(Array.from({ length: size }, (_, j) => (31 * i + j) & 0xff));

// Splits received bytes into frames; next() resolves with a frame, or null once the peer ended.
class FrameReader {
  constructor(expectIntro) {
    this.buffer = EMPTY;
    this.expectIntro = expectIntro;
    this.frames = [];
    this.waiters = [];
    this.ended = false;
    this.error = null;
  }

  push(data) {
    this.buffer = Buffer.concat([this.buffer, data]);
    if (this.expectIntro) {
      if (this.buffer.length < 4) return;
      if (!this.buffer.subarray(0, 4).equals(NOISE_WA_HEADER)) return this.fail(new Error('bad intro ' + hex(this.buffer.subarray(0, 4))));
      this.buffer = this.buffer.subarray(4);
      this.expectIntro = false;
    }
    while (this.buffer.length >= 3) {
      const size = this.buffer.readUIntBE(0, 3);
      if (this.buffer.length < 3 + size) break;
      this.frames.push(Buffer.from(this.buffer.subarray(3, 3 + size)));
      this.buffer = this.buffer.subarray(3 + size);
    }
    this.wake();
  }

  end() { this.ended = true; this.wake(); }

  fail(err) { this.error = err; this.wake(); }

  wake() {
    while (this.waiters.length && (this.frames.length || this.ended || this.error)) {
      const { resolve, reject } = this.waiters.shift();
      if (this.frames.length) resolve(this.frames.shift());
      else if (this.error) reject(this.error);
      else resolve(null);
    }
  }

  next() { return new Promise((resolve, reject) => { this.waiters.push({ resolve, reject }); this.wake(); }); }
}

// A duplex byte carrier over TCP or a WebSocket (binary messages), the way Baileys' client uses one.
const wrapTcp = sock => ({
  onData: fn => sock.on('data', fn),
  onEnd: fn => { sock.on('end', fn); sock.on('close', fn); },
  onError: fn => sock.on('error', fn),
  write: data => sock.write(data),
  close: () => sock.end(),
});
const wrapWs = ws => ({
  onData: fn => ws.on('message', data => fn(Buffer.from(data))),
  onEnd: fn => ws.on('close', fn),
  onError: fn => ws.on('error', fn),
  write: data => ws.send(data),
  close: () => ws.close(),
});

const connectClient = async (transport, port) => {
  if (transport === 'ws') {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`, { origin: DEFAULT_ORIGIN });
    await once(ws, 'open');
    return wrapWs(ws);
  }
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  return wrapTcp(sock);
};

// The registration ClientPayload Baileys itself would send for fresh credentials.
const registrationPayload = creds => proto.ClientPayload.encode(generateRegistrationNode(creds, {
  ...DEFAULT_CONNECTION_CONFIG,
  countryCode: 'US',
})).finish();

// A test chain root → intermediate → leaf(serverStatic), signed with libsignal (via Baileys' Curve.sign).
const makeChain = serverStatic => {
  const root = Curve.generateKeyPair();
  const intermediate = Curve.generateKeyPair();
  const now = Math.floor(Date.now() / 1000);
  const details = (serial, issuerSerial, key) => proto.CertChain.NoiseCertificate.Details.encode(
    { serial, issuerSerial, key, notBefore: now - 3600, notAfter: now + 3600 }).finish();
  const intermediateDetails = details(7, 0, intermediate.public);
  const leafDetails = details(42, 7, serverStatic.public);
  const chain = proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: Curve.sign(root.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
  }).finish();
  return { root, chain };
};

// The responder's symmetric state, written from the primitives Baileys' noise handler uses.
class Handshake {
  constructor() {
    this.hash = Buffer.from(NOISE_MODE);
    this.salt = this.hash;
    this.key = this.hash;
    this.counter = 0;
    this.mixHash(NOISE_WA_HEADER);
  }
  mixHash(data) { this.hash = sha256(Buffer.concat([this.hash, data])); }
  mixKey(ikm) {
    const out = Buffer.from(hkdf(Buffer.from(ikm), 64, { salt: this.salt, info: '' }));
    this.salt = out.subarray(0, 32);
    this.key = out.subarray(32);
    this.counter = 0;
  }
  encrypt(pt) {
    const ct = aesEncryptGCM(pt, this.key, iv(this.counter++), this.hash);
    this.mixHash(ct);
    return ct;
  }
  decrypt(ct) {
    const pt = aesDecryptGCM(ct, this.key, iv(this.counter++), this.hash);
    this.mixHash(ct);
    return pt;
  }
  split() {
    const out = Buffer.from(hkdf(EMPTY, 64, { salt: this.salt, info: '' }));
    return [out.subarray(0, 32), out.subarray(32)];
  }
}

const respond = async (conn, reader, staticKey, chain, serverFrameSizes) => {
  const hs = new Handshake();
  const { clientHello } = proto.HandshakeMessage.decode(await reader.next());
  hs.mixHash(clientHello.ephemeral);
  const ephemeral = Curve.generateKeyPair();
  hs.mixHash(ephemeral.public);
  hs.mixKey(Curve.sharedKey(ephemeral.private, clientHello.ephemeral));
  const encStatic = hs.encrypt(staticKey.public);
  hs.mixKey(Curve.sharedKey(staticKey.private, clientHello.ephemeral));
  const encCert = hs.encrypt(chain);
  conn.write(frame(proto.HandshakeMessage.encode({
    serverHello: { ephemeral: ephemeral.public, static: encStatic, payload: encCert },
  }).finish()));

  const { clientFinish } = proto.HandshakeMessage.decode(await reader.next());
  const clientStatic = hs.decrypt(clientFinish.static);
  hs.mixKey(Curve.sharedKey(ephemeral.private, clientStatic));
  const payload = hs.decrypt(clientFinish.payload);
  const [clientToServer, serverToClient] = hs.split();

  let sendCounter = 0;
  let receiveCounter = 0;
  const seal = pt => aesEncryptGCM(pt, serverToClient, iv(sendCounter++), EMPTY);
  const open = ct => aesDecryptGCM(ct, clientToServer, iv(receiveCounter++), EMPTY);
  serverFrameSizes.forEach((size, i) => conn.write(frame(seal(pattern(i, size)))));

  const received = [];
  for (let f = await reader.next(); f !== null; f = await reader.next()) {
    const pt = open(f);
    received.push(hex(sha256(pt)));
    conn.write(frame(seal(pt)));
  }
  conn.close();
  return { clientStatic: b64(clientStatic), payload: b64(payload), received, sent: sendCounter };
};

const responders = new Map();
let nextResponder = 1;

export const ops = {
  // (a) Baileys' client handshakes with a C# responder on 127.0.0.1:port, then decrypts each frame
  // the C# side sends and echoes it back re-encrypted, until the C# side closes.
  'noise.baileysClient': async ({ port, transport = 'tcp' }) => {
    const creds = initAuthCreds();
    const ephemeral = Curve.generateKeyPair();
    const noise = makeNoiseHandler({ keyPair: ephemeral, NOISE_HEADER: NOISE_WA_HEADER, logger });
    const conn = await connectClient(transport, port);
    const handshakeFrames = new FrameReader(false);
    const transportFrames = new FrameReader(false);
    let transportPhase = false;
    conn.onData(data => {
      // Handshake frames go through Baileys' own buffering, as its socket does.
      if (transportPhase) transportFrames.push(data);
      else noise.decodeFrame(data, f => handshakeFrames.frames.push(Buffer.from(f)) && handshakeFrames.wake());
    });
    conn.onEnd(() => { handshakeFrames.end(); transportFrames.end(); });
    conn.onError(err => { handshakeFrames.fail(err); transportFrames.fail(err); });

    conn.write(noise.encodeFrame(proto.HandshakeMessage.encode({ clientHello: { ephemeral: ephemeral.public } }).finish()));
    const serverHello = await handshakeFrames.next();
    if (!serverHello) throw new Error('closed before the server hello');
    const keyEnc = noise.processHandshake(proto.HandshakeMessage.decode(serverHello), creds.noiseKey);
    const payload = registrationPayload(creds);
    const payloadEnc = noise.encrypt(payload);
    transportPhase = true;
    conn.write(noise.encodeFrame(proto.HandshakeMessage.encode({ clientFinish: { static: keyEnc, payload: payloadEnc } }).finish()));
    await noise.finishInit();

    const received = [];
    for (let f = await transportFrames.next(); f !== null; f = await transportFrames.next()) {
      const pt = noise.decrypt(f);
      received.push(hex(sha256(pt)));
      conn.write(noise.encodeFrame(pt));
    }
    conn.close();
    return { noiseKey: b64(creds.noiseKey.public), payload: b64(payload), received };
  },

  // (b) Starts a responder on an ephemeral port; it sends the given server frames right after the
  // handshake, then echoes every client frame until the client closes. Returns the port and root.
  'noise.startResponder': async ({ serverFrames = [], transport = 'tcp' }) => {
    const staticKey = Curve.generateKeyPair();
    const { root, chain } = makeChain(staticKey);
    const id = nextResponder++;
    let server;
    const accepted = new Promise((resolve, reject) => {
      const start = conn => {
        const reader = new FrameReader(true);
        conn.onData(d => reader.push(d));
        conn.onEnd(() => reader.end());
        conn.onError(err => reader.fail(err));
        respond(conn, reader, staticKey, chain, serverFrames).then(resolve, reject).finally(() => server.close());
      };
      if (transport === 'ws') {
        server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
        server.on('connection', ws => start(wrapWs(ws)));
      } else {
        server = net.createServer(sock => start(wrapTcp(sock)));
        server.listen(0, '127.0.0.1');
      }
    });
    accepted.catch(() => {});
    responders.set(id, accepted);
    await once(server, 'listening');
    return { id, port: server.address().port, root: b64(root.public), serverStatic: b64(staticKey.public) };
  },

  'noise.responderResult': async ({ id }) => {
    const result = responders.get(id);
    responders.delete(id);
    return await result;
  },

  // (c) Baileys' client frames for fixed keys and a given server hello: the framed client hello
  // (with the intro), the framed client finish, and the first framed transport frame.
  'noise.clientVector': async ({ ephemeralPriv, noisePriv, serverHello, payload, plaintext }) => {
    const pair = priv => ({ private: buf(priv), public: Buffer.from(curve.getPublicFromPrivateKey(buf(priv))).subarray(1) });
    const ephemeral = pair(ephemeralPriv);
    const noise = makeNoiseHandler({ keyPair: ephemeral, NOISE_HEADER: NOISE_WA_HEADER, logger });
    const hello = noise.encodeFrame(proto.HandshakeMessage.encode({ clientHello: { ephemeral: ephemeral.public } }).finish());
    const keyEnc = noise.processHandshake(proto.HandshakeMessage.decode(buf(serverHello)), pair(noisePriv));
    const payloadEnc = noise.encrypt(buf(payload));
    const finish = noise.encodeFrame(proto.HandshakeMessage.encode({ clientFinish: { static: keyEnc, payload: payloadEnc } }).finish());
    await noise.finishInit();
    return { clientHello: b64(hello), clientFinish: b64(finish), frame: b64(noise.encodeFrame(buf(plaintext))) };
  },
};
