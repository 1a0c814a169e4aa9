// Binary node codec ops: Baileys' WABinary as the reference for src/Protocol/Binary.
//
// Trees cross as JSON: { tag, attrs: [[key, value], ...] (wire order), content } with content
// null, { text }, { bytes: base64 } or { nodes: [...] }. This is what Baileys' decoder yields:
// attribute values are strings (JIDs in text form), BINARY_x content is bytes.
import { deflateSync } from 'node:zlib';
import { DOUBLE_BYTE_TOKENS, SINGLE_BYTE_TOKENS, TAGS } from 'baileys/lib/WABinary/constants.js';
import { decodeBinaryNode } from 'baileys/lib/WABinary/decode.js';
import { encodeBinaryNode } from 'baileys/lib/WABinary/encode.js';

const b64 = bytes => Buffer.from(bytes).toString('base64');
const unb64 = text => Buffer.from(text, 'base64');

const render = node => ({
  tag: node.tag,
  attrs: Object.entries(node.attrs ?? {}),
  content: node.content === undefined ? null
    : Array.isArray(node.content) ? { nodes: node.content.map(render) }
      : typeof node.content === 'string' ? { text: node.content }
        : { bytes: b64(node.content) },
});

// mulberry32: small, seedable, and the same on every machine, so failures replay.
const prng = seed => () => {
  seed = (seed + 0x6D2B79F5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const ALL_TOKENS = [...SINGLE_BYTE_TOKENS.slice(1), ...DOUBLE_BYTE_TOKENS.flat()];
// JS objects list integer-like keys first, so Baileys would reorder such attribute keys. (Strings
// named like Object.prototype members, e.g. "constructor", are another Baileys trap: TOKEN_MAP
// finds them and writes byte 0. Random words here are far too unlikely to hit one.)
const isIntegerLike = s => /^(0|[1-9][0-9]*)$/.test(s);
const KEY_TOKENS = ALL_TOKENS.filter(t => !isIntegerLike(t));
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter(c => c !== '@');
const UNICODE = ['é', 'ß', 'ж', '中', '文', '😀', '👍🏽', '\u0000', '\n', '"', '\\', ...PRINTABLE];
// Levels below the top of the 'deep' shape: deep enough to pass any real stanza, shallow enough
// for the C# side's JSON reader (System.Text.Json stops at 64 levels; each node level takes 3).
const DEEP = 18;
const SPECIAL_BYTE_SIZES = [0, 1, 255, 256, 65535, 65536, (1 << 20) - 1, 1 << 20, (1 << 20) + 7];

function generator(seed) {
  const random = prng(seed);
  const int = n => Math.floor(random() * n);
  const pick = items => items[int(items.length)];
  const chars = (alphabet, length) => Array.from({ length }, () => pick(alphabet)).join('');
  const digits = (min, max) => String(1 + int(9)) + chars('0123456789', min - 1 + int(max - min + 1));
  const device = () => 1 + int(255); // never ":0": Baileys writes AD_JID for it but decodes it as no device
  let tokenCursor = int(ALL_TOKENS.length);
  const nextToken = () => ALL_TOKENS[tokenCursor++ % ALL_TOKENS.length];

  const jid = () => pick([
    () => `${digits(8, 15)}@s.whatsapp.net`,
    () => `${digits(8, 15)}:${device()}@s.whatsapp.net`,
    () => `${digits(10, 15)}@lid`,
    () => `${digits(10, 15)}:${device()}@lid`,
    () => `${digits(8, 15)}:99@hosted`,
    () => `${digits(8, 15)}@hosted`,
    () => `${digits(10, 15)}:${device()}@hosted.lid`,
    () => `${digits(10, 15)}@hosted.lid`,
    () => `${digits(8, 15)}-${digits(10, 10)}@g.us`,
    () => `${digits(18, 18)}@g.us`,
    () => 'status@broadcast',
    () => `${digits(10, 13)}@broadcast`,
    () => `${digits(18, 18)}@newsletter`,
    () => '@s.whatsapp.net',
    () => pick(['@g.us', '@broadcast', '@lid', '@newsletter']),
    () => `${digits(8, 15)}_${device()}:${device()}@s.whatsapp.net`,
    () => `${digits(8, 15)}_${device()}@s.whatsapp.net`,
    () => `${chars('abcdefghijklmnopqrstuvwxyz', 1 + int(10))}@c.us`,
    () => `${digits(11, 11)}@bot`,
    () => `${chars('0123456789ABCDEF', 32)}@call`,
  ])();

  const rawLength = () => pick([1 + int(40), 1 + int(40), 255, 256, 300 + int(2000)]);
  const string = () => pick([
    nextToken, nextToken, nextToken,
    () => pick(ALL_TOKENS),
    () => chars('0123456789-.', 1 + int(127)),
    () => chars('0123456789', pick([1, 2, 126, 127])),
    () => chars('0123456789-.', 128 + int(200)),
    () => chars('0123456789ABCDEF', 1 + int(127)),
    () => chars('0123456789abcdef', 1 + int(40)),
    () => chars(PRINTABLE, rawLength()),
    () => chars(UNICODE, 1 + int(30)),
    () => '',
  ])();
  const value = () => (random() < 0.3 ? jid() : string());
  const key = () => (random() < 0.7 ? pick(KEY_TOKENS) : chars('abcdefghijklmnopqrstuvwxyz_-:', 1 + int(12)));
  const tag = () => (random() < 0.7 ? nextToken() : chars('abcdefghijklmnopqrstuvwxyz-:', 1 + int(12)));

  const bytes = big => {
    // Each seed gets one of the size boundaries, so consecutive seeds cover all of them.
    const length = big ? SPECIAL_BYTE_SIZES[seed % SPECIAL_BYTE_SIZES.length] : pick([0, 1, int(64), int(300), int(1200)]);
    const data = Buffer.alloc(length);
    for (let i = 0; i < Math.min(length, 4096); i++) data[i] = int(256);
    return data;
  };

  const node = (depth, shape) => {
    const attrs = {};
    const attrCount = shape === 'many-attrs' ? 200 : int(6);
    for (let i = 0; i < attrCount; i++) attrs[shape === 'many-attrs' ? `k${i}` : key()] = value();
    let content;
    if (shape === 'many-children') {
      content = Array.from({ length: 256 + int(300) }, () => node(depth + 1, 'leaf'));
    } else if (shape === 'deep') {
      content = depth < DEEP ? [node(depth + 1, 'deep')] : undefined;
    } else if (shape === 'big-bytes') {
      content = bytes(true);
    } else if (shape !== 'leaf' || random() < 0.5) {
      content = pick([
        () => undefined,
        () => (depth < 6 ? Array.from({ length: int(5) }, () => node(depth + 1)) : []),
        () => (depth < 6 ? Array.from({ length: int(5) }, () => node(depth + 1)) : []),
        () => bytes(false),
        () => string(),
        () => jid(),
      ])();
    }

    return { tag: tag(), attrs, content };
  };

  const shapes = ['many-attrs', 'many-children', 'deep', 'big-bytes'];
  return index => node(0, index < shapes.length ? shapes[index] : undefined);
}

export const ops = {
  // Baileys' tables, for comparing Tokens.g.cs and TokenTag entry by entry.
  'binary.tables': () => ({ tags: TAGS, single: SINGLE_BYTE_TOKENS, double: DOUBLE_BYTE_TOKENS }),

  // Random nodes (fixed seed), encoded by Baileys, with the tree Baileys decodes from them.
  'binary.generate': async ({ seed, count }) => {
    const next = generator(seed);
    const results = [];
    for (let i = 0; i < count; i++) {
      const node = next(i);
      const frame = encodeBinaryNode(node);
      results.push({ frame: b64(frame), tree: render(await decodeBinaryNode(frame)) });
    }

    return results;
  },

  // Baileys decodes frames (flag byte included) and re-encodes what it decoded.
  'binary.decode': async ({ frames }) => {
    const results = [];
    for (const frame of frames) {
      const node = await decodeBinaryNode(unb64(frame));
      results.push({ tree: render(node), reencoded: b64(encodeBinaryNode(node)) });
    }

    return results;
  },

  // Compressed frames as a server sends them: flag 2, then the zlib-deflated node.
  'binary.deflate': ({ frames }) =>
    frames.map(frame => b64(Buffer.concat([Buffer.from([2]), deflateSync(unb64(frame).subarray(1))]))),
};
