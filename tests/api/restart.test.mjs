// A restart: `wrangler dev` stopped and started again on the same state folder (D1 and Durable
// Object storage on disk), same port, same secrets. Everything made before still works: people's
// sessions, bot keys (their gates start empty), connections, shared, user and client-credentials
// tokens (their vaults start empty and read D1), refreshes, the audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BOOTSTRAP_TOKEN, createKey } from '../support/people.mjs';
import { populate } from '../support/populated.mjs';
import { startStack } from '../support/stack.mjs';
import { testEncryptionKeys, testMacKey } from '../support/worker.mjs';

describe('restart on the same state', () => {
  let stack;
  let admin;
  let member;
  let memberBot;
  let adminBot;
  let code;
  let machine;
  let firstState;
  let issued;
  const vars = { BOOTSTRAP_TOKEN, ENCRYPTION_KEYS: testEncryptionKeys(), MAC_KEY: testMacKey(), REFRESH_MIN_INTERVAL_SECONDS: '0' };

  before(async () => {
    stack = await startStack({ restartable: true, vars });
    const data = await populate(stack);
    ({ admin, memberBot, code, machine, issued } = data);
    member = data.member.client;
    adminBot = (await createKey(admin, 'admin manage bot', ['manage'])).bot;
    firstState = stack.worker.persistTo;
    await stack.restart();
  });
  after(async () => {
    await stack?.stop();
  });

  test('the worker came back on the same state folder', () => {
    assert.equal(stack.worker.persistTo, firstState);
  });

  test('sessions made before the restart are still signed in', async () => {
    const me = await admin.get('/api/v1/session');
    assert.equal(me.status, 200, me.text);
    assert.equal((await member.get('/api/v1/session')).status, 200);
    assert.equal((await admin.get('/api/v1/users')).status, 200);
  });

  test('bot keys still work, for tokens and for management', async () => {
    assert.equal((await adminBot.get('/api/v1/connections')).status, 200);
    const keys = await admin.get('/api/v1/api-keys');
    assert.equal(keys.status, 200);
  });

  test('every connection is there, unchanged', async () => {
    const list = await admin.get('/api/v1/connections');
    assert.deepEqual(list.body.items.map((c) => c.name).sort(), ['Code basic', 'Machine']);
    const detail = await admin.get(`/api/v1/connections/${code.id}`);
    assert.equal(detail.body.status, 'ready');
    assert.equal(detail.body.client_id, code.client_id);
  });

  test('shared, user and client-credentials tokens are the same tokens, read back from D1', async () => {
    const shared = await memberBot.post(`/api/v1/connections/${code.id}/token`, { token_type: 'shared' });
    assert.equal(shared.status, 200, shared.text);
    assert.equal(shared.body.access_token, issued.shared);
    const user = await member.post(`/api/v1/connections/${code.id}/token`, { token_type: 'user' });
    assert.equal(user.body.access_token, issued.user);
    const fromMachine = await memberBot.post(`/api/v1/connections/${machine.id}/token`, { token_type: 'shared' });
    assert.equal(fromMachine.body.access_token, issued.machine);
  });

  test('refreshes work after the restart (refresh tokens and client secrets read back)', async () => {
    for (const [client, id, kind, old] of [[memberBot, code.id, 'shared', issued.shared], [member, code.id, 'user', issued.user], [memberBot, machine.id, 'shared', issued.machine]]) {
      const refreshed = await client.post(`/api/v1/connections/${id}/token`, { token_type: kind, force_refresh: true });
      assert.equal(refreshed.status, 200, refreshed.text);
      assert.notEqual(refreshed.body.access_token, old);
    }
  });

  test('the audit log from before the restart is there, and so is the new one', async () => {
    const audit = await admin.get('/api/v1/audit?limit=100');
    const actions = new Set(audit.body.items.map((i) => i.action));
    for (const action of ['user.create', 'connection.create', 'api_key.create']) assert.ok(actions.has(action), `${action} in ${[...actions]}`);
  });
});
