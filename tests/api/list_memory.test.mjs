// The connection list comes from memory (the ListMemory object: rendered pages and the sessions
// that read them), so every write that changes a page or a session must show on the very next
// list call. Each test reads the list first (so the page and the session are remembered), makes
// one change through the product, and reads again at once: connections, invites, roles, tokens
// (consent, test, refresh through the vault, refresh failure, the cron), people and sessions.
// Also: the page is the same for every viewer but the right to read it is checked per viewer,
// and a reset that is not acknowledged is queued and delivered by the cron.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize } from '../support/consent.mjs';
import { customInput, machineInput } from '../support/connections.mjs';
import { Client } from '../support/http.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';
import { runCron, sql } from '../support/worker.mjs';

const second = () => new Promise((r) => setTimeout(r, 1100));

describe('the connection list from memory: every change shows on the very next call', () => {
  let stack;
  let admin;
  let viewer;
  let viewers;
  let member;
  let memberBot;

  before(async () => {
    // Tokens live 10 minutes: inside the cron's 15-minute window, so the cron renews them (no
    // refresh brake, so it may right after a bot's refresh).
    stack = await startStack({ accessTokenTtl: 600, vars: { BOOTSTRAP_TOKEN, REFRESH_MIN_INTERVAL_SECONDS: '0' } });
    admin = await bootstrapAdmin(stack.baseUrl);
    viewer = await createUser(admin, { name: 'viewer' });
    viewers = await createRole(admin, { name: 'Viewers', permissions: ['connections.view'], memberIds: [viewer.user.id] });
    member = await createUser(admin, { name: 'member' });
    memberBot = (await createKey(member.client, 'member bot')).bot;
  });

  after(async () => {
    await stack?.stop();
  });

  const list = async (client = admin, query = '') => {
    const page = await client.get(`/api/v1/connections${query}`);
    assert.equal(page.status, 200, page.text);
    return page.body;
  };
  const row = async (id, client = admin) => (await list(client)).items.find((c) => c.id === id);
  const create = async (input) => {
    const created = await admin.post('/api/v1/connections', input);
    assert.equal(created.status, 201, created.text);
    return created.body;
  };

  test('create, edit, invite, withdraw and delete a connection', async () => {
    await list(viewer.client);
    const c = await create(customInput(stack.idp, { name: 'Memory one', description: 'first' }));
    assert.ok(await row(c.id, viewer.client), 'a new connection is listed at once');
    const edited = await admin.patch(`/api/v1/connections/${c.id}`, { name: 'Memory one renamed', description: 'second' });
    assert.equal(edited.status, 200, edited.text);
    const seen = await row(c.id, viewer.client);
    assert.equal(seen.name, 'Memory one renamed');
    assert.equal(seen.description, 'second');
    const role = await createRole(admin, { name: 'Memory invitees' });
    assert.equal((await admin.put(`/api/v1/connections/${c.id}/roles`, { role_ids: [role.id] })).status, 200);
    assert.deepEqual((await row(c.id, viewer.client)).invited_roles.map((r) => r.name), ['Memory invitees']);
    assert.equal((await admin.patch(`/api/v1/roles/${role.id}`, { name: 'Memory invitees renamed' })).status, 200);
    assert.deepEqual((await row(c.id, viewer.client)).invited_roles.map((r) => r.name), ['Memory invitees renamed'], 'a role renamed');
    assert.equal((await admin.delete(`/api/v1/roles/${role.id}`)).status, 204);
    assert.deepEqual((await row(c.id, viewer.client)).invited_roles, [], 'a role deleted');
    const again = await createRole(admin, { name: 'Memory invitees again' });
    assert.equal((await admin.put(`/api/v1/connections/${c.id}/roles`, { role_ids: [again.id] })).status, 200);
    assert.equal((await row(c.id, viewer.client)).invited_roles.length, 1);
    assert.equal((await admin.put(`/api/v1/connections/${c.id}/roles`, { role_ids: [] })).status, 200);
    assert.deepEqual((await row(c.id, viewer.client)).invited_roles, [], 'an invite withdrawn');
    assert.equal((await admin.delete(`/api/v1/connections/${c.id}`)).status, 204);
    assert.equal(await row(c.id, viewer.client), undefined, 'a deleted connection is gone at once');
  });

  test('filtered and later pages are reset too', async () => {
    const c = await create(machineInput(stack.idp, { name: 'Memory filtered' }));
    const drafts = await list(viewer.client, '?status=draft&q=memory%20filtered');
    assert.deepEqual(drafts.items.map((i) => i.id), [c.id]);
    assert.equal((await admin.post(`/api/v1/connections/${c.id}/test`)).body.ok, true);
    assert.deepEqual((await list(viewer.client, '?status=draft&q=memory%20filtered')).items, [], 'no longer a draft');
    assert.deepEqual((await list(viewer.client, '?status=ready&q=memory%20filtered')).items.map((i) => i.id), [c.id]);
  });

  test('a consent, a refresh through the vault, a refresh failure and the cron show at once', async () => {
    const c = await create(customInput(stack.idp, { name: 'Memory consent' }));
    const role = await createRole(admin, { name: 'Memory users', memberIds: [member.user.id] });
    assert.equal((await admin.put(`/api/v1/connections/${c.id}/roles`, { role_ids: [role.id] })).status, 200);
    assert.equal((await row(c.id)).status, 'draft');
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    const consented = await row(c.id);
    assert.equal(consented.status, 'ready', 'the callback resets the list');
    assert.equal(consented.shared_token.status, 'valid');

    // A bot's call refreshes the shared token in its vault: the vault resets the list.
    await second();
    const refreshed = await memberBot.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared', force_refresh: true });
    assert.equal(refreshed.status, 200, refreshed.text);
    const afterRefresh = (await row(c.id)).shared_token;
    assert.ok(afterRefresh.last_refresh_at > (consented.shared_token.last_refresh_at ?? 0), 'the refresh shows');
    assert.ok(afterRefresh.expires_at > consented.shared_token.expires_at);

    // The cron renews it (it expires within the window) through the vault.
    await second();
    await runCron(stack.baseUrl);
    const afterCron = (await row(c.id)).shared_token;
    assert.ok(afterCron.last_refresh_at > afterRefresh.last_refresh_at, 'the cron\'s renewal shows');

    // The provider forgets the grant: the refresh fails, the connection needs a new consent.
    const live = await memberBot.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared' });
    const found = await stack.idp.provider.AccessToken.find(live.body.access_token);
    await (await stack.idp.provider.Grant.find(found.grantId)).destroy();
    const refused = await memberBot.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared', force_refresh: true });
    assert.equal(refused.status, 409, refused.text);
    const broken = await row(c.id);
    assert.equal(broken.status, 'needs_reauth', 'a refresh failure resets the list');
    assert.equal(broken.shared_token.status, 'needs_reauth');
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    assert.equal((await row(c.id)).status, 'ready');
  });

  test('sign-out, a new password, deactivation, deletion and a lost right hold on the next list call', async () => {
    const cookieOf = (client) => [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const listWith = (cookie) => fetch(`${stack.baseUrl}/api/v1/connections`, { headers: { cookie, 'cf-connecting-ip': '10.9.9.9' } });

    const leaving = await createUser(admin, { name: 'leaving', roleIds: [viewers.id] });
    await list(leaving.client);
    const cookie = cookieOf(leaving.client);
    assert.equal((await listWith(cookie)).status, 200);
    assert.equal((await leaving.client.delete('/api/v1/session')).status, 204);
    assert.equal((await listWith(cookie)).status, 401, 'a signed-out session is refused at once');

    const changing = await createUser(admin, { name: 'changing', roleIds: [viewers.id] });
    await list(changing.client);
    assert.equal((await admin.patch(`/api/v1/users/${changing.user.id}`, { password: 'a brand new password for tests' })).status, 200);
    assert.equal((await changing.client.get('/api/v1/connections')).status, 401, 'a new password ends the session at once');

    const disabled = await createUser(admin, { name: 'disabled', roleIds: [viewers.id] });
    await list(disabled.client);
    assert.equal((await admin.patch(`/api/v1/users/${disabled.user.id}`, { active: false })).status, 200);
    assert.equal((await disabled.client.get('/api/v1/connections')).status, 401, 'a deactivated person is refused at once');

    const deleted = await createUser(admin, { name: 'deleted', roleIds: [viewers.id] });
    await list(deleted.client);
    assert.equal((await admin.delete(`/api/v1/users/${deleted.user.id}`)).status, 204);
    assert.equal((await deleted.client.get('/api/v1/connections')).status, 401, 'a deleted person is refused at once');

    const demoted = await createUser(admin, { name: 'demoted', roleIds: [viewers.id] });
    await list(demoted.client);
    assert.equal((await admin.patch(`/api/v1/users/${demoted.user.id}`, { role_ids: [] })).status, 200);
    assert.equal((await demoted.client.get('/api/v1/connections')).status, 403, 'a role taken away is felt at once');

    const lookers = await createRole(admin, { name: 'Lookers', permissions: ['connections.view'] });
    const looker = await createUser(admin, { name: 'looker' });
    assert.equal((await admin.patch(`/api/v1/users/${looker.user.id}`, { role_ids: [lookers.id] })).status, 200);
    await list(looker.client);
    assert.equal((await admin.patch(`/api/v1/roles/${lookers.id}`, { permissions: [] })).status, 200);
    assert.equal((await looker.client.get('/api/v1/connections')).status, 403, 'a permission taken from a role is felt at once');
    assert.equal((await admin.patch(`/api/v1/roles/${lookers.id}`, { permissions: ['connections.view'] })).status, 200);
    assert.equal((await looker.client.get('/api/v1/connections')).status, 200, 'and given back');
  });

  test('one page for everyone, the right to read it per viewer', async () => {
    const page = await list(admin);
    const nobody = await createUser(admin, { name: 'nobody' });
    assert.equal((await admin.patch(`/api/v1/users/${nobody.user.id}`, { role_ids: [] })).status, 200);
    const refused = await nobody.client.get('/api/v1/connections');
    assert.equal(refused.status, 403, 'a warm page is not shown to someone without the right');
    assert.ok(!refused.text.includes('"items"'));
    assert.equal((await new Client(stack.baseUrl).get('/api/v1/connections')).status, 401, 'nor to a stranger');
    const forged = await fetch(`${stack.baseUrl}/api/v1/connections`, { headers: { cookie: `__Host-session=${'ab'.repeat(32)}` } });
    assert.equal(forged.status, 401, 'nor to a session nobody holds');
    assert.deepEqual(await list(viewer.client), page, 'the same page for every viewer');
    const manageBot = (await createKey(viewer.client, 'viewer reader', ['manage'])).bot;
    assert.deepEqual(await list(manageBot), page, 'a bot key with the manage scope reads it too');
    const tokensBot = (await createKey(viewer.client, 'viewer tokens')).bot;
    assert.equal((await tokensBot.get('/api/v1/connections')).status, 403, 'a tokens-scoped key does not');
    const validation = await viewer.client.get('/api/v1/connections?sort=colour');
    assert.equal(validation.status, 422);
  });

  test('a reset that is not acknowledged is queued and delivered by the cron', async () => {
    const c = await create(customInput(stack.idp, { name: 'Memory lost reset' }));
    await list(viewer.client);
    const faults = (fail) => fetch(`${stack.baseUrl}/api/v1/_test/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fail_resets: fail }) });
    assert.equal((await faults(true)).status, 200);
    try {
      const edited = await admin.patch(`/api/v1/connections/${c.id}`, { name: 'Memory reset delivered' });
      assert.equal(edited.status, 200, 'the change committed; the lost reset is not the caller\'s failure');
      const owed = await sql(stack.worker, "SELECT binding, name FROM pending_resets WHERE binding = 'LIST_MEMORY'");
      assert.deepEqual(owed, [{ binding: 'LIST_MEMORY', name: 'connections' }]);
    } finally {
      assert.equal((await faults(false)).status, 200);
    }
    await runCron(stack.baseUrl);
    assert.deepEqual(await sql(stack.worker, "SELECT * FROM pending_resets WHERE binding = 'LIST_MEMORY'"), []);
    assert.equal((await row(c.id, viewer.client)).name, 'Memory reset delivered');
  });
});
