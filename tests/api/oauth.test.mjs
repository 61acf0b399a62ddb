// The OAuth engine against the real oidc-provider through wrangler dev: every grant and client
// authentication method end to end, user tokens, refresh with and without rotation,
// invalid_grant, a refresh storm, provider faults, callback attacks, and leak scans.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, consentAtIdp, outcomeOf } from '../support/consent.mjs';
import { customInput } from '../support/connections.mjs';
import { startFaultProxy } from '../support/fault_proxy.mjs';
import { Client, everythingSeen } from '../support/http.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';
import { runCron, sql, stateBytes } from '../support/worker.mjs';

describe('OAuth engine', () => {
  let stack;
  let admin;
  let member;
  let memberBot;
  let outsider;
  let role;
  let proxy;
  const issued = [];
  const secrets = ['basic-client-secret', 'post-client-secret', 'rotating-client-secret', 'machine-client-secret', 'machine-post-client-secret'];

  before(async () => {
    // Forced refreshes back to back are the point of several tests here: no brake (trust.test.mjs
    // proves the brake).
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN, PROVIDER_TIMEOUT_MS: '2500', REFRESH_MIN_INTERVAL_SECONDS: '0' } });
    admin = await bootstrapAdmin(stack.baseUrl);
    const adminId = (await admin.get('/api/v1/session')).body.user.id;
    const m = await createUser(admin, { name: 'member' });
    member = m.client;
    memberBot = (await createKey(member, 'member bot')).bot;
    outsider = (await createUser(admin, { name: 'outsider' })).client;
    role = await createRole(admin, { name: 'Integrations', memberIds: [adminId, m.user.id] });
    proxy = await startFaultProxy(stack.idp.issuer);
  });
  after(async () => {
    await proxy?.close();
    await stack?.stop();
  });

  async function connection(overrides) {
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, overrides));
    assert.equal(created.status, 201, created.text);
    const invited = await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] });
    assert.equal(invited.status, 200, invited.text);
    return created.body;
  }

  async function token(client, id, body) {
    const response = await client.post(`/api/v1/connections/${id}/token`, body);
    if (response.status === 200) issued.push(response.body.access_token);
    return response;
  }

  async function introspect(accessToken) {
    const response = await fetch(`${stack.idp.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('basic-client:basic-client-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: accessToken }),
    });
    return response.json();
  }

  const consentCases = [
    { name: 'authorization code, client_secret_basic', overrides: { name: 'Code basic' } },
    { name: 'authorization code, client_secret_post', overrides: { name: 'Code post', client_id: 'post-client', client_secret: 'post-client-secret', client_auth_method: 'client_secret_post' } },
    { name: 'authorization code with PKCE, public client', overrides: { name: 'Code PKCE', grant_type: 'authorization_code_pkce', client_id: 'pkce-client', client_secret: undefined } },
    { name: 'authorization code with PKCE, confidential client', overrides: { name: 'Code PKCE basic', grant_type: 'authorization_code_pkce' } },
  ];
  const created = {};
  for (const { name, overrides } of consentCases) {
    test(`${name}: consent → callback → shared token the IdP calls active`, async () => {
      const c = await connection(overrides);
      created[overrides.name] = c;
      const outcome = await authorize(admin, c.id, 'shared');
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      assert.equal(outcome.purpose, 'shared');
      const url = new URL(outcome.authorizeUrl);
      assert.equal(url.searchParams.get('client_id'), c.client_id);
      assert.equal(url.searchParams.get('redirect_uri'), `${stack.baseUrl}/oauth/callback`);
      assert.equal(url.searchParams.get('scope'), 'openid offline_access api');
      assert.equal(url.searchParams.has('code_challenge'), c.grant_type === 'authorization_code_pkce');
      if (c.grant_type === 'authorization_code_pkce') assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      const response = await token(memberBot, c.id, { token_type: 'shared' });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.body.token_type, 'Bearer');
      assert.ok(response.body.expires_at > Date.now() / 1000);
      const info = await introspect(response.body.access_token);
      assert.equal(info.active, true, JSON.stringify(info));
      assert.equal(info.client_id, c.client_id);
      const detail = await admin.get(`/api/v1/connections/${c.id}`);
      assert.equal(detail.body.status, 'ready');
    });
  }

  test('a member authorizes a user token; others cannot; user and shared tokens differ', async () => {
    const c = created['Code basic'];
    const none = await token(member, c.id, { token_type: 'user' });
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, 'no_token');
    assert.match(none.body.error.message, /authorize/);
    const outcome = await authorize(member, c.id, 'user');
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    const mine = await token(member, c.id, { token_type: 'user' });
    assert.equal(mine.status, 200, mine.text);
    const shared = await token(member, c.id, { token_type: 'shared' });
    assert.notEqual(mine.body.access_token, shared.body.access_token);
    assert.equal((await introspect(mine.body.access_token)).active, true);
    const listed = await member.get('/api/v1/me/connections');
    const entry = listed.body.items.find((i) => i.connection.id === c.id);
    assert.equal(entry.my_token.status, 'valid');
    assert.ok(!listed.text.includes(mine.body.access_token));

    assert.equal((await outsider.post(`/api/v1/connections/${c.id}/authorize`, { purpose: 'user' })).status, 403);
    assert.equal((await token(outsider, c.id, { token_type: 'shared' })).status, 403);
    assert.equal((await member.post(`/api/v1/connections/${c.id}/authorize`, { purpose: 'shared' })).status, 403, 'shared needs manage');
    assert.equal((await memberBot.post(`/api/v1/connections/${c.id}/authorize`, { purpose: 'user' })).status, 403, 'consent needs a browser session');
    assert.equal((await outsider.get('/api/v1/me/connections')).body.items.length, 0);

    assert.equal((await member.delete(`/api/v1/connections/${c.id}/tokens/me`)).status, 204);
    assert.equal((await token(member, c.id, { token_type: 'user' })).status, 404, 'forgotten');
  });

  test('client credentials, basic and post: test reports, the token API fetches and caches', async () => {
    for (const [clientId, method] of [['machine-client', 'client_secret_basic'], ['machine-post-client', 'client_secret_post']]) {
      const c = await connection({ name: `Machine ${method}`, grant_type: 'client_credentials', client_id: clientId, client_secret: `${clientId}-secret`, client_auth_method: method, scopes: ['api read'] });
      const before = stack.idp.counts.client_credentials ?? 0;
      const tested = await admin.post(`/api/v1/connections/${c.id}/test`);
      assert.equal(tested.status, 200);
      assert.equal(tested.body.ok, true, tested.text);
      assert.match(tested.body.detail, /Bearer token valid for \d+ s with scope .api read./);
      const first = await token(memberBot, c.id, { token_type: 'shared' });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.scope, 'api read');
      const second = await token(memberBot, c.id, { token_type: 'shared' });
      assert.equal(second.body.access_token, first.body.access_token, 'cached in the vault');
      assert.equal(stack.idp.counts.client_credentials - before, 2, 'one for the test, one for the token API');
      assert.equal((await introspect(first.body.access_token)).active, true);
      const user = await token(memberBot, c.id, { token_type: 'user' });
      assert.equal(user.status, 422);
    }
  });

  test('refresh: force_refresh gets a new token; a rotating client keeps working', async () => {
    for (const overrides of [{ name: 'Plain refresh' }, { name: 'Rotating', client_id: 'rotating-client', client_secret: 'rotating-client-secret' }]) {
      const c = await connection(overrides);
      assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
      const [before] = await sql(stack.worker, `SELECT refresh_token FROM tokens WHERE id = '${c.id}:shared'`);
      const first = await token(memberBot, c.id, { token_type: 'shared' });
      const refreshesBefore = stack.idp.counts.refresh_token ?? 0;
      const second = await token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
      assert.equal(second.status, 200, second.text);
      assert.notEqual(second.body.access_token, first.body.access_token);
      const third = await token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
      assert.equal(third.status, 200, `${overrides.name}: the second refresh works too: ${third.text}`);
      assert.equal(stack.idp.counts.refresh_token - refreshesBefore, 2);
      const [after] = await sql(stack.worker, `SELECT refresh_token, last_refresh_at FROM tokens WHERE id = '${c.id}:shared'`);
      assert.ok(after.last_refresh_at > 0);
      assert.notEqual(after.refresh_token, before.refresh_token, 'the refresh token in the response was stored');
      assert.equal((await introspect(third.body.access_token)).active, true);
    }
  });

  test('a refresh response without refresh_token keeps the stored one (Google)', async () => {
    // The token endpoint is reached through a proxy, which then drops refresh_token.
    proxy.state.mode = 'pass';
    const c = await connection({ name: 'Omits refresh', token_url: `${proxy.url}/token` });
    assert.equal((await authorize(admin, c.id, 'shared', { withoutIss: true })).ok, true);
    proxy.state.mode = 'omit_refresh';
    const [before] = await sql(stack.worker, `SELECT refresh_token FROM tokens WHERE id = '${c.id}:shared'`);
    for (let i = 0; i < 2; i += 1) {
      const refreshed = await token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
      assert.equal(refreshed.status, 200, `refresh ${i + 1}: ${refreshed.text}`);
    }
    const [after] = await sql(stack.worker, `SELECT refresh_token FROM tokens WHERE id = '${c.id}:shared'`);
    assert.equal(after.refresh_token, before.refresh_token, 'the stored refresh token is untouched');
    proxy.state.mode = 'pass';
  });

  test('response quirks: instance_url is kept and returned; no expires_in means the default lifetime', async () => {
    const c = await connection({ name: 'Quirky', grant_type: 'client_credentials', client_id: 'machine-client', client_secret: 'machine-client-secret', token_url: `${proxy.url}/token`, scopes: ['api'] });
    proxy.state.mode = 'instance_url';
    const salesforceLike = await token(memberBot, c.id, { token_type: 'shared' });
    assert.equal(salesforceLike.status, 200, salesforceLike.text);
    assert.equal(salesforceLike.body.instance_url, 'https://acme.my.salesforce.com');
    proxy.state.mode = 'no_expiry';
    const started = Math.floor(Date.now() / 1000);
    const undated = await token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
    assert.equal(undated.status, 200, undated.text);
    assert.ok(Math.abs(undated.body.expires_at - (started + 3600)) <= 5, `default 3600 s: ${undated.body.expires_at - started}`);
    assert.equal(undated.body.instance_url, 'https://acme.my.salesforce.com', 'kept from the earlier answer');
    proxy.state.mode = 'pass';
  });

  test('an invalid_grant caused by our own lost attempt is not a reauth', async () => {
    proxy.state.mode = 'pass';
    const c = await connection({ name: 'Lost answer', client_id: 'rotating-client', client_secret: 'rotating-client-secret', token_url: `${proxy.url}/token` });
    assert.equal((await authorize(admin, c.id, 'shared', { withoutIss: true })).ok, true);
    const good = await token(memberBot, c.id, { token_type: 'shared' });
    proxy.state.mode = 'lose_answer_once';
    const answer = await token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.access_token, good.body.access_token, 'the last good token is served');
    assert.notEqual((await admin.get(`/api/v1/connections/${c.id}`)).body.status, 'needs_reauth');
    const [row] = await sql(stack.worker, `SELECT status, last_error FROM tokens WHERE id = '${c.id}:shared'`);
    assert.equal(row.status, 'valid');
    // What people read is generic (trust rules); the detail (a lost answer) is in the worker log.
    assert.match(row.last_error, /could not be reached or did not answer with a token/);
    proxy.state.mode = 'pass';
  });

  test('invalid_grant after the grant is revoked: reauth_required and needs_reauth', async () => {
    const c = await connection({ name: 'Revoked' });
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    const live = await token(memberBot, c.id, { token_type: 'shared' });
    const found = await stack.idp.provider.AccessToken.find(live.body.access_token);
    const grant = await stack.idp.provider.Grant.find(found.grantId);
    await grant.destroy();
    const refused = await token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'reauth_required');
    const detail = await admin.get(`/api/v1/connections/${c.id}`);
    assert.equal(detail.body.status, 'needs_reauth');
    const refreshes = stack.idp.counts['refresh_token:error'] ?? 0;
    const again = await token(memberBot, c.id, { token_type: 'shared' });
    assert.equal(again.body.error.code, 'reauth_required');
    assert.equal(stack.idp.counts['refresh_token:error'] ?? 0, refreshes, 'no second call to the provider');
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true, 'a new consent heals it');
    assert.equal((await admin.get(`/api/v1/connections/${c.id}`)).body.status, 'ready');
    assert.equal((await token(memberBot, c.id, { token_type: 'shared' })).status, 200);
  });

  // A refresh in flight when someone consents again: its answer (or its failure) belongs to the
  // set it started from, which the consent replaced; the new grant stays, and whoever waited
  // for the refresh gets the new grant's token.
  const grantOf = async (accessToken) => (await stack.idp.provider.AccessToken.find(accessToken)).grantId;
  async function refreshHeldAcrossConsent(name, whileHeld) {
    proxy.state.mode = 'pass';
    const c = await connection({ name, token_url: `${proxy.url}/token` });
    assert.equal((await authorize(admin, c.id, 'shared', { withoutIss: true })).ok, true);
    const oldGrant = await grantOf((await token(memberBot, c.id, { token_type: 'shared' })).body.access_token);
    proxy.state.mode = 'hold_once';
    const inFlight = token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
    for (let i = 0; i < 100 && !proxy.holding(); i += 1) await new Promise((r) => setTimeout(r, 50));
    assert.ok(proxy.holding(), 'the refresh reached the token endpoint');
    assert.equal((await authorize(admin, c.id, 'shared', { withoutIss: true })).ok, true, 'consent again meanwhile');
    await whileHeld(oldGrant);
    proxy.release();
    const waited = await inFlight;
    assert.equal(waited.status, 200, waited.text);
    assert.notEqual(await grantOf(waited.body.access_token), oldGrant, 'the caller who waited gets the new grant');
    const later = await token(memberBot, c.id, { token_type: 'shared' });
    assert.notEqual(await grantOf(later.body.access_token), oldGrant, 'D1 keeps the new grant');
    assert.equal((await admin.get(`/api/v1/connections/${c.id}`)).body.status, 'ready');
    const [row] = await sql(stack.worker, `SELECT status FROM tokens WHERE id = '${c.id}:shared'`);
    assert.equal(row.status, 'valid');
  }

  test('a refresh in flight does not overwrite a new consent', async () => {
    await refreshHeldAcrossConsent('Raced refresh', async () => {});
  });

  test('a refresh in flight that fails after a new consent marks nothing', async () => {
    await refreshHeldAcrossConsent('Raced failure', async (oldGrant) => {
      // The old grant is gone at the IdP: the held refresh will answer invalid_grant.
      await (await stack.idp.provider.Grant.find(oldGrant)).destroy();
    });
  });

  test('refresh storm: 100 concurrent calls on an expired token, one refresh at the IdP', async () => {
    stack.idp.settings.accessTokenTtl = 2;
    const c = await connection({ name: 'Storm' });
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    stack.idp.settings.accessTokenTtl = 3600;
    await new Promise((r) => setTimeout(r, 2500));
    const before = stack.idp.counts.refresh_token ?? 0;
    const answers = await Promise.all(Array.from({ length: 100 }, () => token(memberBot, c.id, { token_type: 'shared', min_valid_seconds: 30 })));
    const statuses = answers.map((a) => a.status);
    assert.deepEqual([...new Set(statuses)], [200], JSON.stringify(answers.find((a) => a.status !== 200)?.body));
    assert.equal(new Set(answers.map((a) => a.body.access_token)).size, 1, 'everyone got the same fresh token');
    assert.equal(stack.idp.counts.refresh_token - before, 1, 'exactly one refresh');
  });

  test('the cron refreshes tokens that expire within 15 minutes, and only those', async () => {
    stack.idp.settings.accessTokenTtl = 600;
    const soon = await connection({ name: 'Expiring soon' });
    assert.equal((await authorize(admin, soon.id, 'shared')).ok, true);
    stack.idp.settings.accessTokenTtl = 3600;
    const later = await connection({ name: 'Expiring later' });
    assert.equal((await authorize(admin, later.id, 'shared')).ok, true);
    const before = stack.idp.counts.refresh_token ?? 0;
    // A scheduled event, delivered to the worker's scheduled handler as the [triggers] cron is.
    await runCron(stack.baseUrl);
    const rows = await sql(stack.worker, `SELECT id, last_refresh_at, expires_at FROM tokens WHERE id IN ('${soon.id}:shared', '${later.id}:shared') ORDER BY id`);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.ok(byId[`${soon.id}:shared`].last_refresh_at > 0, 'the expiring token was renewed');
    assert.ok(byId[`${soon.id}:shared`].expires_at > Date.now() / 1000 + 3000, 'now valid for the full hour');
    assert.equal(byId[`${later.id}:shared`].last_refresh_at, null, 'the fresh one was left alone');
    assert.ok(stack.idp.counts.refresh_token - before >= 1);
  });

  test('provider faults: bounded retries, the right code, the last good token while valid', async () => {
    const c = await connection({ name: 'Faulty', grant_type: 'client_credentials', client_id: 'machine-client', client_secret: 'machine-client-secret', token_url: `${proxy.url}/token`, scopes: ['api'] });
    proxy.state.mode = 'pass';
    const good = await token(memberBot, c.id, { token_type: 'shared' });
    assert.equal(good.status, 200, good.text);
    for (const mode of ['500', 'html', 'error200', 'hang']) {
      proxy.state.mode = mode;
      proxy.state.hits = 0;
      const still = await token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
      assert.equal(still.status, 200, `${mode}: ${still.text}`);
      assert.equal(still.body.access_token, good.body.access_token, `${mode}: the last good token is served`);
      assert.equal(proxy.state.hits, 3, `${mode}: three attempts`);
    }
    proxy.state.mode = 'invalid_client';
    proxy.state.hits = 0;
    const refused = await token(memberBot, c.id, { token_type: 'shared', force_refresh: true });
    assert.equal(refused.status, 502, refused.text);
    assert.equal(refused.body.error.code, 'provider_error');
    assert.equal(proxy.state.hits, 1, 'a refusal is not retried');

    const fresh = await connection({ name: 'Faulty fresh', grant_type: 'client_credentials', client_id: 'machine-client', client_secret: 'machine-client-secret', token_url: `${proxy.url}/token`, scopes: ['api'] });
    proxy.state.mode = '500';
    const none = await token(memberBot, fresh.id, { token_type: 'shared' });
    assert.equal(none.status, 503);
    assert.equal(none.body.error.code, 'provider_unavailable');
    assert.ok(!none.text.includes('leaky-token'), 'provider bodies are never echoed');
    proxy.state.mode = 'pass';
  });

  test('callback attacks are refused and store nothing', async () => {
    const c = created['Code post'];
    const count = async () => (await sql(stack.worker, 'SELECT COUNT(*) AS n FROM tokens'))[0].n;
    const before = await count();
    const start = async (client = admin) => {
      const started = await client.post(`/api/v1/connections/${c.id}/authorize`, { purpose: 'shared' });
      return consentAtIdp(started.body.authorize_url, stack.baseUrl);
    };
    const expectRefused = async (client, path, code) => {
      const page = await client.get(path);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy'), /script-src 'nonce-/);
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      const outcome = outcomeOf(page.text);
      assert.equal(outcome.ok, false, path);
      assert.equal(outcome.code, code, `${path}: ${outcome.message}`);
      return outcome;
    };
    await expectRefused(admin, '/oauth/callback?code=abc', 'state_invalid');
    await expectRefused(admin, '/oauth/callback?code=abc&state=0000', 'state_invalid');
    const used = await start();
    assert.equal(outcomeOf((await admin.get(used)).text).ok, true);
    await expectRefused(admin, used, 'state_invalid');
    const expired = await start();
    await sql(stack.worker, 'UPDATE oauth_transactions SET expires_at = 0');
    await expectRefused(admin, expired, 'state_invalid');
    const foreign = await start();
    const otherSession = new Client(stack.baseUrl);
    otherSession.cookies = member.cookies;
    assert.match((await expectRefused(otherSession, foreign, 'state_invalid')).message, /another browser session/);
    const wrongIss = await start();
    await expectRefused(admin, wrongIss.replace(/iss=[^&]+/, `iss=${encodeURIComponent('http://127.0.0.1:1')}`), 'state_invalid');
    const denied = await start();
    const state = new URL(denied, stack.baseUrl).searchParams.get('state');
    const declined = await expectRefused(admin, `/oauth/callback?state=${state}&error=access_denied`, 'provider_error');
    assert.match(declined.message, /declined/);
    assert.equal(await count(), before + 0, 'nothing stored by any refused callback (the one good run replaced a token)');
  });

  test('no response but the token API, no log line, no stored byte carries a token or a secret', async () => {
    assert.ok(issued.length > 20);
    const clients = [admin, member, memberBot, outsider];
    const nonToken = clients.flatMap((c) => c.seen.filter((s) => !/\/token$/.test(s.path))).map((s) => `${s.path}\n${JSON.stringify(s.headers)}\n${s.text}`).join('\n');
    const logs = stack.worker.logs();
    const bytes = stateBytes(stack.worker);
    for (const secret of [...new Set(issued), ...secrets]) {
      assert.ok(!nonToken.includes(secret), `a non-token response carries ${secret.slice(0, 6)}…`);
      assert.ok(!logs.includes(secret), `the worker log carries ${secret.slice(0, 6)}…`);
      assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `D1 stores ${secret.slice(0, 6)}… in plaintext`);
    }
    const urls = clients.flatMap((c) => c.seen.map((s) => s.path)).join('\n');
    for (const t of issued) assert.ok(!urls.includes(t));
    assert.ok(everythingSeen(...clients).length > 0);
  });
});
