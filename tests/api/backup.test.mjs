// Backup and restore: `cargo xtask backup` dumps a populated local database, `cargo xtask
// restore` loads the dump into a fresh state folder, and a worker on that folder serves every
// person, session, key, connection and token as before. The dump holds ciphertext only: none of
// the secrets, tokens, passwords or keys the test used appears in it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ADMIN, BOOTSTRAP_TOKEN } from '../support/people.mjs';
import { populate } from '../support/populated.mjs';
import { ROOT } from '../support/paths.mjs';
import { startStack } from '../support/stack.mjs';
import { startWorker, testEncryptionKeys, testMacKey } from '../support/worker.mjs';

const run = promisify(execFile);
const xtask = (...args) => run('cargo', ['xtask', ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });

describe('backup and restore', () => {
  let stack;
  let restored;
  let dir;
  let dump;
  let admin;
  let member;
  let memberBot;
  let code;
  let machine;
  const plaintexts = new Map();
  const vars = { BOOTSTRAP_TOKEN, ENCRYPTION_KEYS: testEncryptionKeys(), MAC_KEY: testMacKey(), REFRESH_MIN_INTERVAL_SECONDS: '0' };
  let issued;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-oauth-backup-'));
    stack = await startStack({ vars });
    const data = await populate(stack);
    ({ admin, memberBot, code, machine, issued } = data);
    member = data.member.client;
    const [m, key] = [data.member, data.memberKey];
    Object.entries({
      'basic client secret': 'basic-client-secret', 'machine client secret': 'machine-client-secret', 'admin password': ADMIN.password,
      'member password': m.password, 'bot key': key.key.secret, 'admin session cookie': admin.cookies.get('__Host-session'),
      'shared access token': issued.shared, 'user access token': issued.user, 'machine access token': issued.machine,
    }).forEach(([name, value]) => { assert.ok(value, name); plaintexts.set(name, value); });
    dump = path.join(dir, 'backup.sql');
    await xtask('backup', '--state', stack.worker.persistTo, '--out', dump);
  });
  after(async () => {
    await restored?.stop();
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the dump is SQL holding envelopes, readable by its owner only', () => {
    const text = fs.readFileSync(dump, 'utf8');
    assert.match(text, /CREATE TABLE/);
    assert.match(text, /INSERT INTO "?tokens"?/);
    assert.match(text, /'v1\.t1\./);
    assert.equal(fs.statSync(dump).mode & 0o777, 0o600);
  });

  test('no secret, token, password or key the product was given is in the dump', () => {
    const text = fs.readFileSync(dump, 'utf8');
    for (const [name, value] of plaintexts) assert.ok(!text.includes(value), `${name} is in the dump`);
  });

  test('restored into a fresh state folder, everything works as before', async () => {
    const fresh = path.join(dir, 'restored-state');
    await xtask('restore', '--file', dump, '--state', fresh);
    // The same port: the IdP knows the callback URL by it.
    await stack.worker.stop();
    restored = await startWorker({ port: stack.worker.port, persistTo: fresh, vars, logName: `wrangler-${stack.worker.port}-restored.log` });
    assert.equal((await admin.get('/api/v1/session')).status, 200, 'sessions came back');
    const list = await admin.get('/api/v1/connections');
    assert.deepEqual(list.body.items.map((c) => c.name).sort(), ['Code basic', 'Machine']);
    assert.equal((await memberBot.post(`/api/v1/connections/${code.id}/token`, { token_type: 'shared' })).body.access_token, issued.shared);
    assert.equal((await member.post(`/api/v1/connections/${code.id}/token`, { token_type: 'user' })).body.access_token, issued.user);
    assert.equal((await memberBot.post(`/api/v1/connections/${machine.id}/token`, { token_type: 'shared' })).body.access_token, issued.machine);
    const refreshed = await memberBot.post(`/api/v1/connections/${code.id}/token`, { token_type: 'shared', force_refresh: true });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.notEqual(refreshed.body.access_token, issued.shared);
    const tested = await admin.post(`/api/v1/connections/${machine.id}/test`);
    assert.equal(tested.body.ok, true, tested.text);
  });

  test('restore refuses a database that is not empty', async () => {
    await assert.rejects(
      xtask('restore', '--file', dump, '--state', path.join(dir, 'restored-state')),
      (error) => /not empty/.test(error.stderr),
    );
  });
});
