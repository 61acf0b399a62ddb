// The SPA's first load as the bench weighs it (tests/bench/bench.mjs, "weights"): the wasm, js and
// css in dist/, each compressed with node's brotliCompressSync defaults. One number per build:
//   node tests/bench/spa-weight.mjs
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dist = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'dist');
const kb = (n) => (n / 1024).toFixed(1);
let raw = 0;
let brotli = 0;
const parts = [];
for (const ext of ['.wasm', '.js', '.css']) {
  const file = fs.readdirSync(dist).find((f) => f.endsWith(ext));
  const bytes = fs.readFileSync(path.join(dist, file));
  const b = zlib.brotliCompressSync(bytes).length;
  raw += bytes.length;
  brotli += b;
  parts.push(`${ext.slice(1)} ${kb(bytes.length)} raw / ${kb(b)} br`);
}
console.log(`${parts.join(', ')}; first load ${kb(raw)} KB raw, ${kb(brotli)} KB brotli`);
