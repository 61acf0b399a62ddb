// Request logs: one JSON line per API request in the worker's log (target/test-logs/), with the
// route pattern, method, status, duration, who called (user or key id), the connection and the
// error code, and never a token, secret, password, key, cookie, code, state or query string.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize } from '../support/consent.mjs';
import { customInput, machineInput } from '../support/connections.mjs';
import { Client } from '../support/http.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';

const FIELDS = ['log', 'route', 'method', 'status', 'duration_ms', 'actor_kind', 'actor_id', 'connection_id', 'error'].sort();

/** The request lines of a worker log, parsed. */
function requestLines(text) {
  return text.split('\n').filter((l) => l.includes('{"log":"request"')).map((l) => JSON.parse(l.slice(l.indexOf('{"log":"request"'))));
}

describe('request logs', () => {
  let stack;
  let admin;
  let adminId;
  let bot;
  let keyId;
  let code;
  let machine;
  const secrets = new Map();

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    adminId = (await admin.get('/api/v1/session')).body.user.id;
    const key = await createKey(admin, 'logged bot');
    bot = key.bot;
    keyId = key.key.api_key.id;
    const role = await createRole(admin, { name: 'Integrations', memberIds: [adminId] });
    for (const input of [customInput(stack.idp, { name: 'Code basic' }), machineInput(stack.idp, { name: 'Machine' })]) {
      const created = await admin.post('/api/v1/connections', input);
      await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] });
      if (input.name === 'Machine') machine = created.body;
      else code = created.body;
    }
    assert.equal((await admin.get('/api/v1/connections')).status, 200);
    const consent = await authorize(admin, code.id, 'shared');
    assert.equal(consent.ok, true);
    const callback = new URL(consent.callback, stack.baseUrl);
    const tokens = [
      (await bot.post(`/api/v1/connections/${code.id}/token`, { token_type: 'shared' })).body.access_token,
      (await bot.post(`/api/v1/connections/${machine.id}/token`, { token_type: 'shared' })).body.access_token,
    ];
    // Failures: a bad key, an unknown route with a secret-looking query, a forbidden write.
    await new Client(stack.baseUrl, { apiKey: `${key.key.secret.slice(0, -4)}0000` }).post(`/api/v1/connections/${code.id}/token`, {});
    await admin.get('/api/v1/no-such-thing?client_secret=query-secret-4711');
    await new Client(stack.baseUrl, { origin: 'https://evil.example' }).post('/api/v1/connections', {});
    Object.entries({
      'client secret': 'basic-client-secret', 'machine secret': 'machine-client-secret', password: ADMIN.password, 'bot key': key.key.secret,
      'session cookie': admin.cookies.get('__Host-session'), 'authorization code': callback.searchParams.get('code'),
      state: callback.searchParams.get('state'), 'query secret': 'query-secret-4711', 'bootstrap token': BOOTSTRAP_TOKEN,
      'shared token': tokens[0], 'machine token': tokens[1],
    }).forEach(([name, value]) => { assert.ok(value, name); secrets.set(name, value); });
    // Lines are written as answers leave; give the last ones a moment to reach the file.
    await new Promise((r) => setTimeout(r, 500));
  });
  after(async () => {
    await stack?.stop();
  });

  test('every API request has one line of the documented shape', () => {
    const lines = requestLines(stack.worker.logs());
    assert.ok(lines.length >= 15, `${lines.length} lines`);
    for (const line of lines) {
      assert.deepEqual(Object.keys(line).sort(), FIELDS);
      assert.ok(line.route.startsWith('/api/') || line.route.startsWith('/oauth/'), line.route);
      assert.ok(!line.route.includes('?'));
      assert.match(line.method, /^[A-Z]+$/);
      assert.ok(Number.isInteger(line.status) && line.status >= 200 && line.status < 600);
      assert.ok(Number.isInteger(line.duration_ms) && line.duration_ms >= 0);
    }
  });

  test('the token API line names the key, the connection and the route pattern', () => {
    const lines = requestLines(stack.worker.logs());
    const line = lines.find((l) => l.route === '/api/v1/connections/:id/token' && l.connection_id === machine.id && l.status === 200);
    assert.ok(line, JSON.stringify(lines.filter((l) => l.route.includes('token'))));
    assert.equal(line.method, 'POST');
    assert.equal(line.actor_kind, 'api_key');
    assert.equal(line.actor_id, keyId);
    assert.equal(line.error, null);
  });

  test('a session request names the person; the callback is logged by its pattern', () => {
    const lines = requestLines(stack.worker.logs());
    const listed = lines.find((l) => l.route === '/api/v1/connections' && l.method === 'GET');
    assert.ok(listed);
    assert.equal(listed.actor_kind, 'user');
    assert.equal(listed.actor_id, adminId);
    const callback = lines.find((l) => l.route === '/oauth/callback');
    assert.ok(callback);
    assert.equal(callback.status, 200);
  });

  test('failures carry their error code; unknown paths are not logged as sent', () => {
    const lines = requestLines(stack.worker.logs());
    const bad = lines.find((l) => l.status === 401 && l.route === '/api/v1/connections/:id/token');
    assert.equal(bad?.error, 'unauthenticated');
    const unknown = lines.find((l) => l.route === '/api/*rest');
    assert.equal(unknown?.status, 404);
    assert.equal(unknown.error, 'not_found');
    const foreign = lines.find((l) => l.status === 403 && l.route === '/api/v1/connections' && l.method === 'POST');
    assert.equal(foreign?.error, 'forbidden');
    assert.equal(foreign.actor_id, null);
  });

  test('no secret, token, password, key, cookie, code or state appears anywhere in the log', () => {
    const text = stack.worker.logs();
    for (const [name, value] of secrets) assert.ok(!text.includes(value), `${name} is in the worker log`);
  });
});
