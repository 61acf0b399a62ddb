// `cargo xtask bench`: figures, not assertions. Starts wrangler dev with fresh state and the test
// IdP, seeds data, measures with wrk (a real load generator), prints a table and writes
// target/bench.json. Every latency is also given as a ratio to /api/v1/health measured in the
// same run, because this machine is shared and noisy.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { growthSvg } from './chart.mjs';
import { LEVELS, forgetListMemory, measureGrowth, rotatingKeysScript, seedConnections } from './growth.mjs';
import { authorize } from '../support/consent.mjs';
import { customInput, machineInput } from '../support/connections.mjs';
import { nextAddress } from '../support/http.mjs';
import { BOOTSTRAP_TOKEN, ADMIN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { ROOT, TARGET, nodeBin } from '../support/paths.mjs';
import { startStack } from '../support/stack.mjs';
import { startStubApi } from '../support/stub_api.mjs';
import { startWorker, wranglerEnv } from '../support/worker.mjs';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// Rounds of each comparison (the token API vs /health, one key vs many): alternated, medians kept.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// BENCH_ONLY=token,list runs some sections (token, hot, proxy, storm, growth, list, weights,
// coldstart, signin); default all.
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const want = (section) => !ONLY || ONLY.has(section);
const SECTIONS = ['token', 'hot', 'proxy', 'storm', 'growth', 'list', 'weights', 'coldstart', 'signin'];
for (const section of ONLY ?? []) if (!SECTIONS.includes(section)) throw new Error(`no bench section ${section}: ${SECTIONS.join(', ')}`);
// The proxy section's rounds per concurrency (alternating order, averaged).
const PROXY_ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 2);

