// The trust boundary (ARCHITECTURE.md, Rules), tried as an attacker with a manager account, a bot key or a
// stolen callback URL would: credentials go only where they were entered for, a consent finishes
// only for a live session that still has the right, one outbound URL rule, a brake on refreshes,
// and revocation that holds even when an object reset is lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { authorize, consentAtIdp, outcomeOf } from '../support/consent.mjs';
import { customInput } from '../support/connections.mjs';
import { Client } from '../support/http.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';
import { runCron, sql, startWorker } from '../support/worker.mjs';

/** A host an attacker controls: records every request it gets, answers like `answer` says. */
async function startCapture(answer = (res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>not a token endpoint</html>'); }) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

const until = async (what, check, ms = 8000) => {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
};

describe('trust boundary', () => {
  let stack;
  let admin;
  let manager;
  let member;
  let memberBot;
  let role;
  let managers;
  let evil;

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    const adminId = (await admin.get('/api/v1/session')).body.user.id;
    managers = await createRole(admin, { name: 'Connection managers', permissions: ['connections.view', 'connections.manage'] });
    manager = await createUser(admin, { name: 'manager', roleIds: [managers.id] });
    member = await createUser(admin, { name: 'member' });
    memberBot = (await createKey(member.client, 'member bot')).bot;
    role = await createRole(admin, { name: 'Users of it', memberIds: [adminId, member.user.id, manager.user.id] });
    evil = await startCapture();
  });
  after(async () => {
    await evil?.close();
    await stack?.stop();
  });

  async function connection(overrides) {
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, overrides));
    assert.equal(created.status, 201, created.text);
    assert.equal((await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] })).status, 200);
    return created.body;
  }

  const tokensOf = (id) => sql(stack.worker, `SELECT id, refresh_token FROM tokens WHERE connection_id = '${id}' ORDER BY id`);

  test('changing where credentials go needs the secret in the same request, for every such field', async () => {
    const c = await connection({ name: 'Guarded' });
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    const moves = {
      token_url: `${evil.url}/token`,
      authorization_url: `${evil.url}/authorize`,
      client_id: 'attacker-client',
      client_auth_method: 'client_secret_post',
      grant_type: 'authorization_code_pkce',
    };
    for (const [field, value] of Object.entries(moves)) {
      const refused = await manager.client.patch(`/api/v1/connections/${c.id}`, { [field]: value });
      assert.equal(refused.status, 422, `${field}: ${refused.text}`);
      assert.equal(refused.body.error.code, 'validation_failed');
      assert.equal(refused.body.error.field, 'client_secret', field);
      assert.equal(refused.body.error.reason, 'secret_required', field);
    }
    for (const client_secret of ['', '   ', null]) {
      const refused = await manager.client.patch(`/api/v1/connections/${c.id}`, { token_url: `${evil.url}/token`, client_secret });
      assert.equal(refused.body?.error?.reason, 'secret_required', `secret ${JSON.stringify(client_secret)}: ${refused.text}`);
    }
    const unchanged = await admin.get(`/api/v1/connections/${c.id}`);
    assert.equal(unchanged.body.token_url, c.token_url, 'a refused save changes nothing');
    assert.equal(unchanged.body.status, 'ready');
    assert.equal((await tokensOf(c.id)).length, 1, 'the token is still there');
    // Harmless edits still need no secret.
    assert.equal((await manager.client.patch(`/api/v1/connections/${c.id}`, { description: 'renamed' })).status, 200);
  });

  test('a destination change drops every token, resets the vault, cancels consents, notifies and audits', async () => {
    const c = await connection({ name: 'Redirected' });
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    assert.equal((await authorize(member.client, c.id, 'user')).ok, true);
    const warm = await memberBot.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared' });
    assert.equal(warm.status, 200, warm.text);
    const stored = await tokensOf(c.id);
    assert.equal(stored.length, 2);
    // A consent in flight, started against the old destination.
    const pending = await member.client.post(`/api/v1/connections/${c.id}/authorize`, { purpose: 'user' });
    assert.equal(pending.status, 200);
    const callback = await consentAtIdp(pending.body.authorize_url, stack.baseUrl);

    const moved = await manager.client.patch(`/api/v1/connections/${c.id}`, { token_url: `${evil.url}/token`, client_secret: 'chosen-by-the-manager' });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.status, 'draft');
    assert.equal(moved.body.shared_token ?? null, null);
    assert.deepEqual(await tokensOf(c.id), [], 'every token of the connection is gone');

    // The vault was told before the PATCH answered: no token, and nothing sent anywhere.
    const plain = await memberBot.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared' });
    assert.equal(plain.status, 404, `the cached access token was dropped too: ${plain.text}`);
    const after = await memberBot.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared', force_refresh: true });
    assert.equal(after.status, 404, after.text);
    assert.equal(after.body.error.code, 'no_token');
    const finished = outcomeOf((await member.client.get(callback)).text);
    assert.equal(finished.ok, false, 'the consent started before the change does not finish');
    assert.equal(finished.code, 'state_invalid');
    assert.deepEqual(evil.seen, [], 'the new host received nothing');

    const audit = await admin.get(`/api/v1/audit?action=connection.update&target=${c.id}`);
    const event = audit.body.items.find((e) => e.detail.destination_changed);
    assert.ok(event, JSON.stringify(audit.body.items));
    assert.deepEqual(event.detail.destination_changed, ['token_url']);
    assert.equal(event.detail.tokens_dropped, 2);
    const told = await member.client.get('/api/v1/notifications');
    assert.ok(told.body.items.some((n) => n.connection_id === c.id && n.kind === 'connection_needs_reauth'), told.text);
  });

  test('a token set remembers its token endpoint: a refresh token is never sent to another one', async () => {
    const c = await connection({ name: 'Pinned' });
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    const [row] = await sql(stack.worker, `SELECT token_url FROM tokens WHERE id = '${c.id}:shared'`);
    assert.equal(row.token_url, c.token_url);
    // Behind the API's back (a bug, a restore, a bad migration): the connection points elsewhere.
    await sql(stack.worker, `UPDATE connections SET token_url = '${evil.url}/token' WHERE id = '${c.id}'`);
    const refused = await memberBot.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared', force_refresh: true });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'reauth_required');
    assert.deepEqual(evil.seen, [], 'the refresh token stayed home');
  });

  test('a public client (no secret) is pointed elsewhere by an admin only', async () => {
    const c = await connection({ name: 'Public client', grant_type: 'authorization_code_pkce', client_id: 'pkce-client', client_secret: undefined });
    const refused = await manager.client.patch(`/api/v1/connections/${c.id}`, { token_url: `${evil.url}/token` });
    assert.equal(refused.status, 403, refused.text);
    assert.equal((await admin.patch(`/api/v1/connections/${c.id}`, { token_url: `${evil.url}/token` })).status, 200);
  });

  test('concurrent edits: each is applied whole or refused with conflict, never merged from a stale read', async () => {
    const c = await connection({ name: 'Contended' });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => manager.client.patch(`/api/v1/connections/${c.id}`, { description: `edit ${i}` })));
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.every((st) => st === 200 || st === 409), JSON.stringify(answers.map((a) => a.text)));
    assert.ok(statuses.includes(200));
    for (const a of answers.filter((x) => x.status === 409)) assert.equal(a.body.error.code, 'conflict');
    const audited = await admin.get(`/api/v1/audit?action=connection.update&target=${c.id}`);
    assert.equal(audited.body.items.length, statuses.filter((st) => st === 200).length, 'only applied edits are audited');
  });

  describe('the callback finishes only for a live session that still has the right', () => {
    async function started(client, c, purpose = 'shared') {
      const response = await client.post(`/api/v1/connections/${c.id}/authorize`, { purpose });
      assert.equal(response.status, 200, response.text);
      return consentAtIdp(response.body.authorize_url, stack.baseUrl);
    }
    const withCookies = (cookies) => {
      const client = new Client(stack.baseUrl);
      for (const [k, v] of cookies) client.cookies.set(k, v);
      return client;
    };

    test('after sign-out the old cookie finishes nothing', async () => {
      const c = await connection({ name: 'Signed out' });
      const someone = await createUser(admin, { name: 'leaver', roleIds: [managers.id] });
      const callback = await started(someone.client, c);
      const cookies = new Map(someone.client.cookies);
      assert.equal((await someone.client.delete('/api/v1/session')).status, 204);
      const outcome = outcomeOf((await withCookies(cookies).get(callback)).text);
      assert.equal(outcome.ok, false);
      assert.equal(outcome.code, 'state_invalid');
      assert.deepEqual(await tokensOf(c.id), [], 'no shared token was saved');
    });

    test('a deactivated or demoted person cannot finish what they started', async () => {
      const c = await connection({ name: 'Demoted' });
      const gone = await createUser(admin, { name: 'deactivated', roleIds: [managers.id] });
      const gonesCallback = await started(gone.client, c);
      const gonesCookies = new Map(gone.client.cookies);
      const demoted = await createUser(admin, { name: 'demoted', roleIds: [managers.id] });
      const demotedsCallback = await started(demoted.client, c);
      assert.equal((await admin.patch(`/api/v1/users/${gone.user.id}`, { active: false })).status, 200);
      assert.equal((await admin.patch(`/api/v1/users/${demoted.user.id}`, { role_ids: ['role-user'] })).status, 200);
      for (const [who, client, callback] of [['deactivated', withCookies(gonesCookies), gonesCallback], ['demoted', demoted.client, demotedsCallback]]) {
        const outcome = outcomeOf((await client.get(callback)).text);
        assert.equal(outcome.ok, false, who);
        assert.equal(outcome.code, 'state_invalid', who);
      }
      assert.deepEqual(await tokensOf(c.id), []);
      const left = await sql(stack.worker, `SELECT COUNT(*) AS n FROM oauth_transactions WHERE user_id IN ('${gone.user.id}', '${demoted.user.id}')`);
      assert.equal(left[0].n, 0, 'their pending consents were deleted');
    });

    test('rights are checked again when the consent finishes', async () => {
      const c = await connection({ name: 'Rights at finish' });
      const leaving = await createUser(admin, { name: 'leaving' });
      const own = await createRole(admin, { name: 'Leaving role', memberIds: [leaving.user.id] });
      assert.equal((await admin.put(`/api/v1/connections/${c.id}/roles`, { role_ids: [role.id, own.id] })).status, 200);
      const callback = await started(leaving.client, c, 'user');
      // Behind the API's back, so the pending transaction is not swept: only the finish-time
      // check can refuse it.
      await sql(stack.worker, `DELETE FROM role_members WHERE user_id = '${leaving.user.id}'`);
      const outcome = outcomeOf((await leaving.client.get(callback)).text);
      assert.equal(outcome.ok, false, JSON.stringify(outcome));
      assert.match(outcome.message, /no longer allowed/);
      assert.deepEqual(await tokensOf(c.id), []);
    });

    test('a stranger holding the callback URL cannot use it, nor burn it', async () => {
      const c = await connection({ name: 'Stolen link' });
      const callback = await started(admin, c);
      for (const stranger of [new Client(stack.baseUrl), member.client]) {
        const outcome = outcomeOf((await stranger.get(callback)).text);
        assert.equal(outcome.ok, false);
        assert.equal(outcome.code, 'state_invalid');
      }
      const owners = outcomeOf((await admin.get(callback)).text);
      assert.equal(owners.ok, true, JSON.stringify(owners));
      assert.equal((await tokensOf(c.id)).length, 1);
    });
  });

  test('network failures read the same to callers, whatever the target', async () => {
    const closed = await startCapture();
    const closedUrl = closed.url;
    await closed.close();
    const details = [];
    for (const [name, target] of [['open not a token endpoint', evil.url], ['closed port', closedUrl]]) {
      const c = await connection({ name: `Probe ${name}`, grant_type: 'client_credentials', client_id: 'machine-client', client_secret: 'machine-client-secret', token_url: `${target}/token`, scopes: ['api'] });
      const tested = await admin.post(`/api/v1/connections/${c.id}/test`);
      assert.equal(tested.status, 200, tested.text);
      assert.equal(tested.body.ok, false, name);
      details.push(tested.body.detail);
      const token = await memberBot.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared' });
      assert.equal(token.body.error.code, 'provider_unavailable', name);
      details.push(token.body.error.message);
    }
    assert.equal(new Set(details.filter((_, i) => i % 2 === 0)).size, 1, `test details differ: ${JSON.stringify(details)}`);
    assert.equal(new Set(details.filter((_, i) => i % 2 === 1)).size, 1, `token API messages differ: ${JSON.stringify(details)}`);
    assert.ok(details.every((d) => !/refused|ECONN|html|127\.0\.0\.1/i.test(d)), JSON.stringify(details));
    evil.seen.length = 0;
  });

  test('a loopback-looking name is not loopback, even with the dev opt-in', async () => {
    for (const [i, token_url] of ['http://127.attacker.example/token', 'http://127.0.0.1.nip.io/token', 'http://localhost.attacker.example/token'].entries()) {
      const refused = await admin.post('/api/v1/connections', customInput(stack.idp, { name: `Fake loopback ${i}`, token_url }));
      assert.equal(refused.status, 422, `${token_url}: ${refused.text}`);
      assert.equal(refused.body.error.field, 'token_url');
    }
  });
});

