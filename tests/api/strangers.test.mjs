// Strangers are throttled, not obeyed (ARCHITECTURE.md): what a caller without an account, or
// with someone else's email, a forged key or a huge body, can and cannot make the worker do.
// Each client plays its own machine (its own CF-Connecting-IP, see support/http.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from '../support/http.mjs';
import { customInput, machineInput } from '../support/connections.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';
import { sql, startWorker } from '../support/worker.mjs';

const LIMIT = 10; // wrangler.toml: SIGN_IN_LIMIT and BEARER_LIMIT, per address per 60 s
const DEEP_HEALTH_LIMIT = 20; // wrangler.toml: DEEP_HEALTH_LIMIT
const KIB = 1024;

/** Every file of the worker's Durable Object storage, with its size (KeyGate and TokenVault). */
function objectFiles(worker) {
  const found = {};
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/KeyGate|TokenVault/.test(full)) found[path.relative(worker.persistTo, full)] = fs.statSync(full).size;
    }
  };
  walk(worker.persistTo);
  return found;
}

/** Call `attempt` until it answers 429 (at most `max` times); returns the statuses seen. */
async function untilThrottled(attempt, max) {
  const statuses = [];
  while (statuses.length < max) {
    const response = await attempt(statuses.length);
    statuses.push(response.status);
    if (response.status === 429) return { statuses, refused: response };
  }
  return { statuses, refused: undefined };
}

const hex = (bytes) => randomBytes(bytes).toString('hex');

