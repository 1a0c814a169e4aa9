// Protobuf oracle for src/Protocol/Proto: Baileys' WAProto (package proto) and libsignal-node's
// WhisperTextProtocol (package textsecure).
//
// proto.schema  {names}          → the reference definition of each named message or enum
// proto.encode  {type, json}     → base64 of the reference encoder's output for a JSON object
// proto.decode  {type, data}     → the reference decoder's view of base64 bytes, as JSON
// proto.baileys {sample}         → a message built by Baileys' own producers, as bytes and JSON
//
// JSON follows the proto3 JSON mapping as Google.Protobuf's JsonFormatter writes it with original
// field names: bytes as base64, 64-bit integers as strings, enums by name, unset fields omitted.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const { proto } = await import('baileys/WAProto/index.js');
const { textsecure } = require('libsignal/src/WhisperTextProtocol.js');
const baileys = await import('baileys');

const waProtoPath = require.resolve('baileys/WAProto/WAProto.proto');
const textsecurePath = require.resolve('libsignal/src/WhisperTextProtocol.js');

// keepCase: compare the names exactly as written in WAProto.proto, not camel-cased by protobufjs.
const waRoot = new protobuf.Root().loadSync(waProtoPath, { keepCase: true });
waRoot.resolveAll();

const toObjectOptions = { longs: String, enums: String, bytes: String, defaults: false, arrays: false, oneofs: false };

/** The static (generated) class for a full name such as "proto.Message.ImageMessage". */
function staticType(fullName) {
  const [pkg, ...path] = fullName.split('.');
  let t = pkg === 'proto' ? proto : pkg === 'textsecure' ? textsecure : undefined;
  for (const part of path) t = t?.[part];
  if (typeof t?.decode !== 'function') throw new Error(`unknown message type ${fullName}`);
  return t;
}

function describeWaProto(fullName) {
  let t;
  try {
    t = waRoot.lookup(fullName);
  } catch {
    return null;
  }
  if (t instanceof protobuf.Enum) {
    return { kind: 'enum', values: { ...t.values } };
  }
  if (!(t instanceof protobuf.Type)) return null;
  return {
    kind: 'message',
    fields: t.fieldsArray.map(f => {
      const realOneof = f.partOf && !f.options?.proto3_optional ? f.partOf.name : null;
      return {
        name: f.name,
        number: f.id,
        type: f.resolvedType ? f.resolvedType.fullName.replace(/^\./, '') : f.type,
        label: f.map ? 'map' : f.repeated ? 'repeated' : f.required ? 'required'
          : f.options?.proto3_optional ? 'optional' : realOneof ? 'oneof' : 'implicit',
        packed: f.repeated ? f.packed : false,
        oneof: realOneof,
      };
    }),
  };
}

