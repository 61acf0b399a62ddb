// `wrangler dev` for tests: the prebuilt worker (xtask builds once), a fresh temporary persist
// dir (real local D1 and Durable Objects) or a given one (restarts, upgrades), migrations
// applied, a free port, logs in a file.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, TEST_LOGS, nodeBin } from './paths.mjs';
import { freePort } from './ports.mjs';

const run = promisify(execFile);

/** Offline, home-free wrangler; XTASK_PREBUILT skips the `[build]` command. */
export function wranglerEnv() {
  const state = path.join(ROOT, '.wrangler');
  return {
    ...process.env,
    CI: 'true',
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: path.join(state, 'xdg/config'),
    XDG_CACHE_HOME: path.join(state, 'xdg/cache'),
    WRANGLER_LOG_PATH: path.join(state, 'logs'),
    XTASK_PREBUILT: '1',
    PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
  };
}

/** A test encryption key ring: one random AES-256 key. */
export function testEncryptionKeys() {
  return `t1:${randomBytes(32).toString('base64')}`;
}

/** A test MAC key (bot key tags, device cookies): 32 random bytes, base64. */
export function testMacKey() {
  return randomBytes(32).toString('base64');
}

/**
 * Start a worker.
 * @param {object} [options]
 * @param {Record<string,string>} [options.vars] extra worker vars (`--var`)
 * @param {number} [options.port]
 * @param {string} [options.env] a wrangler environment (`production`): its bindings and vars, no
 *   test vars (TEST_ROUTES, ALLOW_PRIVATE_ENDPOINTS), and the keys as secrets from an env file
 * @param {boolean} [options.migrate] apply the D1 migrations first (default true)
 * @param {string} [options.persistTo] an existing state folder to serve (a restart, an upgrade);
 *   it is kept when the worker stops. Without it a fresh folder is made and removed at stop.
 * @param {string} [options.logName] the log file's name under target/test-logs/
 */
