// Baileys' side of the binary.encode / binary.decode benchmarks (test/Bench/BinaryBenchmarks.cs):
// the same message stanza, one operation per call.
import { createHash } from 'node:crypto';
import * as constants from 'baileys/lib/WABinary/constants.js';
import { decodeDecompressedBinaryNode } from 'baileys/lib/WABinary/decode.js';
import { encodeBinaryNode } from 'baileys/lib/WABinary/encode.js';

// The C# benchmark checks the same digest, so both sides provably time the same bytes.
const FRAME_SHA256 = '30c5b5effa703c2b26aaf8bbd5cca66187c331ab11cf4c8b27d88ac49d80fd95';

const payload = (length, salt) => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + salt * 31) & 0xff));

// A 1:1 text message fanned out to five devices, as Baileys sends it (PROTOCOL.md §6.4).
export const stanza = {
  tag: 'message',
  attrs: { to: '15550001111@s.whatsapp.net', id: '3EB0C5A7D2F1E4B6A9C8', type: 'text' },
  content: [
    {
      tag: 'participants',
      attrs: {},
      content: [1, 2, 3, 4, 5].map(device => ({
        tag: 'to',
        attrs: { jid: `15550002222:${device}@s.whatsapp.net` },
        content: [{ tag: 'enc', attrs: { v: '2', type: 'pkmsg' }, content: payload(200, device) }],
      })),
    },
    { tag: 'device-identity', attrs: {}, content: payload(150, 0) },
  ],
};

const frame = encodeBinaryNode(stanza);
export const frameSha256 = createHash('sha256').update(frame).digest('hex');
if (frameSha256 !== FRAME_SHA256) {
  throw new Error(`bench stanza changed: ${frameSha256}, expected ${FRAME_SHA256}`);
}

export const benches = {
  'binary.encode': () => encodeBinaryNode(stanza),
  // decodeBinaryNode is async only because it may inflate; for an uncompressed frame it drops the
  // flag byte and makes this synchronous call, so timing it directly measures the same work.
  'binary.decode': () => decodeDecompressedBinaryNode(frame.subarray(1), constants),
};
