// Versions of the reference peers, so a test report can say what it was checked against.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);

export const ops = {
  'meta.versions': () => ({
    baileys: require('baileys/package.json').version,
    libsignal: require('libsignal/package.json').version,
    node: process.version,
  }),
};
