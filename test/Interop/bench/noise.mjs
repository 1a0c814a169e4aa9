// Baileys' per-frame Noise transport cost, to compare with NoiseBenchmarks.cs: one 1 KiB frame
// encrypted and decrypted with aesEncryptGCM/aesDecryptGCM, the 8+4 IV and empty AAD, exactly as
// the TransportState in lib/Utils/noise-handler.js does. One operation per call.
import { randomBytes } from 'node:crypto';
import { aesDecryptGCM, aesEncryptGCM } from 'baileys/lib/Utils/crypto.js';

const FRAME_SIZE = 1024;
const IV_LENGTH = 12;
const EMPTY = Buffer.alloc(0);
const key = randomBytes(32);
const plaintext = randomBytes(FRAME_SIZE);
const writeIv = new Uint8Array(IV_LENGTH);
const readIv = new Uint8Array(IV_LENGTH);
let writeCounter = 0;
let readCounter = 0;

const setCounter = (iv, c) => {
  iv[8] = (c >>> 24) & 0xff;
  iv[9] = (c >>> 16) & 0xff;
  iv[10] = (c >>> 8) & 0xff;
  iv[11] = c & 0xff;
};

export const benches = {
  'noise.transport': () => {
    setCounter(writeIv, writeCounter++);
    const ciphertext = aesEncryptGCM(plaintext, key, writeIv, EMPTY);
    setCounter(readIv, readCounter++);
    return aesDecryptGCM(ciphertext, key, readIv, EMPTY);
  },
};
