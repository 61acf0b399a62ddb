// People, roles, permissions and bot keys over HTTP against wrangler dev: who may call what,
// sign-in failures and lockout, deactivation, revocation, CSRF rules, and no secret ever echoed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Client, everythingSeen } from '../support/http.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { sql, startWorker } from '../support/worker.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

describe('people, roles and keys', () => {
  let worker;
  let admin;
  const principals = {};
  const clients = [];

  before(async () => {
    worker = await startWorker({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(worker.baseUrl);
    const viewRole = await createRole(admin, { name: 'Viewers', permissions: ['connections.view'] });
    const manageRole = await createRole(admin, { name: 'Managers', permissions: ['connections.manage'] });
    const plain = await createUser(admin, { name: 'plain' });
    const viewer = await createUser(admin, { name: 'viewer', roleIds: [viewRole.id] });
    const manager = await createUser(admin, { name: 'manager', roleIds: [manageRole.id] });
    principals.anonymous = new Client(worker.baseUrl);
    principals.plain = plain.client;
    principals.viewer = viewer.client;
    principals.manager = manager.client;
    principals.admin = admin;
    // Keys with the manage scope act with their owner's rights (tokens-only keys: strangers.test.mjs).
    for (const name of ['plain', 'viewer', 'manager', 'admin']) {
      principals[`${name} bot`] = (await createKey(principals[name], `${name} bot`, ['manage'])).bot;
    }
    clients.push(admin, ...Object.values(principals));
  });
  after(async () => { await worker?.stop(); });

  test('the bootstrap endpoint works once and only with the token', async () => {
    const attempt = (token) => fetch(`${worker.baseUrl}/api/v1/bootstrap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bootstrap-token': token },
      body: JSON.stringify({ email: 'second@example.test', password: 'another long password' }),
    });
    const wrong = await attempt('wrong-token-wrong-token');
    assert.equal(wrong.status, 403);
    const again = await attempt(BOOTSTRAP_TOKEN);
    assert.equal(again.status, 409);
    assert.equal((await again.json()).error.code, 'conflict');
  });

  test('who am I reports roles and permissions', async () => {
    const me = await admin.get('/api/v1/session');
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, ADMIN.email);
    assert.equal(me.body.is_admin, true);
    assert.deepEqual(me.body.permissions, ['connections.view', 'connections.manage']);
    const manager = await principals.manager.get('/api/v1/session');
    assert.equal(manager.body.is_admin, false);
    assert.deepEqual(manager.body.permissions, ['connections.view', 'connections.manage']);
    const plain = await principals.plain.get('/api/v1/session');
    assert.deepEqual(plain.body.permissions, ['connections.view']);
    const bot = await principals['viewer bot'].get('/api/v1/session');
    assert.equal(bot.status, 200, 'a manage key acts with its owner rights');
    assert.match(bot.body.user.email, /^viewer-/);
  });

  // Every endpoint × every kind of caller: the status says allowed or refused.
  const ADMIN_ONLY = new Set(['admin', 'admin bot']);
  const PEOPLE = new Set(['plain', 'viewer', 'manager', 'admin']);
  const ANYONE_SIGNED_IN = new Set([...PEOPLE, 'plain bot', 'viewer bot', 'manager bot', 'admin bot']);
  let seq = 0;
  const endpoints = [
    { name: 'GET /users', who: ADMIN_ONLY, ok: 200, call: (c) => c.get('/api/v1/users') },
    {
      name: 'POST /users', who: ADMIN_ONLY, ok: 201,
      call: (c) => c.post('/api/v1/users', { email: `matrix-${++seq}@example.test`, display_name: 'Matrix', password: 'matrix password 123' }),
    },
    { name: 'GET /users/:id', who: ADMIN_ONLY, ok: 200, call: async (c) => c.get(`/api/v1/users/${(await admin.get('/api/v1/session')).body.user.id}`) },
    {
      name: 'PATCH /users/:id', who: ADMIN_ONLY, ok: 200,
      call: async (c) => c.patch(`/api/v1/users/${(await admin.get('/api/v1/session')).body.user.id}`, { display_name: 'Administrator' }),
    },
    { name: 'GET /roles', who: ADMIN_ONLY, ok: 200, call: (c) => c.get('/api/v1/roles') },
    { name: 'POST /roles', who: ADMIN_ONLY, ok: 201, call: (c) => c.post('/api/v1/roles', { name: `Matrix role ${++seq}`, permissions: [] }) },
    { name: 'GET /roles/:id', who: ADMIN_ONLY, ok: 200, call: (c) => c.get('/api/v1/roles/role-user') },
    {
      name: 'PATCH /roles/:id', who: ADMIN_ONLY, ok: 200,
      call: async (c) => {
        const role = await createRole(admin, { name: `Patch me ${++seq}` });
        return c.patch(`/api/v1/roles/${role.id}`, { description: 'patched' });
      },
    },
    {
      name: 'DELETE /roles/:id', who: ADMIN_ONLY, ok: 204,
      call: async (c) => c.delete(`/api/v1/roles/${(await createRole(admin, { name: `Delete me ${++seq}` })).id}`),
    },
    { name: 'GET /session', who: ANYONE_SIGNED_IN, ok: 200, call: (c) => c.get('/api/v1/session') },
    { name: 'GET /api-keys', who: ANYONE_SIGNED_IN, ok: 200, call: (c) => c.get('/api/v1/api-keys') },
    { name: 'POST /api-keys', who: PEOPLE, ok: 201, call: (c) => c.post('/api/v1/api-keys', { name: `matrix key ${++seq}` }) },
    {
      name: 'DELETE /api-keys/:id', who: PEOPLE, ok: 204,
      call: async (c, principal) => {
        // The key to revoke belongs to the caller's person (or, for anonymous, to the admin).
        const owner = principal.endsWith(' bot') ? principals[principal.replace(' bot', '')] : (principal === 'anonymous' ? admin : c);
        const { key } = await createKey(owner, `to revoke ${++seq}`);
        return c.delete(`/api/v1/api-keys/${key.api_key.id}`);
      },
    },
  ];
  const PRINCIPALS = ['anonymous', 'plain', 'viewer', 'manager', 'admin', 'plain bot', 'viewer bot', 'manager bot', 'admin bot'];

  for (const endpoint of endpoints) {
    test(`permissions: ${endpoint.name}`, async () => {
      for (const principal of PRINCIPALS) {
        const response = await endpoint.call(principals[principal], principal);
        let expected;
        if (endpoint.who.has(principal)) expected = endpoint.ok;
        else if (principal === 'anonymous') expected = 401;
        else expected = 403;
        assert.equal(response.status, expected, `${endpoint.name} as ${principal}: ${response.text}`);
        if (expected >= 400) {
          assert.equal(response.body.error.code, expected === 401 ? 'unauthenticated' : 'forbidden', `${endpoint.name} as ${principal}`);
        }
      }
    });
  }

  test('sign-in failures look alike, are audited, and lock the account for strangers after five', async () => {
    const { email, password } = await createUser(admin, { name: 'locked' });
    const client = new Client(worker.baseUrl);
    const unknown = await client.post('/api/v1/session', { email: 'nobody@example.test', password: 'whatever it is 1' });
    assert.equal(unknown.status, 401);
    const wrong = await client.post('/api/v1/session', { email, password: 'not the password 1' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'unauthenticated');
    assert.equal(wrong.body.error.message, unknown.body.error.message, 'unknown email and wrong password are indistinguishable');
    for (let i = 0; i < 4; i += 1) {
      assert.equal((await client.post('/api/v1/session', { email, password: `wrong ${i} password` })).status, 401);
    }
    const locked = await client.post('/api/v1/session', { email, password });
    assert.equal(locked.status, 401, 'the right password is refused while locked, with the same answer');
    assert.deepEqual(locked.body, unknown.body);
    const rows = await sql(worker, `SELECT outcome, detail FROM audit_events WHERE action = 'session.sign_in' AND detail LIKE '%${email}%' ORDER BY id`);
    // Five wrong passwords (the fifth locks), then the refused right one.
    assert.equal(rows.length, 6, JSON.stringify(rows));
    assert.ok(rows.every((r) => r.outcome === 'failure'));
    assert.match(rows[3].detail, /"wrong_password"/);
    assert.match(rows[4].detail, /wrong_password_locked/);
    assert.match(rows[5].detail, /"locked"/);
    const unknownRows = await sql(worker, `SELECT outcome FROM audit_events WHERE detail LIKE '%nobody@example.test%'`);
    assert.deepEqual(unknownRows, [{ outcome: 'failure' }]);
  });

  test('the session cookie is __Host-, HttpOnly, Secure, SameSite=Lax', async () => {
    const response = await fetch(`${worker.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: worker.baseUrl },
      body: JSON.stringify(ADMIN),
    });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-session='));
    assert.ok(cookie, 'a session cookie is set');
    for (const attribute of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']) assert.ok(cookie.includes(attribute), `${attribute} in ${cookie}`);
    assert.ok(!/Domain=/i.test(cookie));
    assert.match(cookie, /^__Host-session=[0-9a-f]{64};/);
  });

  test('sign-out ends the session', async () => {
    const { client } = await createUser(admin, { name: 'leaver' });
    const cookie = client.cookies.get('__Host-session');
    assert.equal((await client.delete('/api/v1/session')).status, 204);
    const replay = new Client(worker.baseUrl);
    replay.cookies.set('__Host-session', cookie);
    assert.equal((await replay.get('/api/v1/session')).status, 401);
  });

  test('deactivation kills sessions and keys at once', async () => {
    const { user, client, email, password } = await createUser(admin, { name: 'deactivated' });
    const { bot } = await createKey(client, 'test bot', ['manage']);
    assert.equal((await bot.get('/api/v1/session')).status, 200);
    const response = await admin.patch(`/api/v1/users/${user.id}`, { active: false });
    assert.equal(response.status, 200);
    assert.equal(response.body.active, false);
    assert.equal((await client.get('/api/v1/session')).status, 401, 'session dead');
    assert.equal((await bot.get('/api/v1/session')).status, 401, 'key dead');
    const again = await new Client(worker.baseUrl).post('/api/v1/session', { email, password });
    assert.equal(again.status, 401, 'cannot sign in while inactive');
    // Reactivation does not revive the old key.
    await admin.patch(`/api/v1/users/${user.id}`, { active: true });
    assert.equal((await bot.get('/api/v1/session')).status, 401);
  });

  test('a revoked key is refused; keys are listed by prefix and never shown again', async () => {
    const { client } = await createUser(admin, { name: 'keyholder' });
    const { key, bot } = await createKey(client, 'nightly sync', ['manage']);
    assert.match(key.secret, /^eoc_[0-9a-f]{8}_[0-9a-f]{64}_[0-9a-f]{32}$/);
    assert.equal(key.api_key.prefix, key.secret.slice(0, 12));
    const listed = await client.get('/api/v1/api-keys');
    assert.deepEqual(listed.body.items.map((k) => k.name), ['nightly sync']);
    assert.ok(!listed.text.includes(key.secret.slice(13)), 'the secret part is never listed');
    assert.equal((await bot.get('/api/v1/session')).status, 200);
    const used = await client.get('/api/v1/api-keys');
    assert.equal(typeof used.body.items[0].last_used_at, 'number', 'last use recorded');
    assert.equal((await client.delete(`/api/v1/api-keys/${key.api_key.id}`)).status, 204);
    assert.equal((await bot.get('/api/v1/session')).status, 401);
    assert.equal((await client.delete(`/api/v1/api-keys/${key.api_key.id}`)).status, 404);
    const other = await createUser(admin, { name: 'other' });
    const { key: foreign } = await createKey(other.client);
    assert.equal((await client.delete(`/api/v1/api-keys/${foreign.api_key.id}`)).status, 404, 'cannot revoke another person key');
    const garbage = new Client(worker.baseUrl, { apiKey: 'eoc_00000000_' + '0'.repeat(64) });
    assert.equal((await garbage.get('/api/v1/session')).status, 401);
  });

  test('a person holds at most 100 live keys: concurrent creations never pass the cap, a refused one leaves no row, revoking makes room', async () => {
    const { client, user } = await createUser(admin, { name: 'fleet-owner' });
    for (let i = 0; i < 97; i += 1) await createKey(client, `bot ${i}`);
    const racing = await Promise.all(Array.from({ length: 6 }, (_, i) => client.post('/api/v1/api-keys', { name: `racer ${i}` })));
    assert.deepEqual(racing.map((r) => r.status).sort(), [201, 201, 201, 409, 409, 409], 'exactly the room left is taken');
    const refused = racing.find((r) => r.status === 409);
    assert.equal(refused.body.error.code, 'conflict');
    assert.match(refused.body.error.message, /100 active keys/);
    assert.equal((await client.get('/api/v1/api-keys')).body.items.length, 100);
    const rows = await sql(worker, `SELECT COUNT(*) AS n FROM api_keys WHERE user_id = '${user.id}'`);
    assert.equal(rows[0].n, 100, 'a refused creation stores no key');
    const audited = await sql(worker, `SELECT COUNT(*) AS n FROM audit_events WHERE action = 'api_key.create' AND actor_id = '${user.id}'`);
    assert.equal(audited[0].n, 100, 'nor an audit row');
    const oldest = (await client.get('/api/v1/api-keys')).body.items.at(-1);
    assert.equal((await client.delete(`/api/v1/api-keys/${oldest.id}`)).status, 204);
    assert.equal((await client.post('/api/v1/api-keys', { name: 'after revoking one' })).status, 201);
  });

  test('writes need a same-origin Origin and a JSON body', async () => {
    const foreign = new Client(worker.baseUrl, { origin: 'https://evil.example' });
    foreign.cookies = admin.cookies;
    const crossSite = await foreign.post('/api/v1/roles', { name: 'Evil' });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.body.error.code, 'forbidden');
    const none = new Client(worker.baseUrl, { origin: null });
    none.cookies = admin.cookies;
    assert.equal((await none.post('/api/v1/roles', { name: 'No origin' })).status, 403);
    const form = await admin.request('POST', '/api/v1/roles', { raw: 'name=Form', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
    assert.equal(form.body.error.code, 'unsupported_media_type');
    const broken = await admin.request('POST', '/api/v1/roles', { raw: '{"name":', headers: { 'content-type': 'application/json' } });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, 'invalid_body');
    const botForeign = new Client(worker.baseUrl, { apiKey: principals['admin bot'].apiKey, origin: 'https://evil.example' });
    assert.equal((await botForeign.post('/api/v1/roles', { name: 'Bot evil' })).status, 403);
  });

  test('the router refuses a cross-site write on every state-changing route, before the route runs', async () => {
    // Every write of the route table (edge/src/router.rs) but the bootstrap, which scripts call
    // with a secret of their own. The ids need not exist: the rule runs before the route.
    const writes = [
      ['POST', '/api/v1/session'], ['DELETE', '/api/v1/session'],
      ['POST', '/api/v1/users'], ['PATCH', '/api/v1/users/x'], ['DELETE', '/api/v1/users/x'],
      ['POST', '/api/v1/roles'], ['PATCH', '/api/v1/roles/x'], ['DELETE', '/api/v1/roles/x'],
      ['POST', '/api/v1/api-keys'], ['DELETE', '/api/v1/api-keys/x'],
      ['POST', '/api/v1/connections'], ['PATCH', '/api/v1/connections/x'], ['DELETE', '/api/v1/connections/x'],
      ['PUT', '/api/v1/connections/x/roles'], ['POST', '/api/v1/connections/x/authorize'],
      ['POST', '/api/v1/connections/x/test'], ['POST', '/api/v1/connections/x/token'],
      ['DELETE', '/api/v1/connections/x/tokens/me'], ['POST', '/api/v1/notifications/x/read'],
      ['PUT', '/api/v1/me/subscriptions'],
    ];
    const before = (await sql(worker, 'SELECT COUNT(*) AS n FROM audit_events'))[0].n;
    for (const origin of [null, 'https://evil.example']) {
      const browser = new Client(worker.baseUrl, { origin });
      browser.cookies = admin.cookies;
      for (const [method, path] of writes) {
        const response = await browser.request(method, path, { body: {} });
        assert.equal(response.status, 403, `${method} ${path} from ${origin}: ${response.text}`);
        assert.equal(response.body.error.code, 'forbidden');
      }
    }
    assert.equal((await sql(worker, 'SELECT COUNT(*) AS n FROM audit_events'))[0].n, before, 'no refused write reached a route');
    assert.equal((await admin.get('/api/v1/session')).status, 200, 'the refused sign-out did not end the session');
  });

  test('validation errors name the field', async () => {
    const cases = [
      ['/api/v1/users', { email: 'not-an-email', display_name: 'X', password: 'long enough password' }, 'email'],
      ['/api/v1/users', { email: 'short@example.test', display_name: 'X', password: 'short' }, 'password'],
      ['/api/v1/users', { email: 'roles@example.test', display_name: 'X', password: 'long enough password', role_ids: ['nope'] }, 'role_ids'],
      ['/api/v1/roles', { name: 'admin' }, 'name'],
      ['/api/v1/roles', { name: 'Fine', permissions: ['connections.delete'] }, 'permissions'],
      ['/api/v1/roles', { name: 'Fine too', member_ids: ['ghost'] }, 'member_ids'],
    ];
    for (const [path, body, field] of cases) {
      const response = await admin.post(path, body);
      assert.equal(response.status, 422, `${JSON.stringify(body)}: ${response.text}`);
      assert.equal(response.body.error.code, 'validation_failed');
      assert.equal(response.body.error.field, field);
    }
    const taken = await admin.post('/api/v1/roles', { name: 'VIEWERS' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'name_taken');
    const dupEmail = await admin.post('/api/v1/users', { email: ADMIN.email.toUpperCase(), display_name: 'Dup', password: 'long enough password' });
    assert.equal(dupEmail.status, 409);
    assert.equal(dupEmail.body.error.field, 'email');
  });

  test('system roles stay; the last admin stays an admin', async () => {
    assert.equal((await admin.delete('/api/v1/roles/role-admin')).status, 403);
    assert.equal((await admin.patch('/api/v1/roles/role-user', { name: 'Everyone' })).status, 403);
    const me = (await admin.get('/api/v1/session')).body.user;
    const demote = await admin.patch(`/api/v1/users/${me.id}`, { role_ids: ['role-user'] });
    assert.equal(demote.status, 409);
    assert.equal((await admin.patch(`/api/v1/users/${me.id}`, { active: false })).status, 409);
    assert.equal((await admin.patch('/api/v1/roles/role-admin', { member_ids: [] })).status, 409);
  });

  test('role editor data: permissions and members round-trip', async () => {
    const { user } = await createUser(admin, { name: 'member' });
    const role = await createRole(admin, { name: 'Round trip', permissions: ['connections.manage', 'connections.view'], memberIds: [user.id] });
    assert.deepEqual(role.permissions, ['connections.view', 'connections.manage']);
    assert.deepEqual(role.member_ids, [user.id]);
    const updated = await admin.patch(`/api/v1/roles/${role.id}`, { permissions: ['connections.view'], member_ids: [] });
    assert.deepEqual(updated.body.permissions, ['connections.view']);
    assert.deepEqual(updated.body.member_ids, []);
    const listed = await admin.get('/api/v1/roles?q=round');
    assert.deepEqual(listed.body.items.map((r) => r.name), ['Round trip']);
    const paged = await admin.get('/api/v1/users?limit=2');
    assert.equal(paged.body.items.length, 2);
    const next = await admin.get(`/api/v1/users?limit=2&cursor=${encodeURIComponent(paged.body.next_cursor)}`);
    assert.ok(next.body.items.every((u) => u.email > paged.body.items[1].email));
  });

  test('no response ever carries a password hash, a session id or a key hash', async () => {
    const seen = everythingSeen(...clients);
    assert.ok(seen.length > 1000, 'the scan has material');
    assert.ok(!seen.includes('$argon2'), 'no password hash');
    const hashes = (await sql(worker, 'SELECT password_hash AS h FROM users UNION ALL SELECT secret_hash FROM api_keys UNION ALL SELECT id_hash FROM sessions')).map((r) => r.h);
    assert.ok(hashes.length > 10);
    for (const hash of hashes) assert.ok(!seen.includes(hash), 'a stored hash leaked');
    for (const client of clients) {
      const session = client.cookies.get('__Host-session');
      if (!session) continue;
      const bodies = client.seen.map((s) => s.text).join('\n');
      assert.ok(!bodies.includes(session), 'a session id appeared in a body');
      assert.ok(!bodies.includes(sha256(session)));
    }
  });
});

describe('someone active keeps the Admin role, even under concurrent changes', () => {
  let worker;
  before(async () => { worker = await startWorker({ vars: { BOOTSTRAP_TOKEN } }); });
  after(async () => { await worker?.stop(); });

  test('two admins demoting each other at the same moment: exactly one wins', async () => {
    const first = await bootstrapAdmin(worker.baseUrl);
    const me = (await first.get('/api/v1/session')).body.user;
    const second = await createUser(first, { name: 'second-admin', roleIds: ['role-admin'] });
    const activeAdmins = async () => (await sql(worker,
      "SELECT COUNT(*) AS n FROM users u JOIN role_members m ON m.user_id = u.id WHERE m.role_id = 'role-admin' AND u.active = 1"))[0].n;
    const demote = (client, id) => client.patch(`/api/v1/users/${id}`, { role_ids: ['role-user'] });
    let [winner, loser] = [first, second.client];
    const ids = new Map([[first, me.id], [second.client, second.user.id]]);
    for (let round = 0; round < 4; round += 1) {
      const answers = await Promise.all([demote(winner, ids.get(loser)), demote(loser, ids.get(winner))]);
      // The first to commit wins. The other is refused by its batch's guard (409), or, when it
      // arrives after that commit, because its sender is no longer an admin (403).
      const said = answers.map((a) => a.text).join(' | ');
      assert.equal(answers.filter((a) => a.status === 200).length, 1, `round ${round}: ${said}`);
      const refused = answers.find((a) => a.status !== 200);
      assert.ok([403, 409].includes(refused.status), said);
      assert.equal(await activeAdmins(), 1, `round ${round}: one active admin left`);
      // Whoever's demotion went through first is the admin left; the other's batch failed its guard.
      const stillAdmin = answers[0].status === 200 ? winner : loser;
      assert.equal((await stillAdmin.get('/api/v1/users?limit=1')).status, 200);
      const other = stillAdmin === winner ? loser : winner;
      const back = await stillAdmin.patch(`/api/v1/users/${ids.get(other)}`, { role_ids: ['role-user', 'role-admin'] });
      assert.equal(back.status, 200, back.text);
      [winner, loser] = [stillAdmin, other];
    }
    // Alone, nobody can demote or deactivate the last admin, and a refusal writes nothing.
    await winner.patch(`/api/v1/users/${ids.get(loser)}`, { active: false });
    const alone = await winner.patch(`/api/v1/users/${ids.get(winner)}`, { role_ids: ['role-user'], display_name: 'Renamed' });
    assert.equal(alone.status, 409, alone.text);
    assert.equal(alone.body.error.code, 'conflict');
    const self = (await winner.get('/api/v1/session')).body.user;
    assert.notEqual(self.display_name, 'Renamed', 'the refused change wrote nothing');
    assert.ok(self.role_ids.includes('role-admin'));
    assert.equal((await winner.patch('/api/v1/roles/role-admin', { member_ids: [ids.get(loser)] })).status, 409, 'only an inactive member left');
    assert.equal(await activeAdmins(), 1);
  });
});