describe('the outbound URL rule without the dev opt-in (a deployment)', () => {
  let worker;
  let admin;
  before(async () => {
    worker = await startWorker({ vars: { BOOTSTRAP_TOKEN, ALLOW_PRIVATE_ENDPOINTS: '0' } });
    admin = await bootstrapAdmin(worker.baseUrl);
  });
  after(async () => { await worker?.stop(); });

  test('loopback, private, link-local, mapped and odd numeric hosts are refused; public https is not', async () => {
    const config = await admin.get('/api/v1/config');
    assert.equal(config.body.endpoint_policy, 'public_only', config.text);
    const hostile = [
      'http://127.0.0.1:9000/token', 'https://127.0.0.1/token', 'http://localhost:2024/token', 'https://localhost/token',
      'https://169.254.169.254/latest/meta-data', 'https://10.0.0.5/token', 'https://192.168.1.1/token', 'https://172.16.0.1/token',
      'https://100.64.0.1/token', 'https://[::1]/token', 'https://[fd00::1]/token', 'https://[fe80::1]/token',
      'https://[::ffff:127.0.0.1]/token', 'https://[::ffff:a9fe:a9fe]/token', 'https://2130706433/token', 'https://0x7f000001/token',
      'https://0177.0.0.1/token', 'https://127.1/token', 'https://0.0.0.0/token', 'https://intranet/token', 'https://idp.internal/token',
      'https://good.example@127.0.0.1/token', 'http://idp.example.com/token', 'https://xn--.example.com/token',
    ];
    for (const [i, token_url] of hostile.entries()) {
      const input = { provider: 'custom', name: `Hostile ${i}`, grant_type: 'client_credentials', client_id: 'c', client_secret: 's', token_url, scopes: ['api'] };
      const refused = await admin.post('/api/v1/connections', input);
      assert.equal(refused.status, 422, `${token_url} was accepted: ${refused.text}`);
      assert.equal(refused.body.error.field, 'token_url', token_url);
    }
    const good = await admin.post('/api/v1/connections', { provider: 'custom', name: 'Public', grant_type: 'client_credentials', client_id: 'c', client_secret: 's', token_url: 'https://login.example.com:8443/oauth2/token', scopes: ['api'] });
    assert.equal(good.status, 201, good.text);
  });
});

