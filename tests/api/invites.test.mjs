// Invited roles, notifications and the audit log over HTTP against wrangler dev and the real
// IdP: invites notify each subscribed member once, use follows invites at once, losing access
// deletes the person's token, needs_reauth and delete notify, and every action is audited once
// with the right kind of actor.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize } from '../support/consent.mjs';
import { customInput } from '../support/connections.mjs';
import { Client } from '../support/http.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';
import { sql } from '../support/worker.mjs';

describe('invites, notifications and audit', () => {
  let stack;
  let admin;
  let both; // in roles A and B
  let onlyA;
  let quiet; // in B, opted out of "shared"
  let outsider;
  let onlyABot;
  let roleA;
  let roleB;
  let connection;

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    both = await createUser(admin, { name: 'both' });
    onlyA = await createUser(admin, { name: 'onlya' });
    quiet = await createUser(admin, { name: 'quiet' });
    outsider = await createUser(admin, { name: 'outsider' });
    roleA = await createRole(admin, { name: 'Role A', memberIds: [both.user.id, onlyA.user.id] });
    roleB = await createRole(admin, { name: 'Role B', memberIds: [both.user.id, quiet.user.id] });
    onlyABot = (await createKey(onlyA.client, 'onlya bot')).bot;
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Shared IdP' }));
    assert.equal(created.status, 201, created.text);
    connection = created.body;
  });
  after(async () => { await stack?.stop(); });

  const feed = async (client) => (await client.get('/api/v1/notifications')).body;

  test('subscriptions round-trip; everyone starts subscribed', async () => {
    const initial = await quiet.client.get('/api/v1/me/subscriptions');
    assert.deepEqual(initial.body.subscribed, ['connection_shared', 'connection_needs_reauth', 'connection_deleted', 'token_refresh_failed', 'webhook_disabled']);
    const saved = await quiet.client.put('/api/v1/me/subscriptions', { subscribed: ['connection_deleted'] });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual((await quiet.client.get('/api/v1/me/subscriptions')).body.subscribed, ['connection_deleted']);
    const bad = await quiet.client.put('/api/v1/me/subscriptions', { subscribed: ['spam'] });
    assert.equal(bad.status, 400);
  });

  test('inviting two roles that share a member notifies each subscribed member once', async () => {
    const response = await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [roleA.id, roleB.id] });
    assert.equal(response.status, 200, response.text);
    const bothFeed = await feed(both.client);
    assert.equal(bothFeed.items.filter((n) => n.kind === 'connection_shared').length, 1, 'one, though in two roles');
    assert.equal(bothFeed.unread, 1);
    assert.equal(bothFeed.items[0].title, 'Shared IdP was shared with you');
    assert.equal(bothFeed.items[0].connection_id, connection.id);
    assert.equal((await feed(onlyA.client)).items.length, 1);
    assert.equal((await feed(quiet.client)).items.length, 0, 'opted out');
    assert.equal((await feed(outsider.client)).items.length, 0);
    // Inviting the same roles again reaches nobody new.
    await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [roleA.id, roleB.id] });
    assert.equal((await feed(both.client)).items.length, 1);
  });

  test('notifications are marked read by their owner only', async () => {
    const [first] = (await feed(both.client)).items;
    assert.equal((await onlyA.client.post(`/api/v1/notifications/${first.id}/read`)).status, 404);
    assert.equal((await both.client.post(`/api/v1/notifications/${first.id}/read`)).status, 204);
    const after = await feed(both.client);
    assert.equal(after.unread, 0);
    assert.equal(after.items[0].read, true);
  });

  test('a non-member sees the connection but may not use it', async () => {
    assert.equal((await outsider.client.get(`/api/v1/connections/${connection.id}`)).status, 200);
    const auth = await outsider.client.post(`/api/v1/connections/${connection.id}/authorize`, { purpose: 'user' });
    assert.equal(auth.status, 403);
    assert.equal(auth.body.error.code, 'forbidden');
    const tok = await outsider.client.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'user' });
    assert.equal(tok.status, 403);
  });

  test('removing a role cuts use at once, for people and their bots, and deletes their token', async () => {
    assert.equal((await authorize(onlyA.client, connection.id, 'user')).ok, true);
    assert.equal((await authorize(admin, connection.id, 'shared')).ok, true);
    const live = await onlyABot.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'user' });
    assert.equal(live.status, 200, live.text);
    assert.equal((await sql(stack.worker, `SELECT COUNT(*) AS n FROM tokens WHERE user_id = '${onlyA.user.id}'`))[0].n, 1);

    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [roleB.id] })).status, 200);
    const cut = await onlyABot.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'user' });
    assert.equal(cut.status, 403, 'the running bot is cut on its next call');
    assert.equal((await onlyA.client.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'shared' })).status, 403);
    assert.equal((await sql(stack.worker, `SELECT COUNT(*) AS n FROM tokens WHERE user_id = '${onlyA.user.id}'`))[0].n, 0, 'their token is gone');
    const stillBoth = await both.client.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'shared' });
    assert.equal(stillBoth.status, 200, 'members of the remaining role keep access');

    // Removing a member from an invited role cuts them too.
    assert.equal((await authorize(both.client, connection.id, 'user')).ok, true);
    assert.equal((await admin.patch(`/api/v1/roles/${roleB.id}`, { member_ids: [quiet.user.id] })).status, 200);
    assert.equal((await both.client.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'user' })).status, 403);
    assert.equal((await sql(stack.worker, `SELECT COUNT(*) AS n FROM tokens WHERE user_id = '${both.user.id}'`))[0].n, 0);
  });

  test('needs_reauth notifies the managers', async () => {
    await admin.patch(`/api/v1/roles/${roleB.id}`, { member_ids: [quiet.user.id, both.user.id] });
    const live = await both.client.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'shared' });
    const found = await stack.idp.provider.AccessToken.find(live.body.access_token);
    await (await stack.idp.provider.Grant.find(found.grantId)).destroy();
    const refused = await both.client.post(`/api/v1/connections/${connection.id}/token`, { token_type: 'shared', force_refresh: true });
    assert.equal(refused.body.error.code, 'reauth_required');
    const adminFeed = await feed(admin);
    const reauth = adminFeed.items.filter((n) => n.kind === 'connection_needs_reauth');
    assert.equal(reauth.length, 1);
    assert.equal(reauth[0].title, 'Shared IdP needs re-authorization');
    assert.equal((await feed(both.client)).items.filter((n) => n.kind === 'connection_needs_reauth').length, 0, 'not a manager');
  });

  test('deleting a connection notifies its users', async () => {
    assert.equal((await admin.delete(`/api/v1/connections/${connection.id}`)).status, 204);
    const quietFeed = await feed(quiet.client);
    assert.deepEqual(quietFeed.items.map((n) => n.kind), ['connection_deleted'], 'subscribed to deletions only');
    assert.ok((await feed(both.client)).items.some((n) => n.kind === 'connection_deleted'));
    assert.ok(!(await feed(onlyA.client)).items.some((n) => n.kind === 'connection_deleted'), 'no longer a user of it');
  });

  test('the audit log: one row per action with the right actor kind; filters; paging; admins only', async () => {
    const byAction = async (action) => (await admin.get(`/api/v1/audit?action=${action}&target=${connection.id}`)).body.items;
    const invites = await byAction('connection.invite');
    assert.equal(invites.length, 3);
    assert.ok(invites.every((e) => e.actor_kind === 'user' && e.outcome === 'success'));
    assert.ok(invites.every((e) => e.actor_name === 'Administrator' && !('target_name' in e)), 'the deleted connection has no name any more');
    const issues = await byAction('token.issue');
    const botIssues = issues.filter((e) => e.actor_kind === 'api_key');
    assert.equal(botIssues.length, 2, `the bot got one token and one refusal: ${JSON.stringify(issues)}`);
    assert.deepEqual(botIssues.map((e) => e.outcome).sort(), ['failure', 'success']);
    assert.ok(botIssues.every((e) => e.actor_name === 'onlya bot (onlya)'), JSON.stringify(botIssues));
    const roleRows = (await admin.get(`/api/v1/audit?action=role.create&target=${roleA.id}`)).body.items;
    assert.equal(roleRows[0].target_name, 'Role A');
    const starts = await byAction('authorize.start');
    const finishes = await byAction('authorize.finish');
    assert.equal(starts.length, finishes.length);
    assert.equal((await byAction('connection.delete')).length, 1);
    const prefixed = (await admin.get(`/api/v1/audit?action=connection.&target=${connection.id}`)).body.items;
    assert.ok(prefixed.length >= 5 && prefixed.every((e) => e.action.startsWith('connection.')));
    const signIns = (await admin.get('/api/v1/audit?action=session.sign_in')).body.items;
    assert.ok(signIns.length >= 5);
    for (const unknown of ['token.steal', 'nothing.', 'connection']) {
      const refused = await admin.get(`/api/v1/audit?action=${unknown}`);
      assert.equal(refused.status, 422, `${unknown}: ${refused.text}`);
      assert.equal(refused.body.error.field, 'action');
    }
    const page1 = await admin.get('/api/v1/audit?limit=3');
    assert.equal(page1.body.items.length, 3);
    const page2 = await admin.get(`/api/v1/audit?limit=3&cursor=${page1.body.next_cursor}`);
    assert.ok(page2.body.items[0].id < page1.body.items[2].id, 'newest first, no overlap');
    const since = Math.floor(Date.now() / 1000) + 3600;
    assert.equal((await admin.get(`/api/v1/audit?since=${since}`)).body.items.length, 0);
    assert.equal((await admin.get('/api/v1/audit?since=yesterday')).status, 422);
    assert.equal((await both.client.get('/api/v1/audit')).status, 403);
    const all = await sql(stack.worker, 'SELECT detail FROM audit_events');
    const text = JSON.stringify(all);
    for (const secret of ['basic-client-secret', 'password for']) assert.ok(!text.includes(secret), `audit holds ${secret}`);
  });
});
