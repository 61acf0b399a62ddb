// `cargo xtask dev`, `stop` and `admin` as a script drives them: the admin exists the
// moment health is green, a detached server outlives its launcher and `stop` leaves nothing
// behind, `admin` resets a password. Each start uses a fresh state folder and a free port.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/paths.mjs';
import { freePort } from '../support/ports.mjs';
import { Client } from '../support/http.mjs';

const run = promisify(execFile);
const EMAIL = 'boss@example.com';
const PASSWORD = 'first admin password 1';
// The build is fresh (xtask test builds first; its stamps make `dev` skip it).
const env = { ...process.env, ADMIN_EMAIL: EMAIL, ADMIN_PASSWORD: PASSWORD };

const stateDirs = [];
const groups = [];

function freshState() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xtask-dev-state-'));
  stateDirs.push(dir);
  return dir;
}

/** `cargo xtask …` to completion. */
function xtask(args, extraEnv = {}) {
  return run('cargo', ['xtask', ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, timeout: 180_000 });
}

/** The live processes of a process group (`pgrep -g`); zombies, dead and waiting for init to reap
 * them, are not running. */
async function groupMembers(group) {
  let pids;
  try {
    pids = (await run('pgrep', ['-g', String(group)])).stdout.trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return pids.filter((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  });
}

async function health(port) {
  try {
    return (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status;
  } catch {
    return 0;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, check, limitMs) {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`${what} did not happen within ${limitMs} ms`);
}

// Clean up even when a test failed: stop every detached server, end every group we started.
after(async () => {
  for (const dir of stateDirs) {
    await xtask(['stop', '--state', dir]).catch(() => {});
  }
  for (const group of groups) {
    try { process.kill(-group, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const dir of stateDirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('five fresh starts: the admin signs in the instant health turns green, and Ctrl-C leaves nothing', async () => {
  for (let i = 1; i <= 5; i += 1) {
    const state = freshState();
    const port = await freePort();
    const log = [];
    // A group of its own, as a terminal would make it: the signal below reaches xtask only.
    const child = spawn('cargo', ['xtask', 'dev', '--port', String(port), '--state', state], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    groups.push(child.pid);
    child.stdout.on('data', (d) => log.push(String(d)));
    child.stderr.on('data', (d) => log.push(String(d)));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

    const started = Date.now();
    await until(`start ${i}: health`, async () => (await health(port)) === 200, 120_000);
    const response = await new Client(`http://127.0.0.1:${port}`).post('/api/v1/session', { email: EMAIL, password: PASSWORD });
    assert.equal(response.status, 200, `start ${i}: sign-in right at health: ${response.text}\n${log.join('')}`);
    const seconds = (Date.now() - started) / 1000;

    const pidOf = (name) => fs.existsSync(path.join(state, name));
    assert.ok(!pidOf('xtask-dev.pid'), 'a foreground server writes no pid file');
    process.kill(-child.pid, 'SIGINT');
    const end = await exited;
    assert.equal(end.code, 0, `start ${i}: Ctrl-C is a clean stop\n${log.join('')}`);
    assert.equal(await health(port), 0, 'nothing serves on the port any more');
    const { stdout } = await run('pgrep', ['-af', 'workerd']).catch(() => ({ stdout: '' }));
    assert.ok(!stdout.includes(`:${port}`), `no workerd for port ${port} is left:\n${stdout}`);
    console.log(`start ${i}: healthy and signed in after ${seconds.toFixed(1)} s`);
  }
});

test('detached: serves after its launcher exited, `stop` ends it leaving no wrangler or workerd', async () => {
  const state = freshState();
  const port = await freePort();
  // The launcher is a shell that exits as soon as `--detach` returns.
  const { stdout, stderr } = await run('sh', ['-c', `cargo xtask dev --detach --port ${port} --state '${state}'`], { cwd: ROOT, env, timeout: 180_000 });
  assert.match(stdout, new RegExp(`url: +http://127\\.0\\.0\\.1:${port}/`));
  assert.match(stdout, /pid: +\d+/);
  assert.match(stdout, /log: +\S+xtask-dev\.log/);
  assert.match(stderr, new RegExp(`First admin created: ${EMAIL}`));
  // Healthy and usable when --detach returns, and still after the launcher is gone.
  await sleep(1500);
  assert.equal(await health(port), 200);
  await new Client(`http://127.0.0.1:${port}`).signIn(EMAIL, PASSWORD);

  const [xtaskPid, wranglerGroup] = fs.readFileSync(path.join(state, 'xtask-dev.pid'), 'utf8').trim().split('\n').map(Number);
  assert.ok(xtaskPid > 0 && wranglerGroup > 0);
  assert.ok((await groupMembers(wranglerGroup)).length > 0, 'wrangler and workerd run in the recorded group');
  const again = await xtask(['dev', '--detach', '--port', String(await freePort()), '--state', state]).then(() => null, (e) => e);
  assert.ok(again, 'a second detached server on the same state is refused');
  assert.match(again.stderr, /runs already/);

  const stopped = await xtask(['stop', '--state', state]);
  assert.match(stopped.stderr, /stopped the server/);
  assert.equal(await health(port), 0);
  assert.deepEqual(await groupMembers(wranglerGroup), [], 'no wrangler or workerd is left');
  assert.deepEqual(await groupMembers(xtaskPid), [], 'the detached xtask is gone');
  assert.ok(!fs.existsSync(path.join(state, 'xtask-dev.pid')));
  const nothing = await xtask(['stop', '--state', state]);
  assert.match(nothing.stderr, /no detached server runs/);

  // A restart on the same state keeps the admin it has.
  const restarted = await xtask(['dev', '--detach', '--port', String(port), '--state', state]);
  assert.match(restarted.stderr, /created on an earlier run/);
  await new Client(`http://127.0.0.1:${port}`).signIn(EMAIL, PASSWORD);
  await xtask(['stop', '--state', state]);
});

test('a foreground server whose launcher exits stops with it and says why', async () => {
  const state = freshState();
  const port = await freePort();
  const logPath = path.join(state, 'launcher.log');
  // The launcher starts the server in the background, waits until it is healthy and exits.
  const script = `cargo xtask dev --port ${port} --state '${state}' > '${logPath}' 2>&1 &
    until curl -fs http://127.0.0.1:${port}/api/v1/health > /dev/null; do sleep 0.2; done`;
  await run('sh', ['-c', script], { cwd: ROOT, env, timeout: 180_000 });
  await until('the orphaned server stops', async () => (await health(port)) === 0, 20_000);
  await until('xtask explains', async () => fs.readFileSync(logPath, 'utf8').includes('its parent process exited'), 10_000);
  const log = fs.readFileSync(logPath, 'utf8');
  assert.match(log, /run it with --detach to keep it running/);
  assert.doesNotMatch(log, /Connection refused/);
});

test('`cargo xtask admin` resets a password: the new one signs in, the old one and its sessions end', async () => {
  const state = freshState();
  const port = await freePort();
  await xtask(['dev', '--detach', '--port', String(port), '--state', state]);
  const base = `http://127.0.0.1:${port}`;
  const before = new Client(base);
  await before.signIn(EMAIL, PASSWORD);
  assert.equal((await before.get('/api/v1/session')).status, 200);

  const NEW = 'a brand new password 2';
  const reset = await xtask(['admin', '--email', EMAIL, '--password', NEW, '--state', state]);
  assert.match(reset.stderr, /admin boss@example\.com reset/);
  await new Client(base).signIn(EMAIL, NEW);
  assert.equal((await new Client(base).post('/api/v1/session', { email: EMAIL, password: PASSWORD })).status, 401);
  assert.equal((await before.get('/api/v1/session')).status, 401, 'sessions of the old password ended');

  // A lost admin is one command away: a new one is created, in the Admin role.
  const other = 'second@example.com';
  const created = await xtask(['admin', '--email', other, '--password', NEW, '--state', state]);
  assert.match(created.stderr, /admin second@example\.com created/);
  const second = new Client(base);
  await second.signIn(other, NEW);
  assert.equal((await second.get('/api/v1/users')).status, 200, 'the new admin may manage people');
  await xtask(['stop', '--state', state]);
});