/** wrk for `seconds` at `connections`; returns requests/s and p50/p99 in ms. */
async function wrk(url, connections, { script, seconds = SECONDS } = {}) {
  const args = ['-t', String(Math.min(2, connections)), '-c', String(connections), '-d', `${seconds}s`, '--latency'];
  if (script) args.push('-s', script);
  const { stdout } = await run('wrk', [...args, url], { maxBuffer: 8 * 1024 * 1024 });
  const rps = Number(stdout.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const ms = (label) => {
    const m = stdout.match(new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`));
    const value = Number(m[1]);
    return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
  };
  const non2xx = Number(stdout.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  return { rps, p50: ms(50), p99: ms(99), non2xx };
}

/** The mean of several wrk runs (requests/s, p50, p99, non-2xx summed). */
function mean(runs) {
  const avg = (k) => runs.reduce((sum, r) => sum + r[k], 0) / runs.length;
  return { rps: avg('rps'), p50: avg('p50'), p99: avg('p99'), non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0) };
}

/** Run each of `runs` (name → thunk giving a wrk result) in turn, `ROUNDS` times over; the
 * median round of each by throughput. Alternating keeps a noisy neighbour from landing on one
 * side only. */
async function alternating(runs) {
  const seen = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (let i = 0; i < ROUNDS; i += 1) {
    for (const [name, runOnce] of Object.entries(runs)) seen[name].push(await runOnce());
  }
  const median = (list) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)];
  return Object.fromEntries(Object.entries(seen).map(([k, list]) => [k, median(list)]));
}

function luaPost(file, body, headers) {
  const lines = ['wrk.method = "POST"', `wrk.body = ${JSON.stringify(body)}`, 'wrk.headers["Content-Type"] = "application/json"'];
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

function luaGet(file, headers) {
  const lines = Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

const sizes = (bytes) => ({ raw: bytes.length, gzip: zlib.gzipSync(bytes, { level: 9 }).length, brotli: zlib.brotliCompressSync(bytes).length });

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const stack = await startStack({ vars: { BOOTSTRAP_TOKEN, PROVIDER_TIMEOUT_MS: '5000' } });
  const results = { when: new Date().toISOString(), seconds_per_run: SECONDS };
  try {
    const admin = await bootstrapAdmin(stack.baseUrl);
    const member = await createUser(admin, { name: 'bench' });
    const role = await createRole(admin, { name: 'Bench bots', memberIds: [member.user.id] });
    const { key } = await createKey(member.client, 'bench bot');

    // 1. Token API vs /health, cached client-credentials token, bot key.
    const cc = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Bench machine' }));
    await admin.put(`/api/v1/connections/${cc.body.id}/roles`, { role_ids: [role.id] });
    const warm = await fetch(`${stack.baseUrl}/api/v1/connections/${cc.body.id}/token`, {
      method: 'POST', headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' }, body: '{"token_type":"shared"}',
    });
    if (warm.status !== 200) throw new Error(`token API not ready: ${warm.status} ${await warm.text()}`);
    const tokenScript = luaPost(path.join(scratch, 'token.lua'), '{"token_type":"shared"}', { Authorization: `Bearer ${key.secret}` });
    if (want('token')) {
      results.token_api = {};
      // One second of each first, unmeasured: JIT and caches warm up before any figure is taken.
      await wrk(`${stack.baseUrl}/api/v1/health`, 8, { seconds: 1 });
      await wrk(`${stack.baseUrl}/api/v1/connections/${cc.body.id}/token`, 8, { script: tokenScript, seconds: 1 });
      for (const c of [1, 8, 32]) {
        const { health, token } = await alternating({
          health: () => wrk(`${stack.baseUrl}/api/v1/health`, c),
          token: () => wrk(`${stack.baseUrl}/api/v1/connections/${cc.body.id}/token`, c, { script: tokenScript }),
        });
        results.token_api[c] = { health, token, throughput_ratio: token.rps / health.rps, p99_ratio: token.p99 / health.p99 };
      }
    }

    if (want('hot')) {
      // 1b. A hot shared token: 64 different bot keys (of 8 people in the invited role) taking
      // turns on the same token at c=64, against one key at c=64, alternating; the design says
      // many keys cost what one does (the vault remembers each key once).
      const keys = [];
      for (let p = 0; p < 8; p += 1) {
        const person = await createUser(admin, { name: `hot${p}`, roleIds: [role.id] });
        for (let k = 0; k < 8; k += 1) keys.push((await createKey(person.client, `hot ${p}.${k}`)).key.secret);
      }
      const tokenUrl = `${stack.baseUrl}/api/v1/connections/${cc.body.id}/token`;
      const manyKeys = rotatingKeysScript(path.join(scratch, 'hot.lua'), keys);
      await wrk(tokenUrl, 64, { script: manyKeys, seconds: 2 });
      await wrk(tokenUrl, 64, { script: tokenScript, seconds: 1 });
      const { health, one, many } = await alternating({
        health: () => wrk(`${stack.baseUrl}/api/v1/health`, 64),
        one: () => wrk(tokenUrl, 64, { script: tokenScript }),
        many: () => wrk(tokenUrl, 64, { script: manyKeys }),
      });
      results.hot_token = { keys: keys.length, connections: 64, health, one_key: one, many_keys: many, many_vs_one: many.rps / one.rps };
    }

    if (want('proxy')) {
      // 2a. The token-free proxy: a GET through the product against the same stub API called
      // directly (with the token the proxy would add), at c=8 and c=32. The token API and /health
      // run in the same rounds (alternating order), because proxied/direct alone says little
      // here: direct is a bare node server, and every worker route, /health included, is bound
      // by wrangler dev's own per-request cost. Each proxied call also pays a tax Cloudflare does
      // not: wrangler dev relays every subrequest to its DevTools proxy as four Network events,
      // four loopback POSTs into its node process (README, Performance).
      const stub = await startStubApi();
      try {
        const px = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Bench proxy', api_base_url: `${stub.origin}/v1` }));
        await admin.put(`/api/v1/connections/${px.body.id}/roles`, { role_ids: [role.id] });
        const pxToken = `${stack.baseUrl}/api/v1/connections/${px.body.id}/token`;
        const tokenAnswer = await fetch(pxToken, {
          method: 'POST', headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' }, body: '{"token_type":"shared"}',
        });
        const { access_token: token } = await tokenAnswer.json();
        const proxyScript = luaGet(path.join(scratch, 'proxy.lua'), { Authorization: `Bearer ${key.secret}` });
        const directScript = luaGet(path.join(scratch, 'direct.lua'), { Authorization: `Bearer ${token}` });
        const runs = {
          direct: [`${stub.origin}/v1/items/1?fields=name`, { script: directScript }],
          proxied: [`${stack.baseUrl}/api/v1/connections/${px.body.id}/proxy/items/1?fields=name`, { script: proxyScript }],
          token: [pxToken, { script: tokenScript }],
          health: [`${stack.baseUrl}/api/v1/health`, {}],
        };
        const probe = await fetch(runs.proxied[0], { headers: { authorization: `Bearer ${key.secret}` } });
        if (probe.status !== 200) throw new Error(`proxy not ready: ${probe.status} ${await probe.text()}`);
        await probe.text();
        for (const [url, options] of Object.values(runs)) await wrk(url, 8, { ...options, seconds: 1 });
        results.proxy = {};
        for (const c of [8, 32]) {
          const rounds = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
          for (let round = 0; round < PROXY_ROUNDS; round++) {
            const order = round % 2 ? Object.keys(runs).reverse() : Object.keys(runs);
            for (const name of order) {
              stub.reset();
              rounds[name].push(await wrk(runs[name][0], c, runs[name][1]));
            }
          }
          const m = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, mean(v)]));
          results.proxy[c] = {
            ...m,
            rounds: PROXY_ROUNDS,
            throughput_ratio: m.proxied.rps / m.direct.rps,
            proxied_vs_token: m.proxied.rps / m.token.rps,
            proxied_vs_health: m.proxied.rps / m.health.rps,
            health_vs_direct: m.health.rps / m.direct.rps,
          };
        }
      } finally {
        await stub.close();
      }
    }

    if (want('storm')) {
      // 2. Refresh storm: 200 concurrent calls on an expired token.
      stack.idp.settings.accessTokenTtl = 2;
      const code = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Bench storm' }));
      await admin.put(`/api/v1/connections/${code.body.id}/roles`, { role_ids: [role.id, (await createRole(admin, { name: 'Storm admins', memberIds: [(await admin.get('/api/v1/session')).body.user.id] })).id] });
      const consent = await authorize(admin, code.body.id, 'shared');
      if (!consent.ok) throw new Error(`consent failed: ${consent.message}`);
      stack.idp.settings.accessTokenTtl = 3600;
      await new Promise((r) => setTimeout(r, 2500));
      const before = stack.idp.counts.refresh_token ?? 0;
      const started = performance.now();
      const storm = await Promise.all(Array.from({ length: 200 }, () => fetch(`${stack.baseUrl}/api/v1/connections/${code.body.id}/token`, {
        method: 'POST', headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' }, body: '{"token_type":"shared","min_valid_seconds":30}',
      }).then((r) => r.status)));
      results.refresh_storm = {
        calls: 200,
        succeeded: storm.filter((s) => s === 200).length,
        upstream_refreshes: (stack.idp.counts.refresh_token ?? 0) - before,
        wall_ms: Math.round(performance.now() - started),
      };
    }

    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const listScript = luaGet(path.join(scratch, 'list.lua'), { Cookie: cookie });
    let seeded = 0;
    if (want('growth')) {
      // 3. How cost grows with connections and keys (tests/bench/growth.mjs), charted.
      const growth = await measureGrowth({ stack, admin, role, connectionId: cc.body.id, tokenScript, listScript, scratch, wrk });
      seeded = growth.seeded;
      results.growth = { keys: growth.keys, rows: growth.rows };
      fs.mkdirSync(TARGET, { recursive: true });
      fs.writeFileSync(path.join(TARGET, 'bench-growth.svg'), growthSvg(growth, results.when.slice(0, 10)));
    }

    if (want('list')) {
      // 4. Lists at 10,000 connections (seeded straight into D1; secrets are not needed to list).
      await seedConnections(stack.worker, scratch, seeded, LEVELS[LEVELS.length - 1]);
      await forgetListMemory(admin, role);
      await wrk(`${stack.baseUrl}/api/v1/connections`, 8, { script: listScript, seconds: 1 });
      const health8 = await wrk(`${stack.baseUrl}/api/v1/health`, 8);
      const first = await wrk(`${stack.baseUrl}/api/v1/connections`, 8, { script: listScript });
      const filtered = await wrk(`${stack.baseUrl}/api/v1/connections?provider=salesforce&status=draft&cursor=~seeded%2005000`, 8, { script: listScript });
      results.list_10k = { health: health8, first_page: first, filtered_page: filtered, first_page_p50_ratio: first.p50 / health8.p50, filtered_page_p50_ratio: filtered.p50 / health8.p50 };
    }

    if (want('weights')) {
      // 5. Weights: the SPA as shipped and the worker bundle as wrangler would upload it.
      const dist = path.join(ROOT, 'dist');
      const spa = {};
      for (const [kind, ext] of [['wasm', '.wasm'], ['js', '.js'], ['css', '.css']]) {
        const file = fs.readdirSync(dist).find((f) => f.endsWith(ext));
        spa[kind] = sizes(fs.readFileSync(path.join(dist, file)));
      }
      spa.total = Object.fromEntries(['raw', 'gzip', 'brotli'].map((k) => [k, spa.wasm[k] + spa.js[k] + spa.css[k]]));
      const outdir = path.join(scratch, 'deploy');
      await run(nodeBin('wrangler'), ['deploy', '--dry-run', '--outdir', outdir], { cwd: ROOT, env: wranglerEnv(), maxBuffer: 64 * 1024 * 1024 });
      const bundle = Buffer.concat(fs.readdirSync(outdir).filter((f) => /\.(js|mjs|wasm)$/.test(f)).map((f) => fs.readFileSync(path.join(outdir, f))));
      results.weights = { spa, worker_bundle: sizes(bundle) };
    }

    if (want('coldstart')) {
      // 6. Cold start: fresh `wrangler dev` processes, one after another; the first request that
      // is answered waits for workerd to load and instantiate the worker's wasm.
      const starts = [];
      for (let i = 0; i < 3; i += 1) {
        const fresh = await startWorker({ migrate: false, logName: `bench-coldstart-${i}.log` });
        starts.push(fresh.startup);
        await fresh.stop();
      }
      const median = (key) => starts.map((s) => s[key]).sort((a, b) => a - b)[1];
      results.cold_start = { runs: starts.length, ready_ms: median('readyMs'), first_request_ms: median('firstRequestMs') };
    }

    if (want('signin')) {
      // 7. Sign-in cost: one argon2id verification dominates a sign-in; health is the floor.
      const times = [];
      for (let i = 0; i < 10; i += 1) {
        const t = performance.now();
        // Each from its own address: the per-address sign-in limit is not what is measured.
        const headers = { 'content-type': 'application/json', origin: stack.baseUrl, 'cf-connecting-ip': nextAddress() };
        const r = await fetch(`${stack.baseUrl}/api/v1/session`, { method: 'POST', headers, body: JSON.stringify(ADMIN) });
        await r.text();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      results.sign_in = { median_ms: times[5], health_p50_ms: (await wrk(`${stack.baseUrl}/api/v1/health`, 1)).p50 };
    }

  } finally {
    await stack.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  fs.mkdirSync(TARGET, { recursive: true });
  fs.writeFileSync(path.join(TARGET, 'bench.json'), JSON.stringify(results, null, 2));
  print(results);
}

function print(r) {
  const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
  const line = (cells) => console.log(`| ${cells.join(' | ')} |`);
  if (r.token_api) {
    console.log(`\nToken API vs /health (wrk, ${r.seconds_per_run} s per run)`);
    line(['conc.', 'health req/s', 'health p50/p99 ms', 'token req/s', 'token p50/p99 ms', 'token/health', 'p99 token/health', 'non-2xx']);
    line(['---', '---', '---', '---', '---', '---', '---', '---']);
  }
  for (const [c, x] of Object.entries(r.token_api ?? {})) {
    line([c, x.health.rps.toFixed(0), `${x.health.p50.toFixed(1)} / ${x.health.p99.toFixed(1)}`, x.token.rps.toFixed(0), `${x.token.p50.toFixed(1)} / ${x.token.p99.toFixed(1)}`, x.throughput_ratio.toFixed(2), x.p99_ratio.toFixed(2), x.token.non2xx]);
  }
  const h = r.hot_token;
  if (h) {
    console.log(`\nA hot shared token at c=${h.connections} (medians of ${ROUNDS} alternating rounds)`);
    line(['callers', 'req/s', 'p50/p99 ms', 'vs health', 'non-2xx']);
    line(['---', '---', '---', '---', '---']);
    const row = (label, x) => line([label, x.rps.toFixed(0), `${x.p50.toFixed(1)} / ${x.p99.toFixed(1)}`, (x.rps / h.health.rps).toFixed(2), x.non2xx]);
    row('/health', h.health);
    row('keys=1', h.one_key);
    row(`keys=${h.keys}`, h.many_keys);
    console.log(`keys=${h.keys} / keys=1: ${h.many_vs_one.toFixed(2)}`);
  }
  if (r.proxy) {
    const ms = (x) => `${x.p50.toFixed(1)} / ${x.p99.toFixed(1)}`;
    const first = Object.values(r.proxy)[0];
    console.log(`\nProxied GET vs the same stub API called directly, with the token API and /health in the same rounds (wrk, ${r.seconds_per_run} s per run, ${first.rounds} alternating rounds averaged)`);
    line(['conc.', 'direct req/s', 'direct p50/p99 ms', 'proxied req/s', 'proxied p50/p99 ms', 'token req/s', 'token p50/p99 ms', 'health req/s', 'health p50/p99 ms', 'proxied/direct', 'proxied/token', 'proxied/health', 'health/direct', 'non-2xx']);
    line(Array(14).fill('---'));
    for (const [c, x] of Object.entries(r.proxy)) {
      line([c, x.direct.rps.toFixed(0), ms(x.direct), x.proxied.rps.toFixed(0), ms(x.proxied), x.token.rps.toFixed(0), ms(x.token), x.health.rps.toFixed(0), ms(x.health),
        x.throughput_ratio.toFixed(3), x.proxied_vs_token.toFixed(2), x.proxied_vs_health.toFixed(2), x.health_vs_direct.toFixed(3), x.proxied.non2xx + x.token.non2xx]);
    }
    console.log('proxied/direct cannot exceed health/direct here: /health is the floor of any worker route under wrangler dev.');
  }
  const s = r.refresh_storm;
  if (s) console.log(`\nRefresh storm: ${s.succeeded}/${s.calls} succeeded, ${s.upstream_refreshes} upstream refresh(es), ${s.wall_ms} ms`);
  const g = r.growth;
  if (g) {
    console.log(`\nHow cost grows (p50 ms, c=8; token API with 1 key and with ${g.keys} keys in turn)`);
    line(['connections', 'health', 'token, 1 key', `token, ${g.keys} keys`, 'list first page', 'non-2xx']);
    line(['---', '---', '---', '---', '---', '---']);
    for (const row of g.rows) line([row.connections, row.health_p50.toFixed(1), row.token_1_key_p50.toFixed(1), row.token_1000_keys_p50.toFixed(1), row.list_p50.toFixed(1), row.non2xx]);
    console.log('Chart: target/bench-growth.svg');
  }
  const l = r.list_10k;
  if (l) console.log(`\nList at 10,000 connections (c=8): health p50 ${l.health.p50.toFixed(1)} ms; first page p50 ${l.first_page.p50.toFixed(1)} ms (${l.first_page_p50_ratio.toFixed(2)}× health); filtered page p50 ${l.filtered_page.p50.toFixed(1)} ms (${l.filtered_page_p50_ratio.toFixed(2)}× health)`);
  const w = r.weights;
  if (w) {
    console.log('\nWeights');
    line(['asset', 'raw', 'gzip', 'brotli']);
    line(['---', '---', '---', '---']);
    for (const k of ['wasm', 'js', 'css', 'total']) line([`SPA ${k}`, kb(w.spa[k].raw), kb(w.spa[k].gzip), kb(w.spa[k].brotli)]);
    line(['worker bundle', kb(w.worker_bundle.raw), kb(w.worker_bundle.gzip), kb(w.worker_bundle.brotli)]);
  }
  const c = r.cold_start;
  if (c) console.log(`\nCold start (median of ${c.runs} fresh wrangler dev): ready after ${c.ready_ms.toFixed(0)} ms; first answered request took ${c.first_request_ms.toFixed(0)} ms`);
  if (r.sign_in) console.log(`\nSign-in (argon2id m=19 MiB t=2 p=1): median ${r.sign_in.median_ms.toFixed(0)} ms per request, health p50 ${r.sign_in.health_p50_ms.toFixed(1)} ms\n`);
  console.log('Written: target/bench.json');
}

await main();