describe('refresh brake', () => {
  let stack;
  let admin;
  let bot;
  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    const adminId = (await admin.get('/api/v1/session')).body.user.id;
    const role = await createRole(admin, { name: 'Brake', memberIds: [adminId] });
    bot = (await createKey(admin, 'eager bot')).bot;
    const c = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Braked' }));
    assert.equal((await admin.put(`/api/v1/connections/${c.body.id}/roles`, { role_ids: [role.id] })).status, 200);
    stack.connection = c.body;
    assert.equal((await authorize(admin, c.body.id, 'shared')).ok, true);
  });
  after(async () => { await stack?.stop(); });

  test('at most one refresh per token per 30 s however asked; callers in the window get the fresh token; forced ones are audited', async () => {
    const id = stack.connection.id;
    const before = stack.idp.counts.refresh_token ?? 0;
    const answers = [];
    for (let i = 0; i < 10; i += 1) answers.push(await bot.post(`/api/v1/connections/${id}/token`, { token_type: 'shared', force_refresh: true }));
    answers.push(await bot.post(`/api/v1/connections/${id}/token`, { token_type: 'shared', min_valid_seconds: 86400 }));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], JSON.stringify(answers.find((a) => a.status !== 200)?.body));
    assert.equal((stack.idp.counts.refresh_token ?? 0) - before, 1, 'one refresh at the provider');
    assert.equal(new Set(answers.map((a) => a.body.access_token)).size, 1, 'everyone got the fresh token');
    const forced = await until('the forced refreshes in the audit log', async () => {
      const rows = await sql(stack.worker, "SELECT COALESCE(SUM(json_extract(detail, '$.count')), 0) AS n FROM audit_events WHERE action = 'token.force_refresh'");
      return rows[0].n >= 10 ? rows[0].n : null;
    });
    assert.equal(forced, 10);
  });
});

