// A populated deployment for the tests that carry data across something (a restart, a backup and
// restore): the first admin, a member with a bot key, a role inviting both to a consent connection
// (shared and user tokens authorized through the test IdP) and a client-credentials one, and the
// three access tokens the token API first gave out.
import assert from 'node:assert/strict';
import { authorize } from './consent.mjs';
import { customInput, machineInput } from './connections.mjs';
import { bootstrapAdmin, createKey, createRole, createUser } from './people.mjs';

/** Fill `stack` (from `startStack`) with the data set above and return its handles. */
export async function populate(stack) {
  const admin = await bootstrapAdmin(stack.baseUrl);
  const adminId = (await admin.get('/api/v1/session')).body.user.id;
  const member = await createUser(admin, { name: 'member' });
  const memberKey = await createKey(member.client, 'member bot');
  const role = await createRole(admin, { name: 'Integrations', memberIds: [adminId, member.user.id] });
  let code;
  let machine;
  for (const input of [customInput(stack.idp, { name: 'Code basic' }), machineInput(stack.idp, { name: 'Machine' })]) {
    const created = await admin.post('/api/v1/connections', input);
    assert.equal(created.status, 201, created.text);
    assert.equal((await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] })).status, 200);
    if (input.name === 'Machine') machine = created.body;
    else code = created.body;
  }
  assert.equal((await authorize(admin, code.id, 'shared')).ok, true);
  assert.equal((await authorize(member.client, code.id, 'user')).ok, true);
  const memberBot = memberKey.bot;
  const issued = {
    shared: (await memberBot.post(`/api/v1/connections/${code.id}/token`, { token_type: 'shared' })).body.access_token,
    user: (await member.client.post(`/api/v1/connections/${code.id}/token`, { token_type: 'user' })).body.access_token,
    machine: (await memberBot.post(`/api/v1/connections/${machine.id}/token`, { token_type: 'shared' })).body.access_token,
  };
  for (const [kind, token] of Object.entries(issued)) assert.ok(token, `no ${kind} token was issued`);
  return { admin, member, memberKey, memberBot, code, machine, issued };
}
