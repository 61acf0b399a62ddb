// An upgrade: a database made by an earlier release (the migrations of commit 2115ea3, kept in
// tests/fixtures/release-2115ea3/), holding rows as that release wrote them — people, a custom
// role, sessions, a bot key, connections with sealed client secrets, shared and user tokens from
// real grants at the test IdP sealed by an independent implementation of the envelope format
// (tests/support/envelope.mjs), notifications, audit rows. Then today's migrations are applied
// with wrangler and today's worker serves it: every record is intact and usable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startIdp } from '../idp/provider.mjs';
import { authorize, consentAtIdp } from '../support/consent.mjs';
import { seal } from '../support/envelope.mjs';
import { Client } from '../support/http.mjs';
import { createKey } from '../support/people.mjs';
import { ROOT, nodeBin } from '../support/paths.mjs';
import { freePort } from '../support/ports.mjs';
import { sql, startWorker, testEncryptionKeys, testMacKey, wranglerEnv } from '../support/worker.mjs';

const run = promisify(execFile);
const FIXTURE = path.join(ROOT, 'tests/fixtures/release-2115ea3');
// argon2id (m=19456, t=2, p=1) of PASSWORD, as the worker and `cargo xtask admin` write it.
const PASSWORD = 'an old release password';
const PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$HBwEUDnjVxuiq2z9VCCM1g$rKcq3eKQHgK0TNWt2NNFY1tO5XDYRBIr3Tgd2CzIsXc';

const hex = (n) => randomBytes(n).toString('hex');
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const newId = () => `${Date.now().toString(16).padStart(12, '0')}${hex(8)}`;
const q = (v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
const insert = (table, row) => `INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.values(row).map(q).join(', ')});`;

/** A config like the repository's, whose migrations are the earlier release's. */
function oldConfig(dir) {
  const current = fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8');
  const databaseId = current.match(/database_id\s*=\s*"([^"]+)"/)[1];
  const databaseName = current.match(/database_name\s*=\s*"([^"]+)"/)[1];
  const file = path.join(dir, 'wrangler.toml');
  fs.writeFileSync(file, `name = "previous-release"\ncompatibility_date = "2026-04-01"\n\n[[d1_databases]]\nbinding = "DB"\n`
    + `database_name = "${databaseName}"\ndatabase_id = "${databaseId}"\nmigrations_dir = "${path.join(FIXTURE, 'migrations')}"\n`);
  return file;
}

/** Real tokens for `clientId` from the IdP's code flow, as the earlier release stored them. */
async function grant(idp, callbackOrigin, login) {
  const redirectUri = `${callbackOrigin}/oauth/callback`;
  const url = `${idp.issuer}/auth?${new URLSearchParams({
    client_id: 'basic-client', response_type: 'code', redirect_uri: redirectUri, scope: 'openid offline_access api', state: hex(16), login_hint: login,
  })}`;
  const code = new URL(await consentAtIdp(url, callbackOrigin), callbackOrigin).searchParams.get('code');
  const response = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('basic-client:basic-client-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
  });
  const body = await response.json();
  assert.ok(body.access_token && body.refresh_token, JSON.stringify(body));
  return body;
}