describe('a failing provider is not asked again within the interval', () => {
  test('the failure is answered from memory, without another call or notification', async () => {
    let hits = 0;
    const failing = await startCapture((res) => { hits += 1; res.writeHead(500); res.end(); });
    const stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    try {
      const admin = await bootstrapAdmin(stack.baseUrl);
      const adminId = (await admin.get('/api/v1/session')).body.user.id;
      const role = await createRole(admin, { name: 'Failing', memberIds: [adminId] });
      const created = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Failing machine', grant_type: 'client_credentials', client_id: 'machine-client', client_secret: 'machine-client-secret', token_url: `${failing.url}/token`, scopes: ['api'] }));
      assert.equal((await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] })).status, 200);
      const { bot } = await createKey(admin, 'eager');
      const first = await bot.post(`/api/v1/connections/${created.body.id}/token`, { token_type: 'shared' });
      assert.equal(first.body.error.code, 'provider_unavailable');
      const tried = hits;
      assert.ok(tried >= 1);
      for (let i = 0; i < 5; i += 1) {
        const again = await bot.post(`/api/v1/connections/${created.body.id}/token`, { token_type: 'shared', force_refresh: true });
        assert.equal(again.body.error.code, 'provider_unavailable');
      }
      assert.equal(hits, tried, 'no further call inside the interval');
    } finally {
      await stack.stop();
      await failing.close();
    }
  });
});

