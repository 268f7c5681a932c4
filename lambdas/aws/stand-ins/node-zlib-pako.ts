// Substituted for the `pako` package in the TEST function's bundle (see lib/bundling.ts). pako is zlib ported to
// JavaScript (~47 KB minified) for browsers; on Node, hdr-histogram-js (autocannon's histograms) reaches it only to
// inflate its WebAssembly binary at load (dist/wasm/index.js `pako.inflate`), and encodes histograms with Node's own
// zlib already (dist/JsHistogram.encoding.js). Node's zlib gives the same bytes: `unzipSync` detects the zlib or gzip
// header as pako.inflate does. Anything else pako offers fails loudly.
import { deflateSync, unzipSync } from 'node:zlib';

const toBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function inflate(data: Uint8Array, options?: object): Uint8Array {
  if (options !== undefined) throw new Error('pako.inflate options are not supported by the TEST function\'s zlib stand-in (lib/bundling.ts)');
  return toBytes(unzipSync(data));
}

export function deflate(data: Uint8Array, options?: object): Uint8Array {
  if (options !== undefined) throw new Error('pako.deflate options are not supported by the TEST function\'s zlib stand-in (lib/bundling.ts)');
  return toBytes(deflateSync(data));
}
