// Baileys' own media encryption and download as an oracle for the C# media crypto (PROTOCOL.md §8).
import { readFile, unlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import { downloadContentFromMessage, encryptedStream } from 'baileys';

const b64 = buf => Buffer.from(buf).toString('base64');
const buf = s => Buffer.from(s, 'base64');

// Serves one blob on a loopback port for as long as fn runs: Baileys downloads only by URL.
const serveOnce = async (blob, fn) => {
  const server = createServer((_, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end(blob); });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}/blob`);
  } finally {
    server.close();
  }
};

export const ops = {
  // Baileys encrypts a plaintext for a media type ('image', 'ptt', 'gif', ...) with a random key.
  'media.encrypt': async ({ type, data }) => {
    const { mediaKey, encFilePath, fileSha256, fileEncSha256, fileLength } = await encryptedStream(buf(data), type);
    try {
      return { mediaKey: b64(mediaKey), blob: b64(await readFile(encFilePath)), fileSha256: b64(fileSha256), fileEncSha256: b64(fileEncSha256), fileLength };
    } finally {
      await unlink(encFilePath);
    }
  },

  // Baileys downloads and decrypts a blob made elsewhere, as it would a received message's media.
  'media.decrypt': async ({ type, mediaKey, blob }) => serveOnce(buf(blob), async url => {
    const chunks = [];
    for await (const chunk of await downloadContentFromMessage({ mediaKey: buf(mediaKey), url }, type)) chunks.push(chunk);
    return b64(Buffer.concat(chunks));
  }),
};
