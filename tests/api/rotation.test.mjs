// Key rotation end to end: a populated database (client secrets, shared, user and
// client-credentials tokens from real consents and grants, a consent in flight with its PKCE
// verifier, a webhook endpoint with a rolled signing secret), a new first key,
// `POST /api/v1/admin/encryption/rotate` in small batches until done, then a restart WITHOUT the old key: every
// connection, token and signing secret still works, and no row of any table holds a value under
// the old key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, consentAtIdp, outcomeOf } from '../support/consent.mjs';
import { customInput, machineInput } from '../support/connections.mjs';
import { SEALED, keyIdOf, open } from '../support/envelope.mjs';
import { Client } from '../support/http.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { freePort } from '../support/ports.mjs';
import { startStack } from '../support/stack.mjs';
import { sql, stateBytes, testEncryptionKeys, testMacKey } from '../support/worker.mjs';
import { startReceiver, verifyStandardWebhook } from '../support/webhook_receiver.mjs';

const OLD = testEncryptionKeys().replace(/^t1:/, 'old:');
const NEW = testEncryptionKeys().replace(/^t1:/, 'new:');
const base = { BOOTSTRAP_TOKEN, MAC_KEY: testMacKey(), REFRESH_MIN_INTERVAL_SECONDS: '0' };

async function sealedValues(worker) {
  const all = [];
  for (const c of SEALED) {
    const rows = await sql(worker, `SELECT ${c.key} AS row, ${c.column} AS value FROM ${c.table} WHERE ${c.column} IS NOT NULL`);
    all.push(...rows.map((r) => ({ ...c, row: r.row, value: r.value })));
  }
  return all;
}