describe('strangers', () => {
  let stack;
  let admin;
  let connection;
  let role;

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    role = await createRole(admin, { name: 'Stranger test bots', memberIds: [(await admin.get('/api/v1/session')).body.user.id] });
    const created = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Machine for strangers' }));
    assert.equal(created.status, 201, created.text);
    connection = created.body;
    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [role.id] })).status, 200);
  });
  after(async () => { await stack?.stop(); });

  const signIn = (client, email, password) => client.post('/api/v1/session', { email, password });

  test('a stranger cannot keep the admin locked out: the admin\'s own browser still signs in', async () => {
    assert.ok(admin.cookies.get('__Host-device'), 'signing in marked the admin\'s browser');
    // Failures from many addresses, none of them the admin's browser.
    for (let i = 0; i < 8; i += 1) {
      const guess = await signIn(new Client(stack.baseUrl), ADMIN.email, `guess number ${i} wrong`);
      assert.equal(guess.status, 401);
    }
    const stranger = await signIn(new Client(stack.baseUrl), ADMIN.email, ADMIN.password);
    assert.equal(stranger.status, 401, 'while locked, even the right password from an unknown browser is refused');
    const owner = await signIn(admin, ADMIN.email, ADMIN.password);
    assert.equal(owner.status, 200, `the admin's browser signs in: ${owner.text}`);
    assert.equal((await admin.get('/api/v1/session')).status, 200);
  });

  test('a trusted browser\'s own failures lock only that browser', async () => {
    const { email, password, client } = await createUser(admin, { name: 'forgetful' });
    for (let i = 0; i < 5; i += 1) assert.equal((await signIn(client, email, `not it ${i} at all`)).status, 401);
    assert.equal((await signIn(client, email, password)).status, 401, 'this browser failed five times: locked');
    const elsewhere = new Client(stack.baseUrl);
    assert.equal((await signIn(elsewhere, email, password)).status, 200, 'its failures did not lock the account for others');
  });

  test('no answer tells whether an email exists: unknown, wrong, inactive and locked look the same', async () => {
    const inactive = await createUser(admin, { name: 'inactive' });
    assert.equal((await admin.patch(`/api/v1/users/${inactive.user.id}`, { active: false })).status, 200);
    const locked = await createUser(admin, { name: 'lockme' });
    for (let i = 0; i < 5; i += 1) await signIn(new Client(stack.baseUrl), locked.email, `wrong guess ${i} here`);
    const wrongUser = await createUser(admin, { name: 'wrongpw' });

    const answers = {
      unknown: await signIn(new Client(stack.baseUrl), `nobody-${hex(4)}@example.test`, 'some password 123'),
      wrong: await signIn(new Client(stack.baseUrl), wrongUser.email, 'not the password 123'),
      inactive: await signIn(new Client(stack.baseUrl), inactive.email, inactive.password),
      locked: await signIn(new Client(stack.baseUrl), locked.email, locked.password),
    };
    for (const [name, answer] of Object.entries(answers)) {
      assert.equal(answer.status, 401, `${name}: ${answer.text}`);
      assert.equal(answer.text, answers.unknown.text, `${name} answers exactly like an unknown email`);
      assert.equal(answer.headers.get('retry-after'), null, name);
    }
    assert.equal(answers.unknown.body.error.code, 'unauthenticated');
  });

  test('concurrent guesses are each charged: a wave cannot share one count or lift a lock', async () => {
    const target = await createUser(admin, { name: 'wave' });
    const wave = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(new Client(stack.baseUrl), target.email, `wave guess ${i} wrong`)));
    assert.deepEqual([...new Set(wave.map((a) => a.status))], [401]);
    const rows = await sql(stack.worker, `SELECT json_extract(detail, '$.reason') AS reason FROM audit_events
      WHERE action = 'session.sign_in' AND target_id = '${target.user.id}' AND outcome = 'failure'`);
    const checked = rows.filter((r) => r.reason.startsWith('wrong_password')).length;
    assert.ok(checked <= 5, `at most five guesses were checked against the password, not ${checked}`);
    assert.equal(rows.length, 12, 'every attempt was counted');
    const right = await signIn(new Client(stack.baseUrl), target.email, target.password);
    assert.equal(right.status, 401, 'the account is locked for unknown browsers');
  });

  test('a password change ends the trust of browsers that signed in before', async () => {
    const owner = await createUser(admin, { name: 'rotated' });
    assert.ok(owner.client.cookies.get('__Host-device'));
    const fresh = 'a brand new password 456';
    assert.equal((await admin.patch(`/api/v1/users/${owner.user.id}`, { password: fresh })).status, 200);
    for (let i = 0; i < 5; i += 1) await signIn(new Client(stack.baseUrl), owner.email, `stranger guess ${i} wrong`);
    const before = await signIn(owner.client, owner.email, fresh);
    assert.equal(before.status, 401, 'the old device cookie no longer vouches: this browser is a stranger now');
  });

  test('an email longer than any address is refused like an unknown one, and not stored whole', async () => {
    const long = `${'x'.repeat(300)}@example.test`;
    const answer = await signIn(new Client(stack.baseUrl), long, 'whatever password 1');
    assert.equal(answer.status, 401);
    const [row] = await sql(stack.worker, "SELECT detail FROM audit_events WHERE json_extract(detail, '$.reason') = 'email_too_long'");
    assert.ok(row && JSON.parse(row.detail).email.length <= 64, JSON.stringify(row));
  });

  test('online guessing from one address is bounded: over the limit it answers 429 with Retry-After', async () => {
    const guesser = new Client(stack.baseUrl, { address: '198.51.100.7' });
    const { statuses, refused } = await untilThrottled(
      (i) => signIn(guesser, `guess-${i}@example.test`, 'a guessed password 1'),
      2 * LIMIT + 2,
    );
    assert.ok(refused, `throttled at some point: ${statuses}`);
    assert.ok(statuses.filter((s) => s === 401).length <= 2 * LIMIT, `${statuses}`);
    assert.equal(refused.body.error.code, 'too_many_attempts');
    assert.equal(refused.headers.get('retry-after'), '60');
    const again = await signIn(guesser, ADMIN.email, ADMIN.password);
    assert.equal(again.status, 429, 'the right password does not get through a throttled address either');
    const other = await signIn(new Client(stack.baseUrl, { address: '198.51.100.8' }), 'someone@example.test', 'a guessed password 1');
    assert.equal(other.status, 401, 'another address is not throttled');
  });

  test('deep health checks are throttled per address; the shallow one and other addresses are not', async () => {
    const monitor = new Client(stack.baseUrl, { address: '198.51.100.21' });
    const { statuses, refused } = await untilThrottled(() => monitor.get('/api/v1/health?deep=1'), 2 * DEEP_HEALTH_LIMIT + 2);
    assert.ok(refused, `throttled at some point: ${statuses}`);
    assert.ok(statuses.filter((s) => s === 200).length >= DEEP_HEALTH_LIMIT, `a monitor gets its checks: ${statuses}`);
    assert.equal(refused.body.error.code, 'too_many_attempts');
    assert.equal(refused.headers.get('retry-after'), '60');
    assert.equal((await monitor.get('/api/v1/health')).status, 200, 'liveness is never throttled');
    assert.equal((await new Client(stack.baseUrl, { address: '198.51.100.22' }).get('/api/v1/health?deep=1')).status, 200);
  });

  test('a key the product never issued is refused before any object or storage is touched', async () => {
    const { key } = await createKey(admin, 'genuine');
    const flipped = key.secret.slice(0, -1) + (key.secret.endsWith('0') ? '1' : '0');
    const forged = [
      `eoc_${hex(4)}_${hex(32)}`, // the shape keys had before they carried a tag
      `eoc_${hex(4)}_${hex(32)}_${hex(16)}`, // today's shape, a tag made up
      flipped, // a real key with its tag changed
    ];
    const before = objectFiles(stack.worker);
    for (const secret of forged) {
      const bot = new Client(stack.baseUrl, { apiKey: secret });
      const response = await bot.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'shared' });
      assert.equal(response.status, 401, `${secret}: ${response.text}`);
      assert.equal(response.body.error.code, 'unauthenticated');
      assert.equal((await bot.get('/api/v1/me/connections')).status, 401);
    }
    // Give workerd a moment to flush anything an object might have written.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(objectFiles(stack.worker), before, 'no object storage was created or changed');
  });

  test('failed bearer attempts are throttled per address, good keys are not', async () => {
    const { bot: good } = await createKey(admin, 'good key');
    const scanner = '198.51.100.21';
    const { statuses, refused } = await untilThrottled(
      () => new Client(stack.baseUrl, { apiKey: `eoc_${hex(4)}_${hex(32)}_${hex(16)}`, address: scanner }).get('/api/v1/me/connections'),
      2 * LIMIT + 2,
    );
    assert.ok(refused, `throttled at some point: ${statuses}`);
    assert.ok(statuses.filter((s) => s === 401).length <= 2 * LIMIT, `${statuses}`);
    assert.equal(refused.body.error.code, 'too_many_attempts');
    assert.equal(refused.headers.get('retry-after'), '60');
    const elsewhere = new Client(stack.baseUrl, { apiKey: `eoc_${hex(4)}_${hex(32)}_${hex(16)}`, address: '198.51.100.22' });
    assert.equal((await elsewhere.get('/api/v1/me/connections')).status, 401, 'another address still gets 401');
    const goodFromScanner = new Client(stack.baseUrl, { apiKey: good.apiKey, address: scanner });
    assert.equal((await goodFromScanner.get('/api/v1/me/connections')).status, 200, 'a good key is never slowed');
  });

  test('bodies over 64 KiB are refused with 413 before they are read, with or without a length', async () => {
    const big = JSON.stringify({ email: 'big@example.test', password: 'x'.repeat(100 * KIB) });
    const post = (url, headers, body) => fetch(`${stack.baseUrl}${url}`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: stack.baseUrl, ...headers }, body,
    });
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    for (const [url, headers] of [
      ['/api/v1/session', {}],
      ['/api/v1/bootstrap', { 'x-bootstrap-token': BOOTSTRAP_TOKEN }],
      ['/api/v1/connections', { cookie }],
    ]) {
      const response = await post(url, headers, big);
      assert.equal(response.status, 413, url);
      const body = await response.json();
      assert.equal(body.error.code, 'payload_too_large', url);
      assert.equal(typeof body.error.message, 'string');
    }
    // Without Content-Length: a stream, sent chunked.
    const chunked = (text) => new ReadableStream({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let i = 0; i < bytes.length; i += 8 * KIB) controller.enqueue(bytes.slice(i, i + 8 * KIB));
        controller.close();
      },
    });
    const streamed = await fetch(`${stack.baseUrl}/api/v1/connections`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: stack.baseUrl, cookie }, body: chunked(big), duplex: 'half',
    });
    assert.equal(streamed.status, 413);
    assert.equal((await streamed.json()).error.code, 'payload_too_large');
    // A small chunked body is read as usual.
    const small = await fetch(`${stack.baseUrl}/api/v1/roles`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: stack.baseUrl, cookie },
      body: chunked(JSON.stringify({ name: 'Sent in chunks', permissions: [] })), duplex: 'half',
    });
    assert.equal(small.status, 201, await small.text());
  });

  test('my connections come in pages', async () => {
    for (const name of ['Paged one', 'Paged two']) {
      const made = await admin.post('/api/v1/connections', machineInput(stack.idp, { name }));
      assert.equal(made.status, 201, made.text);
      assert.equal((await admin.put(`/api/v1/connections/${made.body.id}/roles`, { role_ids: [role.id] })).status, 200);
    }
    const all = await admin.get('/api/v1/me/connections');
    assert.ok(all.body.items.length >= 3);
    const seen = [];
    let cursor = '';
    for (let page = 0; page < 10; page += 1) {
      const response = await admin.get(`/api/v1/me/connections?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(response.status, 200);
      assert.ok(response.body.items.length <= 2);
      seen.push(...response.body.items.map((i) => i.connection.name));
      cursor = response.body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, all.body.items.map((i) => i.connection.name), 'the pages add up to the list, in order, once each');
    assert.equal((await admin.get('/api/v1/me/connections?limit=2')).body.next_cursor.length > 0, true);
  });

  test('a tokens key gets tokens and reads the connections its owner may use, and is refused everything else', async () => {
    const { bot } = await createKey(admin, 'tokens only');
    const token = await bot.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'shared' });
    assert.equal(token.status, 200, token.text);
    assert.ok(token.body.access_token);
    assert.equal((await bot.get('/api/v1/me/connections')).status, 200);
    const refused = {
      // Every connection a viewer sees, usable or not: not what a tokens key is for.
      'GET /connections': await bot.get('/api/v1/connections'),
      'GET /connections/:id': await bot.get(`/api/v1/connections/${connection.id}`),
      'POST /connections': await bot.post('/api/v1/connections', customInput(stack.idp, { name: 'Bot made' })),
      'PATCH /connections/:id': await bot.patch(`/api/v1/connections/${connection.id}`, { description: 'bot edit' }),
      'DELETE /connections/:id': await bot.delete(`/api/v1/connections/${connection.id}`),
      'PUT /connections/:id/roles': await bot.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [] }),
      'GET /users': await bot.get('/api/v1/users'),
      'POST /users': await bot.post('/api/v1/users', { email: 'bot-made@example.test', display_name: 'Bot', password: 'a long password 123' }),
      'GET /roles': await bot.get('/api/v1/roles'),
      'GET /api-keys': await bot.get('/api/v1/api-keys'),
      'GET /audit': await bot.get('/api/v1/audit'),
      'GET /session': await bot.get('/api/v1/session'),
    };
    for (const [route, response] of Object.entries(refused)) {
      assert.equal(response.status, 403, `${route}: ${response.text}`);
      assert.equal(response.body.error.code, 'forbidden', route);
    }
    assert.equal((await admin.get(`/api/v1/connections/${connection.id}`)).body.description ?? '', '', 'nothing changed');
  });

  test('a key cannot become its owner: no password, roles or active flag for the owner', async () => {
    const { bot } = await createKey(admin, 'wants a session', ['tokens', 'manage']);
    const me = (await admin.get('/api/v1/session')).body.user;
    for (const change of [{ password: 'taken over by a key 1' }, { role_ids: ['role-admin'] }, { active: true }]) {
      const refused = await bot.patch(`/api/v1/users/${me.id}`, change);
      assert.equal(refused.status, 403, `${JSON.stringify(change)}: ${refused.text}`);
    }
    assert.equal((await bot.patch(`/api/v1/users/${me.id}`, { display_name: 'Admin by key' })).status, 200);
  });

  test('a manage key of an admin can do admin things; the key list shows scopes', async () => {
    const { key, bot } = await createKey(admin, 'admin automation', ['manage']);
    assert.deepEqual(key.api_key.scopes, ['tokens', 'manage']);
    assert.equal((await bot.get('/api/v1/users')).status, 200);
    assert.equal((await bot.get('/api/v1/audit')).status, 200);
    const made = await bot.post('/api/v1/connections', customInput(stack.idp, { name: 'Made by a manage key' }));
    assert.equal(made.status, 201, made.text);
    assert.equal((await bot.delete(`/api/v1/connections/${made.body.id}`)).status, 204);
    const listed = await admin.get('/api/v1/api-keys');
    const scopes = Object.fromEntries(listed.body.items.map((k) => [k.name, k.scopes]));
    assert.deepEqual(scopes['admin automation'], ['tokens', 'manage']);
    assert.deepEqual(scopes['tokens only'], ['tokens']);
    const unknown = await admin.post('/api/v1/api-keys', { name: 'odd', scopes: ['root'] });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.field, 'scopes');
  });
});

describe('a worker without MAC_KEY', () => {
  let worker;
  before(async () => { worker = await startWorker({ vars: { BOOTSTRAP_TOKEN, MAC_KEY: null } }); });
  after(async () => { await worker?.stop(); });

  test('refuses sign-in and keys with 500 and says why in its log', async () => {
    const created = await fetch(`${worker.baseUrl}/api/v1/bootstrap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bootstrap-token': BOOTSTRAP_TOKEN },
      body: JSON.stringify(ADMIN),
    });
    assert.equal(created.status, 201);
    const signIn = await new Client(worker.baseUrl).post('/api/v1/session', ADMIN);
    assert.equal(signIn.status, 500);
    assert.equal(signIn.body.error.code, 'internal');
    const bearer = await new Client(worker.baseUrl, { apiKey: `eoc_${hex(4)}_${hex(32)}_${hex(16)}` }).get('/api/v1/me/connections');
    assert.equal(bearer.status, 500);
    // wrangler prints the worker's console a moment after the answer.
    assert.match(await worker.waitForLog(/MAC_KEY is not set/, 5000), /MAC_KEY is not set/);
  });
});
