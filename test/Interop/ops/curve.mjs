// libsignal-node's curve (the one Baileys signs and agrees with) as an oracle for the C# Curve25519.
import { randomBytes, createCipheriv } from 'node:crypto';
import * as curve from 'libsignal/src/curve.js';

const b64 = buf => Buffer.from(buf).toString('base64');
const buf = s => Buffer.from(s, 'base64');

export const ops = {
  // Random key pairs from libsignal (node's X25519, private keys as node exports them), random
  // messages of 0..200 bytes, and libsignal's signatures over them.
  'curve.signVectors': ({ count }) => Array.from({ length: count }, (_, i) => {
    const { pubKey, privKey } = curve.generateKeyPair();
    const msg = randomBytes(i % 201);
    return { priv: b64(privKey), pub: b64(pubKey.subarray(1)), msg: b64(msg), sig: b64(curve.calculateSignature(privKey, msg)) };
  }),

  // libsignal's verdict on signatures made elsewhere; it throws on malformed input, which we report as false.
  'curve.verify': ({ items }) => items.map(({ pub, msg, sig }) => {
    try {
      return curve.verifySignature(Buffer.concat([Buffer.from([5]), buf(pub)]), buf(msg), buf(sig)) === true;
    } catch {
      return false;
    }
  }),

  // libsignal's X25519 agreement for (our private, their public) pairs.
  'curve.agree': ({ items }) => items.map(({ priv, pub }) =>
    b64(curve.calculateAgreement(Buffer.concat([Buffer.from([5]), buf(pub)]), buf(priv)))),

  // libsignal's public key of a private key, for checking clamping agrees.
  'curve.publicOf': ({ privs }) => privs.map(p => b64(curve.getPublicFromPrivateKey(buf(p)).subarray(1))),

  // Node's AES-256-CTR, the primitive Baileys wraps pairing-code keys with.
  'crypto.aesCtr': ({ key, iv, data }) => {
    const c = createCipheriv('aes-256-ctr', buf(key), buf(iv));
    return b64(Buffer.concat([c.update(buf(data)), c.final()]));
  },
};