describe('key rotation', () => {
  let stack;
  let admin;
  let member;
  let memberBot;
  let code;
  let pkce;
  let machine;
  const extras = [];
  let pending;
  let before_;
  let receiver;
  let hook;
  const hookSecrets = [];
  const secrets = new Set(['basic-client-secret', 'machine-client-secret']);

  before(async () => {
    stack = await startStack({ restartable: true, vars: { ...base, ENCRYPTION_KEYS: OLD } });
    admin = await bootstrapAdmin(stack.baseUrl);
    const adminId = (await admin.get('/api/v1/session')).body.user.id;
    const m = await createUser(admin, { name: 'member' });
    member = m.client;
    memberBot = (await createKey(member, 'member bot')).bot;
    const role = await createRole(admin, { name: 'Integrations', memberIds: [adminId, m.user.id] });
    const connection = async (input) => {
      const created = await admin.post('/api/v1/connections', input);
      assert.equal(created.status, 201, created.text);
      assert.equal((await admin.put(`/api/v1/connections/${created.body.id}/roles`, { role_ids: [role.id] })).status, 200);
      return created.body;
    };
    code = await connection(customInput(stack.idp, { name: 'Code basic' }));
    pkce = await connection(customInput(stack.idp, { name: 'Code PKCE', grant_type: 'authorization_code_pkce' }));
    machine = await connection(machineInput(stack.idp, { name: 'Machine' }));
    for (let i = 0; i < 7; i += 1) extras.push(await connection(machineInput(stack.idp, { name: `Machine ${i}` })));
    assert.equal((await authorize(admin, code.id, 'shared')).ok, true);
    assert.equal((await authorize(member, code.id, 'user')).ok, true);
    assert.equal((await authorize(admin, pkce.id, 'shared')).ok, true);
    // A revocation still owed to a provider that does not answer: the token and the client
    // secret wait sealed in provider_revocations until it is sent.
    const owed = await connection(customInput(stack.idp, {
      name: 'Revocation owed', revocation_url: `http://127.0.0.1:${await freePort()}/revoke`,
    }));
    assert.equal((await authorize(admin, owed.id, 'shared')).ok, true);
    assert.equal((await admin.delete(`/api/v1/connections/${owed.id}`)).status, 204);
    // A consent in flight: its PKCE verifier is sealed in oauth_transactions until it finishes.
    const started = await admin.post(`/api/v1/connections/${pkce.id}/authorize`, { purpose: 'user' });
    assert.equal(started.status, 200, started.text);
    pending = started.body.authorize_url;
    before_ = {
      shared: (await memberBot.post(`/api/v1/connections/${code.id}/token`, { token_type: 'shared' })).body.access_token,
      user: (await member.post(`/api/v1/connections/${code.id}/token`, { token_type: 'user' })).body.access_token,
      pkce: (await memberBot.post(`/api/v1/connections/${pkce.id}/token`, { token_type: 'shared' })).body.access_token,
      machine: (await memberBot.post(`/api/v1/connections/${machine.id}/token`, { token_type: 'shared' })).body.access_token,
    };
    for (const t of Object.values(before_)) {
      assert.ok(t, 'every token was issued');
      secrets.add(t);
    }
    // A webhook endpoint whose secret was rolled: both signing secrets are sealed.
    receiver = await startReceiver();
    const created = await admin.post('/api/v1/webhooks', { url: receiver.url, events: ['connection.deleted'] });
    assert.equal(created.status, 201, created.text);
    hook = created.body.webhook;
    const rolled = await admin.post(`/api/v1/webhooks/${hook.id}/roll-secret`, {});
    assert.equal(rolled.status, 200, rolled.text);
    hookSecrets.push(created.body.secret, rolled.body.secret);
    for (const s of hookSecrets) secrets.add(s.slice('whsec_'.length));
  });
  after(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  test('every sealed column holds values under the old key, and they open with it (the documented format)', async () => {
    const values = await sealedValues(stack.worker);
    for (const column of SEALED) {
      assert.ok(values.some((v) => v.table === column.table && v.column === column.column), `${column.table}.${column.column} is populated`);
    }
    for (const v of values) {
      assert.equal(keyIdOf(v.value), 'old');
      open(OLD, v.value, { table: v.table, row: v.row, column: v.column });
    }
    const secret = values.find((v) => v.table === 'connections' && v.row === code.id);
    assert.equal(open(OLD, secret.value, { table: 'connections', row: code.id, column: 'client_secret' }), 'basic-client-secret');
  });

  test('only admins may rotate, from our origin', async () => {
    assert.equal((await member.post('/api/v1/admin/encryption/rotate', {})).status, 403);
    assert.equal((await memberBot.post('/api/v1/admin/encryption/rotate', {})).status, 403);
    const foreign = new Client(stack.baseUrl, { origin: 'https://evil.example' });
    foreign.cookies = admin.cookies;
    assert.equal((await foreign.post('/api/v1/admin/encryption/rotate', {})).status, 403);
    assert.equal((await new Client(stack.baseUrl).post('/api/v1/admin/encryption/rotate', {})).status, 401);
  });

  test('with the new key first, rotation runs in bounded, resumable batches until done', async () => {
    const total = (await sealedValues(stack.worker)).length;
    await stack.restart({ ...base, ENCRYPTION_KEYS: `${NEW},${OLD}` });
    // Nothing is rewritten by the restart itself; new values would use the new key.
    const first = await admin.post('/api/v1/admin/encryption/rotate', { limit: 2 });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.active_key, 'new');
    assert.deepEqual(Object.keys(first.body.rewrapped).sort(), SEALED.map((c) => `${c.table}.${c.column}`).sort());
    for (const n of Object.values(first.body.rewrapped)) assert.ok(n <= 2, 'at most `limit` per column');
    const firstCount = Object.values(first.body.rewrapped).reduce((a, b) => a + b, 0);
    assert.ok(firstCount > 0);
    assert.equal(first.body.remaining, total - firstCount);
    assert.deepEqual(first.body.remaining_by_key, { old: total - firstCount });
    assert.equal(first.body.done, false);
    assert.equal(first.body.unreadable, 0);
    assert.deepEqual(first.body.failed, []);

    let rewrapped = firstCount;
    let calls = 1;
    let last = first.body;
    while (!last.done) {
      const step = await admin.post('/api/v1/admin/encryption/rotate', { limit: 2 });
      assert.equal(step.status, 200, step.text);
      const n = Object.values(step.body.rewrapped).reduce((a, b) => a + b, 0);
      assert.ok(n > 0 || step.body.done, 'every call makes progress');
      assert.equal(step.body.remaining, last.remaining - n - step.body.changed_meanwhile);
      rewrapped += n;
      calls += 1;
      last = step.body;
      assert.ok(calls < 50, 'ends');
    }
    assert.ok(calls >= 3, `bounded batches: ${calls} calls`);
    assert.equal(rewrapped, total);
    assert.equal(last.remaining, 0);
    assert.deepEqual(last.remaining_by_key, {});
    // Idempotent: once done, a call (without a body) changes nothing.
    const again = await admin.post('/api/v1/admin/encryption/rotate');
    assert.equal(again.status, 200, again.text);
    assert.equal(Object.values(again.body.rewrapped).reduce((a, b) => a + b, 0), 0);
    assert.equal(again.body.done, true);

    const audit = await admin.get('/api/v1/audit?action=encryption.rotate');
    assert.equal(audit.status, 200, audit.text);
    const rows = audit.body.items.filter((i) => i.action === 'encryption.rotate');
    assert.equal(rows.length, calls + 1);
    assert.equal(rows[0].target_id, 'new');
    assert.ok(!JSON.stringify(rows).includes('basic-client-secret'));
  });

  test('no stored value is under the old key; each opens with the new key alone, in its own place', async () => {
    for (const v of await sealedValues(stack.worker)) {
      assert.equal(keyIdOf(v.value), 'new', `${v.table}.${v.column} ${v.row}`);
      open(NEW, v.value, { table: v.table, row: v.row, column: v.column });
    }
  });

  test('restarted without the old key: every connection and token works', async () => {
    await stack.restart({ ...base, ENCRYPTION_KEYS: NEW });
    // Shared, user and client-credentials tokens: the same tokens, read from D1 and opened.
    const shared = await memberBot.post(`/api/v1/connections/${code.id}/token`, { token_type: 'shared' });
    assert.equal(shared.status, 200, shared.text);
    assert.equal(shared.body.access_token, before_.shared);
    const user = await member.post(`/api/v1/connections/${code.id}/token`, { token_type: 'user' });
    assert.equal(user.status, 200, user.text);
    assert.equal(user.body.access_token, before_.user);
    const pkceToken = await memberBot.post(`/api/v1/connections/${pkce.id}/token`, { token_type: 'shared' });
    assert.equal(pkceToken.body.access_token, before_.pkce);
    assert.equal((await memberBot.post(`/api/v1/connections/${machine.id}/token`, { token_type: 'shared' })).body.access_token, before_.machine);
    // Refresh: the rewrapped refresh tokens and client secrets open and the IdP accepts them.
    const again = [[memberBot, code.id, 'shared', before_.shared], [member, code.id, 'user', before_.user], [memberBot, pkce.id, 'shared', before_.pkce], [memberBot, machine.id, 'shared', before_.machine]];
    for (const [client, id, kind, old] of again) {
      const refreshed = await client.post(`/api/v1/connections/${id}/token`, { token_type: kind, force_refresh: true });
      assert.equal(refreshed.status, 200, `${id} ${kind}: ${refreshed.text}`);
      assert.notEqual(refreshed.body.access_token, old, 'a new token from the provider');
    }
    // Every client secret: the connection test asks the IdP with it.
    for (const c of [machine, ...extras]) {
      const tested = await admin.post(`/api/v1/connections/${c.id}/test`);
      assert.equal(tested.body.ok, true, `${c.name}: ${tested.text}`);
    }
    // The consent that was in flight finishes with its rewrapped PKCE verifier.
    const callback = await consentAtIdp(pending, stack.baseUrl);
    const outcome = outcomeOf((await admin.get(callback)).text);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal((await admin.post(`/api/v1/connections/${pkce.id}/token`, { token_type: 'user' })).status, 200);
    // Both webhook signing secrets open: a test event carries both signatures, each verifies.
    assert.equal((await admin.post(`/api/v1/webhooks/${hook.id}/test`, {})).status, 202);
    await receiver.waitFor((all) => all.length >= 1);
    const [delivery] = receiver.received;
    for (const s of hookSecrets) assert.ok(verifyStandardWebhook(s, delivery.headers, delivery.body));
  });

  test('no row of any table holds a value under the old key; no plaintext on disk', async () => {
    // What is at rest is read with the worker stopped: `wrangler d1 execute` opens the same SQLite
    // file from another process, and the worker may still be writing after the last answer (the
    // vaults' audit outboxes ship a second later, the webhook courier records its delivery). Two
    // processes on one file answer SQLITE_BUSY to whichever comes second; on Cloudflare nothing
    // but the worker reaches D1.
    await stack.worker.stop();
    const tables = await sql(stack.worker, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND substr(name, 1, 4) != '_cf_'");
    assert.ok(tables.length > 10);
    for (const { name } of tables) {
      const rows = JSON.stringify(await sql(stack.worker, `SELECT * FROM "${name}"`));
      assert.ok(!rows.includes('v1.old.'), `${name} holds a value under the old key`);
    }
    // Superseded pages (SQLite's free space and write-ahead log until reused; on Cloudflare, Time
    // Travel) may still hold old ciphertext, as earlier backups do: README says how long the old
    // key stays sensitive. Plaintext is never anywhere.
    const bytes = stateBytes(stack.worker);
    for (const secret of secrets) assert.equal(bytes.indexOf(secret), -1, `plaintext ${secret.slice(0, 8)}… found`);
  });
});