describe('upgrade from an earlier release', () => {
  let idp;
  let worker;
  let dir;
  const keys = testEncryptionKeys();
  const now = Math.floor(Date.now() / 1000);
  const ids = { admin: newId(), member: newId(), role: newId(), code: newId(), machine: newId(), key: newId() };
  const sessions = { admin: hex(32), member: hex(32) };
  const oldKey = `eoc_${hex(4)}_${hex(32)}`;
  let shared;
  let user;

  before(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    idp = await startIdp({ redirectUris: [`${origin}/oauth/callback`] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-oauth-upgrade-'));
    const env = wranglerEnv();
    const config = oldConfig(dir);
    const state = path.join(dir, 'state');
    await run(nodeBin('wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state, '--config', config], { cwd: ROOT, env });

    shared = await grant(idp, origin, 'shared-account');
    user = await grant(idp, origin, 'member-account');
    const at = (table, row, column) => ({ table, row, column });
    const tokenRow = (id, kind, userId, set) => ({
      id, connection_id: ids.code, kind, user_id: userId,
      access_token: seal(keys, set.access_token, at('tokens', id, 'access_token')),
      refresh_token: seal(keys, set.refresh_token, at('tokens', id, 'refresh_token')),
      token_type: 'Bearer', scope: set.scope, instance_url: null, expires_at: now + set.expires_in, status: 'valid',
      last_refresh_at: null, last_error: null, created_at: now, updated_at: now,
    });
    const connection = (id, fields) => ({
      id, provider: 'custom', description: 'made by an earlier release', authorization_url: `${idp.issuer}/auth`, token_url: `${idp.issuer}/token`,
      placeholders: '{}', client_auth_method: 'client_secret_basic', save_credentials: 0, status: 'ready', tokens_stale: 0,
      created_by: ids.admin, created_at: now, updated_at: now, ...fields,
    });
    const rows = [
      insert('users', { id: ids.admin, email: 'old-admin@example.test', display_name: 'Old Admin', password_hash: PASSWORD_HASH, active: 1, failed_sign_ins: 0, created_at: now, updated_at: now }),
      insert('users', { id: ids.member, email: 'old-member@example.test', display_name: 'Old Member', password_hash: PASSWORD_HASH, active: 1, failed_sign_ins: 0, created_at: now, updated_at: now }),
      insert('roles', { id: ids.role, name: 'Integrations', name_key: 'integrations', description: 'old role', system: 0, permissions: '[]', created_at: now, updated_at: now }),
      ...[['role-admin', ids.admin], ['role-user', ids.admin], ['role-user', ids.member], [ids.role, ids.admin], [ids.role, ids.member]]
        .map(([role, member]) => insert('role_members', { role_id: role, user_id: member })),
      insert('sessions', { id_hash: sha256(sessions.admin), user_id: ids.admin, created_at: now, last_seen_at: now }),
      insert('sessions', { id_hash: sha256(sessions.member), user_id: ids.member, created_at: now, last_seen_at: now }),
      insert('api_keys', { id: ids.key, user_id: ids.member, name: 'old bot', prefix: oldKey.split('_').slice(0, 2).join('_'), secret_hash: sha256(oldKey), created_at: now }),
      insert('connections', connection(ids.code, {
        name: 'Old code', name_key: 'old code', grant_type: 'authorization_code', client_id: 'basic-client',
        client_secret: seal(keys, 'basic-client-secret', at('connections', ids.code, 'client_secret')), scopes: '["openid","offline_access","api"]',
      })),
      insert('connections', connection(ids.machine, {
        name: 'Old machine', name_key: 'old machine', grant_type: 'client_credentials', client_id: 'machine-client', authorization_url: '',
        client_secret: seal(keys, 'machine-client-secret', at('connections', ids.machine, 'client_secret')), scopes: '["api"]',
      })),
      insert('connection_roles', { connection_id: ids.code, role_id: ids.role }),
      insert('connection_roles', { connection_id: ids.machine, role_id: ids.role }),
      insert('tokens', tokenRow(`${ids.code}:shared`, 'shared', null, shared)),
      insert('tokens', tokenRow(`${ids.code}:user:${ids.member}`, 'user', ids.member, user)),
      insert('notifications', { id: newId(), user_id: ids.member, kind: 'connection_needs_reauth', connection_id: ids.code, title: 'An old notice', body: '', created_at: now }),
      insert('audit_events', { id: newId(), at: now, actor_kind: 'user', actor_id: ids.admin, action: 'connection.create', target_kind: 'connection', target_id: ids.code, outcome: 'success', detail: '{"name":"Old code"}' }),
    ];
    const seed = path.join(dir, 'seed.sql');
    fs.writeFileSync(seed, rows.join('\n'));
    await run(nodeBin('wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', state, '--config', config, '--file', seed], { cwd: ROOT, env });
    fs.rmSync(seed);

    // Today's worker on that state: startWorker applies today's migrations first.
    worker = await startWorker({ port, persistTo: state, vars: { ENCRYPTION_KEYS: keys, MAC_KEY: testMacKey(), REFRESH_MIN_INTERVAL_SECONDS: '0' } });
  });
  after(async () => {
    await worker?.stop();
    await idp?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const signedIn = (cookie) => {
    const client = new Client(worker.baseUrl);
    client.cookies.set('__Host-session', cookie);
    return client;
  };

  test("today's migrations were applied on top of the earlier release's", async () => {
    const applied = (await sql(worker, 'SELECT name FROM d1_migrations ORDER BY id')).map((r) => r.name);
    const today = fs.readdirSync(path.join(ROOT, 'edge/migrations')).filter((f) => f.endsWith('.sql')).sort();
    assert.deepEqual(applied, today);
    assert.ok(today.length > fs.readdirSync(path.join(FIXTURE, 'migrations')).length, 'there was something to apply');
  });

  test('people sign in with their passwords; sessions made before the upgrade still work', async () => {
    const fresh = new Client(worker.baseUrl);
    await fresh.signIn('old-admin@example.test', PASSWORD);
    const admin = signedIn(sessions.admin);
    const me = await admin.get('/api/v1/session');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.user.id, ids.admin);
    const users = await admin.get('/api/v1/users');
    assert.deepEqual(users.body.items.map((u) => u.email).sort(), ['old-admin@example.test', 'old-member@example.test']);
    const role = await admin.get(`/api/v1/roles/${ids.role}`);
    assert.equal(role.status, 200, role.text);
  });

  test('connections are intact; their secrets open (connection test, client credentials)', async () => {
    const admin = signedIn(sessions.admin);
    const list = await admin.get('/api/v1/connections');
    assert.deepEqual(list.body.items.map((c) => c.name).sort(), ['Old code', 'Old machine']);
    const code = await admin.get(`/api/v1/connections/${ids.code}`);
    assert.equal(code.body.status, 'ready');
    assert.equal(code.body.client_id, 'basic-client');
    const tested = await admin.post(`/api/v1/connections/${ids.machine}/test`);
    assert.equal(tested.body.ok, true, tested.text);
  });

  test('shared and user tokens stored by the earlier release are served and refresh', async () => {
    const member = signedIn(sessions.member);
    const sharedNow = await member.post(`/api/v1/connections/${ids.code}/token`, { token_type: 'shared' });
    assert.equal(sharedNow.status, 200, sharedNow.text);
    assert.equal(sharedNow.body.access_token, shared.access_token);
    const userNow = await member.post(`/api/v1/connections/${ids.code}/token`, { token_type: 'user' });
    assert.equal(userNow.body.access_token, user.access_token);
    for (const kind of ['shared', 'user']) {
      const refreshed = await member.post(`/api/v1/connections/${ids.code}/token`, { token_type: kind, force_refresh: true });
      assert.equal(refreshed.status, 200, `${kind}: ${refreshed.text}`);
      assert.notEqual(refreshed.body.access_token, kind === 'shared' ? shared.access_token : user.access_token);
    }
  });

  test('a key made before keys were tagged is refused, as documented, and stays listed; a new key works', async () => {
    const old = new Client(worker.baseUrl, { apiKey: oldKey });
    assert.equal((await old.post(`/api/v1/connections/${ids.code}/token`, { token_type: 'shared' })).status, 401);
    const member = signedIn(sessions.member);
    const listed = await member.get('/api/v1/api-keys');
    const row = listed.body.items.find((k) => k.id === ids.key);
    assert.ok(row, listed.text);
    assert.deepEqual(row.scopes, ['tokens']);
    const { bot } = await createKey(member, 'new bot');
    assert.equal((await bot.post(`/api/v1/connections/${ids.code}/token`, { token_type: 'shared' })).status, 200);
  });

  test('notifications and the audit log are kept; new consents work', async () => {
    const member = signedIn(sessions.member);
    const notices = await member.get('/api/v1/notifications');
    assert.ok(notices.body.items.some((n) => n.title === 'An old notice'), notices.text);
    const admin = signedIn(sessions.admin);
    const audit = await admin.get(`/api/v1/audit?target=${ids.code}`);
    assert.ok(audit.body.items.some((e) => e.action === 'connection.create' && e.actor_id === ids.admin), audit.text);
    const outcome = await authorize(admin, ids.code, 'user');
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
  });
});