describe('revocation is at-least-once and access memory is bounded', () => {
  for (const [title, memory] of [['a lost reset is retried until the object acknowledges', '60'], ['what an object knows expires after its bound even if every reset is lost', '2']]) {
    test(title, async () => {
      const stack = await startStack({ vars: { BOOTSTRAP_TOKEN, ACCESS_MEMORY_SECONDS: memory } });
      try {
        const admin = await bootstrapAdmin(stack.baseUrl);
        const adminId = (await admin.get('/api/v1/session')).body.user.id;
        const role = await createRole(admin, { name: 'Revoked', memberIds: [adminId] });
        const created = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Machine', grant_type: 'client_credentials', client_id: 'machine-client', client_secret: 'machine-client-secret', scopes: ['api'] }));
        assert.equal((await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] })).status, 200);
        const { key, bot } = await createKey(admin, 'soon revoked');
        const call = () => bot.post(`/api/v1/connections/${created.body.id}/token`, { token_type: 'shared' });
        assert.equal((await call()).status, 200, 'the token\u2019s vault knows the key');
        const faults = (fail) => fetch(`${stack.baseUrl}/api/v1/_test/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fail_resets: fail }) });
        assert.equal((await faults(true)).status, 200);
        // A new name, description or member order changes nobody's access: nothing to reset.
        const renamed = await admin.patch(`/api/v1/roles/${role.id}`, { name: 'Renamed', description: 'only words', member_ids: [adminId] });
        assert.equal(renamed.status, 200, renamed.text);
        // (The connection list shows role names, so its memory is reset: owed too, as resets fail.)
        // Nor does inviting the roles that are invited already.
        assert.equal((await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] })).status, 200);
        assert.deepEqual(await sql(stack.worker, "SELECT binding FROM pending_resets WHERE binding != 'LIST_MEMORY'"), [], 'a rename or the same invites reset no key gate or vault');
        const revoked = await admin.delete(`/api/v1/api-keys/${key.api_key.id}`);
        assert.equal(revoked.status, 204, 'the change committed; the lost reset is not the caller\'s failure');
        const owed = await sql(stack.worker, "SELECT binding FROM pending_resets WHERE binding != 'LIST_MEMORY'");
        // The key's gate and the vault that checked the key (one-hop token API) were both owed.
        assert.deepEqual(owed.map((r) => r.binding).sort(), ['KEY_GATE', 'TOKEN_VAULT'], 'the unacknowledged resets are remembered');
        if (memory === '60') {
          assert.equal((await faults(false)).status, 200);
          await runCron(stack.baseUrl);
          assert.deepEqual(await sql(stack.worker, 'SELECT * FROM pending_resets'), []);
        } else {
          await new Promise((r) => setTimeout(r, 2300));
        }
        const refused = await call();
        assert.equal(refused.status, 401, refused.text);
      } finally {
        await stack.stop();
      }
    });
  }
});
