// Discovery auto-fill and revocation at the provider (RFC 7009), against the real oidc-provider:
// what discovery fills and every way it refuses; RFC 9207 `iss` required once announced; dropped
// tokens (delete, forget, destination change, lost access, a client-credentials connection's new
// secret) revoked at the IdP, whose introspection then calls them inactive; a failing or hanging
// revocation endpoint neither delays nor fails the action, is audited, and is retried by the cron.
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize } from '../support/consent.mjs';
import { customInput } from '../support/connections.mjs';
import { startFaultProxy } from '../support/fault_proxy.mjs';
import { everythingSeen } from '../support/http.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createRole, createUser } from '../support/people.mjs';
import { freePort } from '../support/ports.mjs';
import { startStack } from '../support/stack.mjs';
import { runCron, sql } from '../support/worker.mjs';

/** A loopback server answering every path with what `answer(path)` returns: [status, body]. */
async function metadataServer(answer) {
  const server = http.createServer((req, res) => {
    const [status, body, type = 'application/json'] = answer(req.url);
    res.writeHead(status, { 'content-type': type }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }) };
}

/** Poll until `check()` is truthy (the revocation runs after the answer). */
async function eventually(check, what, limitMs = 8000) {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`not within ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('discovery and revocation at the provider', () => {
  let stack;
  let admin;
  let member;
  let memberUser;
  let role;
  let proxy;
  const servers = [];

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN, PROVIDER_TIMEOUT_MS: '2500' } });
    admin = await bootstrapAdmin(stack.baseUrl);
    const adminId = (await admin.get('/api/v1/session')).body.user.id;
    const m = await createUser(admin, { name: 'member' });
    member = m.client;
    memberUser = m.user;
    role = await createRole(admin, { name: 'Revokers', memberIds: [adminId, m.user.id] });
    proxy = await startFaultProxy(stack.idp.issuer);
  });
  after(async () => {
    for (const s of servers) await s.close();
    await proxy?.close();
    await stack?.stop();
  });

  const discover = (client, issuer) => client.post('/api/v1/discovery', { issuer });

  async function introspect(token) {
    const response = await fetch(`${stack.idp.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('basic-client:basic-client-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    return response.json();
  }

  async function connection(overrides) {
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, {
      revocation_url: `${stack.idp.issuer}/token/revocation`, ...overrides,
    }));
    assert.equal(created.status, 201, created.text);
    const invited = await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] });
    assert.equal(invited.status, 200, invited.text);
    return created.body;
  }

  /** Consent as `client` for `purpose`; returns the refresh token the IdP issued for it. */
  async function consentFor(client, id, purpose) {
    const before = stack.idp.refreshTokens.length;
    const outcome = await authorize(client, id, purpose);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(stack.idp.refreshTokens.length, before + 1, 'the IdP issued one refresh token');
    const token = stack.idp.refreshTokens.at(-1);
    assert.equal((await introspect(token)).active, true);
    return token;
  }

  const revokeRows = async (id) => (await admin.get(`/api/v1/audit?action=token.revoke&target=${id}`)).body.items;

  describe('discovery', () => {
    test('fills the fields from the test authorization server', async () => {
      const found = await discover(admin, stack.idp.issuer);
      assert.equal(found.status, 200, found.text);
      const d = found.body;
      assert.equal(d.issuer, stack.idp.issuer);
      assert.equal(d.authorization_url, `${stack.idp.issuer}/auth`);
      assert.equal(d.token_url, `${stack.idp.issuer}/token`);
      assert.equal(d.revocation_url, `${stack.idp.issuer}/token/revocation`);
      assert.equal(d.pkce_s256, true);
      assert.equal(d.suggested_grant_type, 'authorization_code_pkce');
      assert.deepEqual(d.grant_types, ['authorization_code', 'authorization_code_pkce', 'client_credentials']);
      assert.equal(d.iss_required, true, 'oidc-provider announces RFC 9207');
      assert.equal(d.client_auth_method, 'client_secret_basic');
      assert.equal(d.source, `${stack.idp.issuer}/.well-known/openid-configuration`);
    });

    test('falls back to RFC 8414 and says when PKCE is not announced', async () => {
      const server = await metadataServer((path) => {
        if (path !== '/.well-known/oauth-authorization-server') return [404, '{}'];
        return [200, JSON.stringify({ issuer: server.issuer, authorization_endpoint: `${server.issuer}/authorize`, token_endpoint: `${server.issuer}/token` })];
      });
      servers.push(server);
      const found = await discover(admin, server.issuer);
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.source, `${server.issuer}/.well-known/oauth-authorization-server`);
      assert.equal(found.body.pkce_s256, false);
      assert.equal(found.body.suggested_grant_type, 'authorization_code');
      assert.equal(found.body.revocation_url, '');
      assert.equal(found.body.iss_required, false);
    });

    test('refuses with a stable reason: mismatch, not JSON, no metadata, too large, refused, unreachable', async () => {
      const other = await metadataServer(() => [200, JSON.stringify({ issuer: 'https://someone-else.example.com', token_endpoint: 'https://someone-else.example.com/token' })]);
      const html = await metadataServer(() => [200, '<html>sign in</html>', 'text/html']);
      const missing = await metadataServer(() => [404, 'not here', 'text/plain']);
      const huge = await metadataServer(() => [200, JSON.stringify({ issuer: 'x', padding: 'x'.repeat(100 * 1024) })]);
      const inside = await metadataServer(() => [200, JSON.stringify({ issuer: inside.issuer, token_endpoint: 'http://10.0.0.5/token' })]);
      servers.push(other, html, missing, huge, inside);
      const closed = `http://127.0.0.1:${await freePort()}`;
      const cases = [
        [other.issuer, 502, 'provider_error', 'issuer_mismatch'],
        [html.issuer, 502, 'provider_error', 'not_json'],
        [missing.issuer, 502, 'provider_error', 'no_metadata'],
        [huge.issuer, 502, 'provider_error', 'too_large'],
        [inside.issuer, 502, 'provider_error', 'refused_address'],
        ['http://idp.example.com', 422, 'validation_failed', 'refused_address'],
        [closed, 503, 'provider_unavailable', 'not_reachable'],
      ];
      for (const [issuer, status, code, reason] of cases) {
        const refused = await discover(admin, issuer);
        assert.equal(refused.status, status, `${issuer}: ${refused.text}`);
        assert.equal(refused.body.error.code, code, issuer);
        assert.equal(refused.body.error.field, 'issuer', issuer);
        assert.equal(refused.body.error.reason, reason, issuer);
      }
    });

    test('is for people who may create connections', async () => {
      const refused = await discover(member, stack.idp.issuer);
      assert.equal(refused.status, 403, refused.text);
    });

    test('the issuer is stored and shown; RFC 9207 then refuses an answer without iss', async () => {
      const c = await connection({ name: 'Discovered', issuer: stack.idp.issuer, iss_required: true });
      assert.equal(c.issuer, stack.idp.issuer);
      assert.equal(c.iss_required, true);
      assert.equal(c.revocation_url, `${stack.idp.issuer}/token/revocation`);
      const silent = await authorize(admin, c.id, 'shared', { withoutIss: true });
      assert.equal(silent.ok, false, JSON.stringify(silent));
      assert.equal(silent.code, 'state_invalid');
      assert.match(silent.message, /RFC 9207/);
      const named = await authorize(admin, c.id, 'shared');
      assert.equal(named.ok, true, JSON.stringify(named));
      // Without the announcement, the same silent answer is accepted (the old behaviour).
      const relaxed = await admin.patch(`/api/v1/connections/${c.id}`, { iss_required: false });
      assert.equal(relaxed.status, 200, relaxed.text);
      const accepted = await authorize(admin, c.id, 'shared', { withoutIss: true });
      assert.equal(accepted.ok, true, JSON.stringify(accepted));
    });

    test('a changed revocation URL moves where credentials go: the secret is needed again', async () => {
      const c = await connection({ name: 'Moving revocation' });
      const refused = await admin.patch(`/api/v1/connections/${c.id}`, { revocation_url: `${proxy.url}/token/revocation` });
      assert.equal(refused.status, 422, refused.text);
      assert.equal(refused.body.error.reason, 'secret_required');
    });
  });

  describe('revocation at the provider', () => {
    test('deleting a connection revokes its shared token at the IdP, audited without the token', async () => {
      const c = await connection({ name: 'Deleted' });
      const refresh = await consentFor(admin, c.id, 'shared');
      const deleted = await admin.delete(`/api/v1/connections/${c.id}`);
      assert.equal(deleted.status, 204, deleted.text);
      await eventually(async () => !(await introspect(refresh)).active, 'the refresh token is inactive');
      const [row] = await eventually(async () => {
        const rows = await revokeRows(c.id);
        return rows.length ? rows : undefined;
      }, 'a token.revoke audit row');
      assert.equal(row.outcome, 'success');
      assert.equal(row.actor_kind, 'system');
      assert.equal(row.detail.status, 200);
      assert.equal(row.detail.reason, 'connection_deleted');
      assert.equal(row.detail.token_type_hint, 'refresh_token');
      assert.ok(!JSON.stringify(row).includes(refresh), 'the audit row holds no token');
      assert.deepEqual(await sql(stack.worker, 'SELECT id FROM provider_revocations'), [], 'nothing left to send');
    });

    test('forgetting my token revokes it at the IdP', async () => {
      const c = await connection({ name: 'Forgotten' });
      const refresh = await consentFor(member, c.id, 'user');
      const forgotten = await member.delete(`/api/v1/connections/${c.id}/tokens/me`);
      assert.equal(forgotten.status, 204, forgotten.text);
      await eventually(async () => !(await introspect(refresh)).active, 'the refresh token is inactive');
      const rows = await eventually(async () => {
        const found = (await revokeRows(c.id)).filter((r) => r.outcome === 'success');
        return found.length ? found : undefined;
      }, 'audit');
      assert.equal(rows[0].detail.reason, 'token_forgotten');
    });

    test('a destination change revokes the old tokens where they were issued', async () => {
      const c = await connection({ name: 'Redirected' });
      const refresh = await consentFor(admin, c.id, 'shared');
      const moved = await admin.patch(`/api/v1/connections/${c.id}`, { client_id: 'post-client', client_secret: 'post-client-secret', client_auth_method: 'client_secret_post' });
      assert.equal(moved.status, 200, moved.text);
      await eventually(async () => !(await introspect(refresh)).active, 'the old refresh token is inactive');
    });

    test('a new secret for a client-credentials connection revokes the token it drops', async () => {
      const c = await connection({
        name: 'Machine with a new secret', grant_type: 'client_credentials', client_id: 'machine-client',
        client_secret: 'machine-client-secret', scopes: ['api'],
      });
      const issued = await admin.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared' });
      assert.equal(issued.status, 200, issued.text);
      const access = issued.body.access_token;
      assert.ok(await stack.idp.provider.ClientCredentials.find(access), 'the IdP knows the token');
      const rotated = await admin.patch(`/api/v1/connections/${c.id}`, { client_secret: 'machine-client-secret' });
      assert.equal(rotated.status, 200, rotated.text);
      const [row] = await eventually(async () => {
        const rows = await revokeRows(c.id);
        return rows.length ? rows : undefined;
      }, 'a token.revoke audit row');
      assert.equal(row.outcome, 'success', JSON.stringify(row));
      assert.equal(row.detail.reason, 'credentials_changed');
      assert.equal(row.detail.token_type_hint, 'access_token', 'client credentials have no refresh token');
      assert.equal(await stack.idp.provider.ClientCredentials.find(access), undefined, 'revoked at the IdP');
    });

    test('a person who loses access has their token revoked', async () => {
      const c = await connection({ name: 'Lost access' });
      const refresh = await consentFor(member, c.id, 'user');
      const uninvited = await admin.put(`/api/v1/connections/${c.id}/roles`, { role_ids: [] });
      assert.equal(uninvited.status, 200, uninvited.text);
      await eventually(async () => !(await introspect(refresh)).active, 'the refresh token is inactive');
      const rows = await eventually(async () => {
        const found = (await revokeRows(c.id)).filter((r) => r.detail.reason === 'access_lost');
        return found.length ? found : undefined;
      }, 'audit');
      assert.equal(rows[0].outcome, 'success');
      assert.equal(rows[0].detail.token_id, `${c.id}:user:${memberUser.id}`);
    });

    test('a failing revocation endpoint neither fails nor delays the delete; it is retried by the cron', async () => {
      const c = await connection({ name: 'Failing revocation', revocation_url: `${proxy.url}/token/revocation` });
      const refresh = await consentFor(admin, c.id, 'shared');
      proxy.state.mode = '500';
      const deleted = await admin.delete(`/api/v1/connections/${c.id}`);
      assert.equal(deleted.status, 204, deleted.text);
      const [failed] = await eventually(async () => {
        const rows = await revokeRows(c.id);
        return rows.length ? rows : undefined;
      }, 'a failure row');
      assert.equal(failed.outcome, 'failure');
      assert.equal(failed.detail.status, 500);
      assert.equal(failed.detail.will_retry, true);
      assert.equal((await introspect(refresh)).active, true, 'not revoked yet');
      const [queued] = await sql(stack.worker, `SELECT attempts, next_attempt_at, token FROM provider_revocations WHERE connection_id = '${c.id}'`);
      assert.equal(queued.attempts, 1);
      assert.ok(!queued.token.includes(refresh) && queued.token.startsWith('v1.'), 'the queued token is sealed');
      // The backoff's minute has passed (played by moving the row's time), and the IdP is back.
      proxy.state.mode = 'pass';
      await sql(stack.worker, `UPDATE provider_revocations SET next_attempt_at = 0 WHERE connection_id = '${c.id}'`);
      // A request that drops no token sends nothing in its background, not even what is due
      // (claiming due rows is a D1 write): inviting roles to a connection nobody loses.
      const other = await connection({ name: 'Drops nothing' });
      assert.equal((await admin.put(`/api/v1/connections/${other.id}/roles`, { role_ids: [role.id] })).status, 200);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await introspect(refresh)).active, true, 'still owed: only the cron sends it');
      await runCron(stack.baseUrl);
      assert.equal((await introspect(refresh)).active, false, 'revoked by the cron');
      const rows = await revokeRows(c.id);
      assert.deepEqual(rows.map((r) => r.outcome).sort(), ['failure', 'success']);
    });

    test('a hanging revocation endpoint does not hold the delete', async () => {
      const c = await connection({ name: 'Hanging revocation', revocation_url: `${proxy.url}/token/revocation` });
      await consentFor(admin, c.id, 'shared');
      proxy.state.mode = 'hang';
      const started = Date.now();
      const deleted = await admin.delete(`/api/v1/connections/${c.id}`);
      const took = Date.now() - started;
      assert.equal(deleted.status, 204, deleted.text);
      assert.ok(took < 2000, `the delete took ${took} ms with a provider that never answers (timeout 2500 ms)`);
      const [row] = await eventually(async () => {
        const rows = await revokeRows(c.id);
        return rows.length ? rows : undefined;
      }, 'a timeout row');
      assert.equal(row.outcome, 'failure');
      assert.equal(row.detail.error, 'timeout');
      assert.equal(row.detail.status, null);
      proxy.state.mode = 'pass';
    });

    test('no answer carried a token or a secret', () => {
      const seen = everythingSeen(admin, member);
      for (const secret of ['basic-client-secret', 'post-client-secret', ...stack.idp.refreshTokens]) {
        assert.ok(!seen.includes(secret), 'a secret or refresh token reached an API answer');
      }
    });
  });
});