// libsignal-node ships only the generated JS (no .proto), so read each message's fields back out
// of its decode switch: `case N: message.name = reader.type();` (or `.push(reader.type())`).
let textsecureSource;
function describeTextsecure(fullName) {
  const name = fullName.slice('textsecure.'.length);
  textsecureSource ??= readFileSync(textsecurePath, 'utf8');
  const start = textsecureSource.indexOf(`${name}.decode = function decode(`);
  if (start < 0 || name.includes('.')) return null;
  const end = textsecureSource.indexOf('return message;', start);
  const body = textsecureSource.slice(start, end);
  const fields = [];
  const re = /case (\d+):\s*(?:if[^;]*;\s*)?message\.(\w+)(?:\.push\(|\s*=\s*)reader\.(\w+)\(\)/g;
  for (const m of body.matchAll(re)) {
    const repeated = body.slice(m.index, m.index + m[0].length).includes('.push(');
    fields.push({
      name: m[2], number: Number(m[1]), type: m[3],
      label: repeated ? 'repeated' : 'optional', packed: false, oneof: null,
    });
  }
  if (fields.length === 0) throw new Error(`could not read the fields of ${fullName}`);
  return { kind: 'message', fields };
}

const samples = {
  // ClientPayload exactly as Baileys builds it for a first connection and for a login.
  async registration() {
    const creds = baileys.initAuthCreds();
    return ['proto.ClientPayload', baileys.generateRegistrationNode(creds, baileysConfig())];
  },
  async login() {
    return ['proto.ClientPayload', baileys.generateLoginNode('15550001111:7@s.whatsapp.net', baileysConfig())];
  },
  async deviceProps() {
    const creds = baileys.initAuthCreds();
    const payload = baileys.generateRegistrationNode(creds, baileysConfig());
    return ['proto.DeviceProps', proto.DeviceProps.decode(payload.devicePairingData.deviceProps)];
  },
  // Message content from Baileys' generateWAMessage (no network for these types).
  async text() {
    return message('15550002222@s.whatsapp.net', { text: 'hello *world*', mentions: ['15550003333@s.whatsapp.net'] }, {
      quoted: {
        key: { remoteJid: '15550002222@s.whatsapp.net', fromMe: false, id: '3EB0AABBCCDDEEFF001122' },
        message: { conversation: 'the quoted text' },
      },
    });
  },
  async groupText() {
    return message('120363000000000001@g.us', { text: 'to the group' }, { ephemeralExpiration: 604800 });
  },
  async location() {
    return message('15550002222@s.whatsapp.net', {
      location: { degreesLatitude: 52.370216, degreesLongitude: 4.895168, name: 'Dam', address: 'Amsterdam' },
    });
  },
  async contacts() {
    const vcard = 'BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL;type=CELL;waid=15550004444:+1 555 000 4444\nEND:VCARD';
    return message('15550002222@s.whatsapp.net', {
      contacts: { displayName: '2 contacts', contacts: [{ displayName: 'Ann', vcard }, { displayName: 'Bob', vcard }] },
    });
  },
  async poll() {
    return message('15550002222@s.whatsapp.net', {
      poll: { name: 'Lunch?', values: ['Pizza', 'Sushi', 'Salad'], selectableCount: 1 },
    });
  },
  async reaction() {
    return message('15550002222@s.whatsapp.net', {
      react: { text: '👍', key: { remoteJid: '15550002222@s.whatsapp.net', fromMe: true, id: '3EB0AABBCCDDEEFF001122' } },
    });
  },
  async revoke() {
    return message('15550002222@s.whatsapp.net', {
      delete: { remoteJid: '15550002222@s.whatsapp.net', fromMe: true, id: '3EB0AABBCCDDEEFF001122' },
    });
  },
  async edit() {
    return message('15550002222@s.whatsapp.net', {
      text: 'fixed typo',
      edit: { remoteJid: '15550002222@s.whatsapp.net', fromMe: true, id: '3EB0AABBCCDDEEFF001122' },
    });
  },
};

function baileysConfig() {
  return { version: [2, 3000, 1043857760], browser: ['Mac OS', 'Chrome', '14.4.1'], countryCode: 'US', syncFullHistory: false };
}

async function message(jid, content, extra = {}) {
  const info = await baileys.generateWAMessage(jid, content, {
    userJid: '15550001111:7@s.whatsapp.net',
    messageId: '3EB0112233445566778899',
    timestamp: new Date(1_700_000_000_000),
    logger: silentLogger,
    ...extra,
  });
  return ['proto.WebMessageInfo', info];
}

const silentLogger = {
  level: 'silent',
  child() { return silentLogger; },
  trace() {}, debug() {}, info() {}, warn() {}, error() {},
};

export const ops = {
  'proto.schema': ({ names }) => Object.fromEntries(names.map(n => [
    n, n.startsWith('textsecure.') ? describeTextsecure(n) : describeWaProto(n),
  ])),

  'proto.encode': ({ type, json }) => {
    const T = staticType(type);
    return Buffer.from(T.encode(T.fromObject(json)).finish()).toString('base64');
  },

  'proto.decode': ({ type, data }) => {
    const T = staticType(type);
    return T.toObject(T.decode(Buffer.from(data, 'base64')), toObjectOptions);
  },

  'proto.baileys': async ({ sample }) => {
    const make = samples[sample];
    if (!make) throw new Error(`unknown sample ${sample}`);
    const [type, value] = await make();
    const T = staticType(type);
    const bytes = T.encode(value).finish();
    return {
      type,
      data: Buffer.from(bytes).toString('base64'),
      json: T.toObject(T.decode(bytes), toObjectOptions),
    };
  },

  'proto.samples': () => Object.keys(samples),
};
