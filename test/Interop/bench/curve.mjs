// libsignal-node's Curve25519, the one Baileys uses, to compare with CurveBenchmarks.cs: agreement
// of a fixed pair, and signing/verifying a 100-byte message. One operation per call.
import { randomBytes } from 'node:crypto';
import * as curve from 'libsignal/src/curve.js';

const MESSAGE_SIZE = 100;
const ours = curve.generateKeyPair();
const theirs = curve.generateKeyPair();
const message = randomBytes(MESSAGE_SIZE);
const signature = curve.calculateSignature(ours.privKey, message);

export const benches = {
  'x25519.agree': () => curve.calculateAgreement(theirs.pubKey, ours.privKey),
  'curve.sign': () => curve.calculateSignature(ours.privKey, message),
  'curve.verify': () => curve.verifySignature(ours.pubKey, message, signature),
};
