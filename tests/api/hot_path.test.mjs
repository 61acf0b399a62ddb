// The token API's hot path for bots reads no D1: each key's gate (a Durable Object) remembers
// whose key it is and what its owner may use, the vault remembers the token, and the audit row
// goes through the vault's outbox. These tests prove both halves: D1 changes made behind the
// API's back are not seen (so nothing was read), and every change made through the API is seen
// on the very next call (so every write path tells the gates).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { machineInput } from '../support/connections.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';
import { sql } from '../support/worker.mjs';

describe('token API hot path', () => {
  let stack;
  let admin;
  let member;
  let role;
  let connection;
  let successes = 0;

  const machine = (name) => machineInput(stack.idp, { name });
  const token = async (bot, body = { token_type: 'shared' }, id = connection.id) => {
    const response = await bot.post(`/api/v1/connections/${id}/token`, body);
    if (response.status === 200) successes += 1;
    return response;
  };
  // `wrangler d1 execute` takes seconds on a busy machine, and workerd evicts an object that is
  // idle for about ten: an evicted gate reads D1 afresh. The objects under test are kept warm by
  // calls (counted like any other) while D1 is edited behind the API's back.
  const keepingWarm = async (bots, edit) => {
    let editing = true;
    const pings = bots.map(async (bot) => {
      while (editing) {
        await token(bot);
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    try {
      return await edit();
    } finally {
      editing = false;
      await Promise.all(pings);
    }
  };

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    member = await createUser(admin, { name: 'hot' });
    role = await createRole(admin, { name: 'Hot bots', memberIds: [member.user.id] });
    const created = await admin.post('/api/v1/connections', machine('Hot machine'));
    assert.equal(created.status, 201, created.text);
    connection = created.body;
    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [role.id] })).status, 200);
  });
  after(async () => { await stack?.stop(); });

  test('a warm call reads no D1: rows removed behind the API are not noticed', async () => {
    const { key, bot } = await createKey(member.client, 'behind the back');
    assert.equal((await token(bot)).status, 200);
    // Remove the key and the invite straight from D1. A hot path that read D1 would refuse now.
    await keepingWarm([bot], () => sql(stack.worker, `DELETE FROM api_keys WHERE id = '${key.api_key.id}'; DELETE FROM connection_roles WHERE connection_id = '${connection.id}'`));
    const warm = await token(bot);
    assert.equal(warm.status, 200, warm.text);
    assert.equal(warm.headers.get('cache-control'), 'no-store');
    // A second key of the same person: a role write through the API resets its gate, which then
    // reads D1 and finds the invite gone.
    const { bot: other } = await createKey(member.client, 'reads again');
    assert.equal((await token(other)).status, 403, 'a cold gate reads D1: no invite');
    await keepingWarm([bot, other], () => sql(stack.worker, `INSERT INTO connection_roles (connection_id, role_id) VALUES ('${connection.id}', '${role.id}')`));
    assert.equal((await token(other)).status, 403, 'the warm gate remembers what it read');
    // Withdrawn and invited again through the API: each write resets the members' gates.
    for (const roleIds of [[], [role.id]]) {
      assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: roleIds })).status, 200);
    }
    assert.equal((await token(other)).status, 200, 'the invite write reset the gate, which read the invite back');
  });

  test('revoking a key cuts it on the next call', async () => {
    const { key, bot } = await createKey(member.client, 'to revoke');
    assert.equal((await token(bot)).status, 200);
    assert.equal((await member.client.delete(`/api/v1/api-keys/${key.api_key.id}`)).status, 204);
    const refused = await token(bot);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'unauthenticated');
  });

  test('members, invites and roles changed through the API hold from the next call', async () => {
    const { bot } = await createKey(member.client, 'membership');
    assert.equal((await token(bot)).status, 200);

    assert.equal((await admin.patch(`/api/v1/roles/${role.id}`, { member_ids: [] })).status, 200);
    assert.equal((await token(bot)).status, 403, 'removed from the role');
    assert.equal((await admin.patch(`/api/v1/roles/${role.id}`, { member_ids: [member.user.id] })).status, 200);
    assert.equal((await token(bot)).status, 200, 'added back: no stale refusal either');

    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [] })).status, 200);
    assert.equal((await token(bot)).status, 403, 'invite withdrawn');
    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [role.id] })).status, 200);
    assert.equal((await token(bot)).status, 200, 'invited again');

    assert.equal((await admin.patch(`/api/v1/users/${member.user.id}`, { role_ids: ['role-user'] })).status, 200);
    assert.equal((await token(bot)).status, 403, 'the person left the role');
    assert.equal((await admin.patch(`/api/v1/users/${member.user.id}`, { role_ids: ['role-user', role.id] })).status, 200);
    assert.equal((await token(bot)).status, 200);

    const other = await createRole(admin, { name: 'Short-lived', memberIds: [member.user.id] });
    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [other.id] })).status, 200);
    assert.equal((await token(bot)).status, 200, 'through the other role');
    assert.equal((await admin.delete(`/api/v1/roles/${other.id}`)).status, 204);
    assert.equal((await token(bot)).status, 403, 'the only invited role was deleted');
    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [role.id] })).status, 200);
  });

  test('a grant type change reaches the gate: a user token is then a missing token, not a refusal', async () => {
    const { bot } = await createKey(member.client, 'grant change');
    const before = await token(bot, { token_type: 'user' });
    assert.equal(before.status, 422, 'client credentials have no user tokens');
    const changed = await admin.patch(`/api/v1/connections/${connection.id}`, {
      grant_type: 'authorization_code', client_id: 'basic-client', client_secret: 'basic-client-secret', authorization_url: `${stack.idp.issuer}/auth`,
    });
    assert.equal(changed.status, 200, changed.text);
    const after = await token(bot, { token_type: 'user' });
    assert.equal(after.status, 404, after.text);
    assert.equal(after.body.error.code, 'no_token');
    assert.equal((await admin.patch(`/api/v1/connections/${connection.id}`, machine('Hot machine'))).status, 200);
  });

  test('the proxy is held the same: a key revoked, a member removed or an invite withdrawn holds from the next call', async () => {
    // The API base URL is the test IdP: an allowed call reaches it (its 404 comes back as the
    // provider's, with no X-Proxy-Error); a refused one is the product's own answer.
    const created = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Hot proxy', api_base_url: stack.idp.issuer }));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    assert.equal((await admin.put(`/api/v1/connections/${id}/roles`, { role_ids: [role.id] })).status, 200);
    const proxied = async (bot) => {
      const response = await bot.get(`/api/v1/connections/${id}/proxy/nothing-here`);
      return `${response.status} ${response.headers.get('x-proxy-error') ?? 'provider'}`;
    };
    const { key, bot } = await createKey(member.client, 'proxy hot path');
    assert.equal(await proxied(bot), '404 provider');
    assert.equal((await admin.patch(`/api/v1/roles/${role.id}`, { member_ids: [] })).status, 200);
    assert.equal(await proxied(bot), '403 forbidden', 'removed from the role');
    assert.equal((await admin.patch(`/api/v1/roles/${role.id}`, { member_ids: [member.user.id] })).status, 200);
    assert.equal(await proxied(bot), '404 provider', 'added back');
    assert.equal((await admin.put(`/api/v1/connections/${id}/roles`, { role_ids: [] })).status, 200);
    assert.equal(await proxied(bot), '403 forbidden', 'invite withdrawn');
    assert.equal((await admin.put(`/api/v1/connections/${id}/roles`, { role_ids: [role.id] })).status, 200);
    assert.equal(await proxied(bot), '404 provider', 'invited again');
    assert.equal((await member.client.delete(`/api/v1/api-keys/${key.api_key.id}`)).status, 204);
    assert.equal(await proxied(bot), '401 unauthenticated', 'the key revoked');
    const audited = await sql(stack.worker, `SELECT COUNT(*) AS n FROM audit_events WHERE action = 'token.proxy' AND outcome = 'failure' AND actor_id = '${key.api_key.id}'`);
    assert.ok(audited[0].n >= 1, 'the refusals are audited as the key');
  });

  test('deactivating the owner and deleting the connection hold from the next call', async () => {
    const second = await admin.post('/api/v1/connections', machine('Hot machine two'));
    assert.equal((await admin.put(`/api/v1/connections/${second.body.id}/roles`, { role_ids: [role.id] })).status, 200);
    const { bot } = await createKey(member.client, 'deletion');
    assert.equal((await token(bot, undefined, second.body.id)).status, 200);
    assert.equal((await admin.delete(`/api/v1/connections/${second.body.id}`)).status, 204);
    const notes = await sql(stack.worker, `SELECT COUNT(*) AS n FROM key_vaults WHERE vault = '${second.body.id}:shared'`);
    assert.equal(notes[0].n, 0, 'the vault\'s notes of which keys it checked go with the connection');
    const gone = await token(bot, undefined, second.body.id);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'not_found');

    assert.equal((await token(bot)).status, 200);
    assert.equal((await admin.delete(`/api/v1/users/${member.user.id}`)).status, 204);
    assert.equal((await token(bot)).status, 401, 'a deactivated person’s keys stop at once');
  });

  test('every issued token is counted in the audit log, within seconds', async () => {
    // The vault tallies issues per actor, connection and outcome and ships one row per tally
    // about a second later: the counts must add up to exactly the tokens handed out.
    const counted = async () => (await sql(stack.worker,
      "SELECT COUNT(*) AS rows_, COALESCE(SUM(json_extract(detail, '$.count')), 0) AS n FROM audit_events WHERE action = 'token.issue' AND actor_kind = 'api_key' AND outcome = 'success'"))[0];
    let seen = await counted();
    for (let i = 0; i < 40 && seen.n < successes; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      seen = await counted();
    }
    assert.ok(successes >= 10, `the tests above issued tokens (${successes})`);
    assert.equal(seen.n, successes, 'the counts add up to the tokens issued, no more, no fewer');
    assert.ok(seen.rows_ >= 1 && seen.rows_ <= successes);
    const [row] = await sql(stack.worker, "SELECT at, detail FROM audit_events WHERE action = 'token.issue' AND outcome = 'success' LIMIT 1");
    const detail = JSON.parse(row.detail);
    assert.equal(detail.token_type, 'shared');
    assert.ok(detail.count >= 1 && detail.last_at >= row.at, row.detail);
  });

  test('a burst from one bot becomes one audit row with its count', async () => {
    const third = await admin.post('/api/v1/connections', machine('Hot machine three'));
    assert.equal((await admin.put(`/api/v1/connections/${third.body.id}/roles`, { role_ids: [role.id] })).status, 200);
    const again = await createUser(admin, { name: 'burst' });
    assert.equal((await admin.patch(`/api/v1/roles/${role.id}`, { member_ids: [again.user.id] })).status, 200);
    const { key, bot } = await createKey(again.client, 'burst');
    const statuses = await Promise.all(Array.from({ length: 20 }, () => bot.post(`/api/v1/connections/${third.body.id}/token`, { token_type: 'shared' }).then((r) => r.status)));
    assert.deepEqual([...new Set(statuses)], [200]);
    const rows = async () => sql(stack.worker, `SELECT detail FROM audit_events WHERE action = 'token.issue' AND actor_id = '${key.api_key.id}'`);
    let found = await rows();
    for (let i = 0; i < 40 && found.reduce((n, r) => n + JSON.parse(r.detail).count, 0) < 20; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      found = await rows();
    }
    assert.equal(found.reduce((n, r) => n + JSON.parse(r.detail).count, 0), 20);
    assert.ok(found.length <= 3, `a burst within a second or two is one or a few rows, not ${found.length}`);
  });
});
