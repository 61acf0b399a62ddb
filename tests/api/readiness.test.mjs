// What a connection's view says about it, against wrangler dev and the real IdP (issue 17's
// bugs on the server side): one decision (`readiness`) for the shared token and the banner, so a
// client-credentials test clears what it should and a scope change reads "outdated" while the
// token API still serves the old token; role names for everyone who may view; a person's own
// consent leaves "Updated" alone; wording a person reads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize } from '../support/consent.mjs';
import { customInput, machineInput } from '../support/connections.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';

describe('connection readiness', () => {
  let stack;
  let admin;
  let member;
  let role;

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    const adminId = (await admin.get('/api/v1/session')).body.user.id;
    member = await createUser(admin, { name: 'member' });
    role = await createRole(admin, { name: 'Night shift bots', memberIds: [adminId, member.user.id] });
  });
  after(async () => { await stack?.stop(); });

  const view = async (id, client = admin) => {
    const response = await client.get(`/api/v1/connections/${id}`);
    assert.equal(response.status, 200, response.text);
    return response.body;
  };

  test('client credentials: a good test after a bad secret leaves no banner, and no stale token is served', async () => {
    const created = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Machine' }));
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    assert.deepEqual(created.body.readiness, { shared_token: 'on_demand', banner: 'not_tested' });
    assert.equal((await admin.put(`/api/v1/connections/${id}/roles`, { role_ids: [role.id] })).status, 200);
    assert.equal((await admin.post(`/api/v1/connections/${id}/test`, {})).body.ok, true);
    assert.deepEqual((await view(id)).readiness, { shared_token: 'on_demand', banner: null });
    // A bot's call stores the client-credentials token.
    const first = await admin.post(`/api/v1/connections/${id}/token`, { token_type: 'shared' });
    assert.equal(first.status, 200, first.text);

    assert.equal((await admin.patch(`/api/v1/connections/${id}`, { client_secret: 'wrong-secret' })).status, 200);
    assert.equal((await admin.post(`/api/v1/connections/${id}/test`, {})).body.ok, false);
    // The token issued under the old secret is gone, not served as if nothing changed.
    const meanwhile = await admin.post(`/api/v1/connections/${id}/token`, { token_type: 'shared' });
    assert.notEqual(meanwhile.status, 200, 'no token while the secret is wrong');

    assert.equal((await admin.patch(`/api/v1/connections/${id}`, { client_secret: 'machine-client-secret' })).status, 200);
    assert.equal((await admin.post(`/api/v1/connections/${id}/test`, {})).body.ok, true);
    const after = await view(id);
    assert.equal(after.status, 'ready');
    assert.equal(after.tokens_stale, false, 'nothing stale is kept for client credentials');
    assert.deepEqual(after.readiness, { shared_token: 'on_demand', banner: null }, 'ready, and no "test again"');
    const fresh = await admin.post(`/api/v1/connections/${id}/token`, { token_type: 'shared' });
    assert.equal(fresh.status, 200, fresh.text);
    assert.notEqual(fresh.body.access_token, first.body.access_token);
  });

  let consentId;
  test('scopes changed over a shared token: outdated everywhere until the shared token is authorized again', async () => {
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Consent', save_credentials: true }));
    assert.equal(created.status, 201, created.text);
    consentId = created.body.id;
    assert.deepEqual(created.body.readiness, { shared_token: 'missing', banner: 'not_tested' });
    assert.equal((await admin.put(`/api/v1/connections/${consentId}/roles`, { role_ids: [role.id] })).status, 200);
    assert.equal((await authorize(admin, consentId, 'shared')).ok, true);
    assert.deepEqual((await view(consentId)).readiness, { shared_token: 'valid', banner: null });
    const before = await admin.post(`/api/v1/connections/${consentId}/token`, { token_type: 'shared' });
    assert.equal(before.status, 200, before.text);

    const edited = await admin.patch(`/api/v1/connections/${consentId}`, { scopes: ['openid offline_access'] });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.status, 'draft');
    assert.deepEqual(edited.body.readiness, { shared_token: 'outdated', banner: 'tokens_outdated' }, 'not "valid" in green');
    // What the page says is what bots get: the token issued before the change.
    const served = await admin.post(`/api/v1/connections/${consentId}/token`, { token_type: 'shared' });
    assert.equal(served.body.access_token, before.body.access_token);

    // A test consent proves the settings but keeps no token: the shared one is still outdated.
    assert.equal((await authorize(admin, consentId, 'test')).ok, true);
    const tested = await view(consentId);
    assert.equal(tested.status, 'ready');
    assert.deepEqual(tested.readiness, { shared_token: 'outdated', banner: 'tokens_outdated' });

    assert.equal((await authorize(admin, consentId, 'shared')).ok, true);
    assert.deepEqual((await view(consentId)).readiness, { shared_token: 'valid', banner: null });
  });

  test('a destination change shows the dropped shared token as missing', async () => {
    const moved = await admin.patch(`/api/v1/connections/${consentId}`, {
      client_id: 'pkce-client', client_secret: 'basic-client-secret',
    });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.shared_token, null);
    assert.deepEqual(moved.body.readiness, { shared_token: 'missing', banner: 'not_tested' });
    // Back to where it was, authorized again, for the tests below.
    const back = await admin.patch(`/api/v1/connections/${consentId}`, { client_id: 'basic-client', client_secret: 'basic-client-secret' });
    assert.equal(back.status, 200, back.text);
    assert.equal((await authorize(admin, consentId, 'shared')).ok, true);
  });

  test('people who may only view read invited roles by name', async () => {
    const seen = await view(consentId, member.client);
    assert.deepEqual(seen.invited_roles, [{ id: role.id, name: 'Night shift bots' }]);
    assert.deepEqual(seen.invited_role_ids, [role.id]);
  });

  test("a person's own consent leaves the connection's Updated time alone", async () => {
    const before = await view(consentId);
    await new Promise((resolve) => { setTimeout(resolve, 1100); });
    const mine = await authorize(member.client, consentId, 'user');
    assert.equal(mine.ok, true, mine.message);
    assert.equal((await view(consentId)).updated_at, before.updated_at);
  });

  test('wording: a client-credentials share asks nobody to authorize; a taken name reads as a sentence', async () => {
    const machine = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Machine two' }));
    assert.equal(machine.status, 201, machine.text);
    assert.equal((await admin.put(`/api/v1/connections/${machine.body.id}/roles`, { role_ids: [role.id] })).status, 200);
    const feed = (await member.client.get('/api/v1/notifications')).body.items;
    const shared = feed.find((n) => n.kind === 'connection_shared' && n.connection_id === machine.body.id);
    assert.ok(shared, JSON.stringify(feed));
    assert.doesNotMatch(shared.body, /[Aa]uthorize your own token/);
    const consent = feed.find((n) => n.kind === 'connection_shared' && n.connection_id === consentId);
    assert.match(consent.body, /Authorize your own token/);

    const taken = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'machine TWO' }));
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.field, 'name');
    assert.match(taken.body.error.message, /^A connection with this name exists already\.$/);
  });
});
