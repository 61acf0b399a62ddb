// People who join a role that is already invited to a connection are told it was shared with
// them, once, whichever way they join (the role's member list or the person's roles), unless
// they could use it already or opted out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { customInput } from '../support/connections.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';

describe('joining an invited role', () => {
  let stack;
  let admin;
  let early;
  let late;
  let viaUser;
  let quiet;
  let role;
  let other;
  let connection;

  const shared = async (person) => (await person.client.get('/api/v1/notifications')).body.items
    .filter((n) => n.kind === 'connection_shared' && n.connection_id === connection.id);

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    early = await createUser(admin, { name: 'early' });
    late = await createUser(admin, { name: 'late' });
    viaUser = await createUser(admin, { name: 'viauser' });
    quiet = await createUser(admin, { name: 'quietjoin' });
    role = await createRole(admin, { name: 'Invited', memberIds: [early.user.id] });
    other = await createRole(admin, { name: 'Also invited', memberIds: [early.user.id] });
    connection = (await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Joined IdP' }))).body;
    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [role.id, other.id] })).status, 200);
    assert.equal((await quiet.client.put('/api/v1/me/subscriptions', { subscribed: ['connection_deleted', 'connection_needs_reauth', 'token_refresh_failed'] })).status, 200);
  });
  after(async () => { await stack?.stop(); });

  test('added to the role’s members: told once', async () => {
    assert.equal((await shared(early)).length, 1, 'told at the invite');
    const patched = await admin.patch(`/api/v1/roles/${role.id}`, { member_ids: [early.user.id, late.user.id, quiet.user.id] });
    assert.equal(patched.status, 200, patched.text);
    const told = await shared(late);
    assert.equal(told.length, 1);
    assert.equal(told[0].title, 'Joined IdP was shared with you');
    assert.equal((await shared(early)).length, 1, 'already a user: nothing new');
    assert.equal((await shared(quiet)).length, 0, 'opted out');
  });

  test('given the role on the person: told once; joining a second invited role tells nothing', async () => {
    const me = (await viaUser.client.get('/api/v1/session')).body.user;
    const roles = [...me.role_ids, role.id];
    assert.equal((await admin.patch(`/api/v1/users/${viaUser.user.id}`, { role_ids: roles })).status, 200);
    assert.equal((await shared(viaUser)).length, 1);
    assert.equal((await admin.patch(`/api/v1/users/${viaUser.user.id}`, { role_ids: [...roles, other.id] })).status, 200);
    assert.equal((await shared(viaUser)).length, 1, 'could use it already');
    assert.equal((await admin.patch(`/api/v1/roles/${role.id}`, { member_ids: [early.user.id, late.user.id, quiet.user.id] })).status, 200);
    assert.equal((await shared(late)).length, 1, 'saving the same members again tells nobody');
  });
});
