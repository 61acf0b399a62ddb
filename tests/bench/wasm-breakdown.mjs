// Where the SPA's wasm bytes go, by crate: `node tests/bench/wasm-breakdown.mjs [app.wasm]`.
// twiggy is not installable offline, so this reads the wasm itself. It takes cargo's output of
// the last release build (default target/wasm32-unknown-unknown/release/app.wasm), runs it
// through wasm-bindgen and `wasm-opt -g` with app/index.html's level and passes, as trunk does
// but keeping the function names, then sums each function body's size under the crate its name
// starts with (`<Ty as Trait>::f` counts for Ty's crate, or the trait's when Ty is a bare generic
// or local name) and adds the data segments. Prints a table and the shipped dist/*.wasm for
// comparison; BREAKDOWN_TOP=N also lists the N largest functions, BREAKDOWN_JSON=FILE writes
// the table as JSON.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, nodeBin } from '../support/paths.mjs';

const input = process.argv[2] ?? path.join(ROOT, 'target/wasm32-unknown-unknown/release/app.wasm');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-breakdown-'));
const cargoBin = path.join(process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo'), 'bin');

execFileSync(path.join(cargoBin, 'wasm-bindgen'), ['--target', 'web', '--no-typescript', '--out-dir', scratch, '--out-name', 'app', input]);
const bound = path.join(scratch, 'app_bg.wasm');
const optimised = path.join(scratch, 'app_opt.wasm');
// The level and extra passes trunk is given in app/index.html.
const index = fs.readFileSync(path.join(ROOT, 'app/index.html'), 'utf8');
const level = index.match(/data-wasm-opt="(\w+)"/)?.[1] ?? 'z';
const params = index.match(/data-wasm-opt-params="([^"]*)"/)?.[1].split(/\s+/).filter(Boolean) ?? [];
execFileSync(nodeBin('wasm-opt'), [`-O${level}`, ...params, '-g', '--output', optimised, bound]);
const bytes = fs.readFileSync(optimised);

let pos = 8;
const u32 = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return result;
  }
};
const name = () => {
  const len = u32();
  const text = bytes.toString('utf8', pos, pos + len);
  pos += len;
  return text;
};

let importedFunctions = 0;
const bodies = []; // sizes of the defined functions, in order
const names = new Map(); // function index -> name
let dataBytes = 0;
const sections = {};
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = u32();
  const end = pos + size;
  if (id === 0) {
    const custom = name();
    sections[`custom ${custom}`] = size;
    if (custom === 'name') {
      while (pos < end) {
        const sub = bytes[pos++];
        const subSize = u32();
        const subEnd = pos + subSize;
        if (sub === 1) {
          for (let n = u32(); n > 0; n--) names.set(u32(), name());
        }
        pos = subEnd;
      }
    }
  } else {
    sections[id] = size;
    if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        name();
        name();
        const kind = bytes[pos++];
        const limits = () => (bytes[pos++] & 1 ? (u32(), u32()) : u32());
        if (kind === 0) {
          u32();
          importedFunctions++;
        } else if (kind === 1) {
          pos++;
          limits();
        } else if (kind === 2) {
          limits();
        } else {
          pos += 2;
        }
      }
    } else if (id === 10) {
      for (let n = u32(); n > 0; n--) {
        const len = u32();
        bodies.push(len);
        pos += len;
      }
    } else if (id === 11) {
      dataBytes = size;
    }
  }
  pos = end;
}

/** The crate a demangled name belongs to. */
function crateOf(fn) {
  // `<T as tachys::view::Render>::build`: a generic or local type, so the trait's crate.
  const blanket = fn.match(/^<[A-Za-z_][A-Za-z0-9_]*(<[^>]*>)? as ([A-Za-z_][A-Za-z0-9_]*)::/);
  if (blanket) return blanket[2];
  let s = fn.replace(/^(<|&|mut |dyn |\*const |\*mut |\(|\[)+/, '');
  const m = s.match(/^([A-Za-z_][A-Za-z0-9_]*)::/);
  if (m) return m[1];
  if (/^(core|alloc|std)\b/.test(s)) return s.split(/\W/)[0];
  if (/^(u8|u16|u32|u64|usize|i8|i16|i32|i64|isize|f32|f64|bool|char|str)\b/.test(s)) return 'core (primitives)';
  if (/^__wbg|^__wbindgen|wasm_bindgen/.test(fn)) return 'wasm_bindgen';
  return fn.startsWith('$') || /^\d+$/.test(fn) ? '(unnamed)' : '(other)';
}

const byCrate = new Map();
const functions = [];
bodies.forEach((len, i) => {
  const fn = names.get(importedFunctions + i) ?? `$${importedFunctions + i}`;
  functions.push([fn, len]);
  const crate = crateOf(fn);
  byCrate.set(crate, (byCrate.get(crate) ?? 0) + len);
});
byCrate.set('(data segments)', dataBytes);

const code = bodies.reduce((a, b) => a + b, 0);
const shipped = fs.readdirSync(path.join(ROOT, 'dist')).find((f) => f.endsWith('.wasm'));
const rows = [...byCrate].sort((a, b) => b[1] - a[1]);
const total = code + dataBytes;
console.log(`functions: ${bodies.length}, code ${code} B, data ${dataBytes} B (name section excluded)`);
for (const [crate, len] of rows) console.log(`${String(len).padStart(9)}  ${((100 * len) / total).toFixed(1).padStart(5)}%  ${crate}`);
if (shipped) {
  const b = fs.readFileSync(path.join(ROOT, 'dist', shipped));
  console.log(`shipped ${shipped}: ${b.length} B raw, ${zlib.brotliCompressSync(b).length} B brotli`);
}
const top = Number(process.env.BREAKDOWN_TOP ?? 0);
if (top) {
  for (const [fn, len] of functions.sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(len).padStart(8)}  ${fn.slice(0, 160)}`);
}
if (process.env.BREAKDOWN_JSON) fs.writeFileSync(process.env.BREAKDOWN_JSON, JSON.stringify({ code, data: dataBytes, by_crate: Object.fromEntries(rows) }, null, 1));
fs.rmSync(scratch, { recursive: true, force: true });