export async function startWorker({ vars = {}, port, env: environment, migrate = true, persistTo: given, logName } = {}) {
  if (!fs.existsSync(path.join(ROOT, 'edge/build/index.js')) || !fs.existsSync(path.join(ROOT, 'dist/index.html'))) {
    throw new Error('the worker or the SPA is not built: run `cargo xtask test` (or `cargo xtask build`) first');
  }
  port ??= await freePort();
  const inspectorPort = await freePort();
  const persistTo = given ?? fs.mkdtempSync(path.join(os.tmpdir(), 'edge-oauth-state-'));
  const env = wranglerEnv();
  const envArgs = environment ? ['--env', environment] : [];
  if (migrate) await run(nodeBin('wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo, ...envArgs], { cwd: ROOT, env });

  fs.mkdirSync(TEST_LOGS, { recursive: true });
  const logPath = path.join(TEST_LOGS, logName ?? `wrangler-${port}.log`);
  const log = fs.openSync(logPath, 'w');
  // A var set to null is left out (a worker without it). The test IdP runs on
  // http://127.0.0.1: the dev opt-in of the outbound URL rule (ARCHITECTURE.md).
  const testVars = environment ? {} : { TEST_ROUTES: '1', ALLOW_PRIVATE_ENDPOINTS: '1', ENCRYPTION_KEYS: testEncryptionKeys(), MAC_KEY: testMacKey() };
  const allVars = Object.fromEntries(Object.entries({ ...testVars, ...vars }).filter(([, v]) => v !== null));
  // An env file of our own instead of the repository's .dev.vars (which `cargo xtask dev`
  // writes): a test worker has exactly the vars given here, whatever a developer ran before. It
  // is empty, except in an environment, where the keys arrive as secrets (`[secrets] required`).
  const envFile = path.join(persistTo, 'no-dev-vars.env');
  fs.writeFileSync(envFile, environment ? `ENCRYPTION_KEYS="${testEncryptionKeys()}"\nMAC_KEY="${testMacKey()}"\n` : '');
  // --test-scheduled: GET /__scheduled runs the scheduled handler (`runCron`).
  const args = [
    'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    '--persist-to', persistTo, '--show-interactive-dev-session=false', '--env-file', envFile, '--test-scheduled',
    ...envArgs,
    ...Object.entries(allVars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  // A process group of its own: ending wrangler alone would leave workerd running.
  const child = spawn(nodeBin('wrangler'), args, { cwd: ROOT, env, detached: true, stdio: ['ignore', log, log] });
  const killGroup = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ } };
  process.once('exit', killGroup);

  const baseUrl = `http://127.0.0.1:${port}`;
  let startup;
  try {
    startup = await waitForHealth(baseUrl, child, logPath);
  } catch (error) {
    killGroup();
    throw error;
  }
  let stopped = false;
  return {
    baseUrl,
    port,
    /** wrangler's pid, which is also its process group's (workerd runs in it). */
    pid: child.pid,
    logPath,
    persistTo,
    envArgs,
    /** How long the start took: to the first answer, and the first request that got one. */
    startup,
    /** Everything wrangler and the worker printed so far. */
    logs: () => fs.readFileSync(logPath, 'utf8'),
    /**
     * The log once it matches `pattern`: a worker's console lines reach the file through wrangler
     * some time after the answer that caused them. Throws with the log's tail after `ms`.
     */
    waitForLog: async (pattern, ms = 10_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const text = fs.readFileSync(logPath, 'utf8');
        if (pattern.test(text)) return text;
        if (Date.now() > until) throw new Error(`no log line matched ${pattern} within ${ms} ms:\n${text.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      killGroup();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      process.removeListener('exit', killGroup);
      fs.closeSync(log);
      if (!given) fs.rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/**
 * Poll /health until it answers 200. Returns the milliseconds from the call to that answer
 * (`readyMs`) and the duration of the first request that was answered at all
 * (`firstRequestMs`: it waits for the isolate, so it is the cold start a first caller feels).
 */
async function waitForHealth(baseUrl, child, logPath, limitMs = 60_000) {
  const started = performance.now();
  let firstRequestMs;
  while (performance.now() - started < limitMs) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${fs.readFileSync(logPath, 'utf8').slice(-4000)}`);
    }
    try {
      const sent = performance.now();
      const response = await fetch(`${baseUrl}/api/v1/health`);
      await response.arrayBuffer();
      firstRequestMs ??= performance.now() - sent;
      if (response.status === 200) return { readyMs: performance.now() - started, firstRequestMs };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not become healthy in ${limitMs} ms:\n${fs.readFileSync(logPath, 'utf8').slice(-4000)}`);
}

/**
 * Deliver one scheduled event (the `[triggers]` cron) to the worker's scheduled handler, as
 * Cloudflare does every five minutes; resolves when the handler has finished.
 * wrangler's `--test-scheduled` middleware answers /__scheduled in front of the worker (local
 * only); /cdn-cgi/handler/scheduled cannot reach a worker with assets in wrangler 4.86.
 */
export async function runCron(baseUrl) {
  const response = await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);
  const text = await response.text();
  if (response.status !== 200 || text !== 'Ran scheduled event') throw new Error(`scheduled event not run: ${response.status} ${text}`);
}

/** Run SQL against a worker's local D1 (read-only use in tests: checks of what is stored). */
export async function sql(worker, query) {
  const { stdout } = await run(
    nodeBin('wrangler'),
    ['d1', 'execute', 'DB', '--local', '--persist-to', worker.persistTo, ...worker.envArgs, '--json', '--command', query],
    { cwd: ROOT, env: wranglerEnv(), maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout)[0].results;
}

/** Every byte of the worker's local state (D1 sqlite files with their WAL, DO storage). */
export function stateBytes(worker) {
  const chunks = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else chunks.push(fs.readFileSync(full));
    }
  };
  walk(worker.persistTo);
  return Buffer.concat(chunks);
}
