// Connections over HTTP against wrangler dev: the catalogue, create/read/list/edit/delete,
// every validation rule reaching the API with its field, rights, invites, and secrets that are
// write-only and encrypted at rest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, everythingSeen } from '../support/http.mjs';
import { salesforceInput } from '../support/connections.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { sql, startWorker, stateBytes } from '../support/worker.mjs';

describe('connections', () => {
  let worker;
  let admin;
  let manager;
  let viewer;
  let nobody;
  let managerBot;
  let customRole;

  before(async () => {
    worker = await startWorker({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(worker.baseUrl);
    const managers = await createRole(admin, { name: 'Managers', permissions: ['connections.manage'] });
    customRole = await createRole(admin, { name: 'Sales bots', permissions: [] });
    manager = (await createUser(admin, { name: 'manager', roleIds: [managers.id] })).client;
    viewer = (await createUser(admin, { name: 'viewer' })).client;
    const stripped = await createUser(admin, { name: 'nobody' });
    await admin.patch(`/api/v1/users/${stripped.user.id}`, { role_ids: [] });
    nobody = stripped.client;
    managerBot = (await createKey(manager, 'ci bot', ['manage'])).bot;
  });
  after(async () => { await worker?.stop(); });

  test('the catalogue lists every provider with its rules', async () => {
    const response = await viewer.get('/api/v1/providers');
    assert.equal(response.status, 200);
    const byKind = Object.fromEntries(response.body.items.map((p) => [p.kind, p]));
    assert.deepEqual(Object.keys(byKind).sort(), [
      'apigee', 'custom', 'genesys', 'google_calendar', 'google_drive', 'google_sheets', 'microsoft_entra', 'salesforce', 'servicenow', 'sharepoint',
    ]);
    assert.deepEqual(byKind.salesforce.default_scopes, ['api', 'refresh_token', 'offline_access']);
    assert.deepEqual(byKind.salesforce.placeholders.map((p) => p.key), ['yourinstance']);
    assert.equal(byKind.google_drive.supports_pkce, false);
    assert.deepEqual(byKind.google_sheets.extra_authorize_params, [['access_type', 'offline'], ['prompt', 'consent']]);
    assert.equal((await new Client(worker.baseUrl).get('/api/v1/providers')).status, 401);
  });

  let created;
  test('a manager creates a Salesforce connection with its instance filled in', async () => {
    const response = await manager.post('/api/v1/connections', salesforceInput());
    assert.equal(response.status, 201, response.text);
    created = response.body;
    assert.equal(created.authorization_url, 'https://acme.my.salesforce.com/services/oauth2/authorize');
    assert.equal(created.token_url, 'https://acme.my.salesforce.com/services/oauth2/token');
    assert.deepEqual(created.scopes, ['api', 'refresh_token', 'offline_access']);
    assert.equal(created.client_auth_method, 'client_secret_post', 'the provider default');
    assert.equal(created.client_secret_set, true);
    assert.equal(created.status, 'draft');
    assert.equal(created.tokens_stale, false);
    assert.ok(!('client_secret' in created), 'the secret is write-only');
    assert.ok(!response.text.includes('sf-secret-PLAINTEXT-4711'));
    const detail = await viewer.get(`/api/v1/connections/${created.id}`);
    assert.deepEqual(detail.body, created);
  });

  test('names are unique whatever the case', async () => {
    const response = await manager.post('/api/v1/connections', salesforceInput({ name: '  salesforce   crm ' }));
    assert.equal(response.status, 409);
    assert.equal(response.body.error.code, 'name_taken');
    assert.equal(response.body.error.field, 'name');
  });

  test('every invalid field is validation_failed naming the field', async () => {
    const cases = [
      [{ provider: 'dropbox' }, 'provider'],
      [{ name: '' }, 'name'],
      [{ description: 'x'.repeat(501) }, 'description'],
      [{ grant_type: 'implicit' }, 'grant_type'],
      [{ provider: 'google_drive', name: 'Drive', authorization_url: 'https://accounts.google.com/o/oauth2/v2/auth', token_url: 'https://oauth2.googleapis.com/token', scopes: [] }, 'grant_type'],
      [{ client_id: ' ' }, 'client_id'],
      [{ grant_type: 'authorization_code', client_secret: undefined }, 'client_secret'],
      [{ placeholders: {} }, 'authorization_url'],
      [{ placeholders: { yourinstance: 'evil.com/path?' } }, 'placeholders.yourinstance'],
      [{ provider: 'custom', authorization_url: 'https://idp.example.com/auth', token_url: 'http://idp.example.com/token' }, 'token_url'],
      [{ provider: 'custom', authorization_url: 'ftp://idp.example.com/auth', token_url: 'https://idp.example.com/token' }, 'authorization_url'],
      [{ scopes: ['ok', 'bad"scope'] }, 'scopes'],
      [{ client_auth_method: 'private_key_jwt' }, 'client_auth_method'],
    ];
    for (const [overrides, field] of cases) {
      const body = salesforceInput({ name: `Invalid ${field}`, ...overrides });
      const response = await manager.post('/api/v1/connections', body);
      assert.equal(response.status, 422, `${JSON.stringify(overrides)}: ${response.text}`);
      assert.equal(response.body.error.code, 'validation_failed');
      assert.equal(response.body.error.field, field, JSON.stringify(overrides));
    }
    const count = await sql(worker, "SELECT COUNT(*) AS n FROM connections WHERE name LIKE 'Invalid%'");
    assert.equal(count[0].n, 0, 'a failed save changes nothing');
  });

  test('list: search, provider and status filters, cursor paging', async () => {
    for (const name of ['Alpha', 'Beta', 'Gamma']) {
      const r = await manager.post('/api/v1/connections', {
        provider: 'custom', name, grant_type: 'client_credentials', client_id: `${name}-id`, client_secret: 'x',
        token_url: 'https://idp.example.com/token',
      });
      assert.equal(r.status, 201, r.text);
    }
    const all = await viewer.get('/api/v1/connections');
    assert.deepEqual(all.body.items.map((c) => c.name), ['Alpha', 'Beta', 'Gamma', 'Salesforce CRM']);
    const custom = await viewer.get('/api/v1/connections?provider=custom');
    assert.deepEqual(custom.body.items.map((c) => c.name), ['Alpha', 'Beta', 'Gamma']);
    const searched = await viewer.get('/api/v1/connections?q=nightly');
    assert.deepEqual(searched.body.items.map((c) => c.name), ['Salesforce CRM'], 'description matches too');
    const drafts = await viewer.get('/api/v1/connections?status=draft&provider=salesforce');
    assert.equal(drafts.body.items.length, 1);
    const first = await viewer.get('/api/v1/connections?limit=2');
    assert.deepEqual(first.body.items.map((c) => c.name), ['Alpha', 'Beta']);
    assert.ok(first.body.next_cursor);
    const second = await viewer.get(`/api/v1/connections?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    assert.deepEqual(second.body.items.map((c) => c.name), ['Gamma', 'Salesforce CRM']);
    const bad = await viewer.get('/api/v1/connections?status=broken');
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.field, 'status');
  });

  test('edits: a rename keeps tokens, credential changes mark them stale, a new secret is sealed anew', async () => {
    const [before] = await sql(worker, `SELECT client_secret FROM connections WHERE id = '${created.id}'`);
    const renamed = await manager.patch(`/api/v1/connections/${created.id}`, { name: 'Salesforce Sales Cloud' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, 'Salesforce Sales Cloud');
    assert.equal(renamed.body.tokens_stale, false);
    assert.equal(renamed.body.client_secret_set, true, 'an edit without a secret keeps it');
    const [kept] = await sql(worker, `SELECT client_secret FROM connections WHERE id = '${created.id}'`);
    assert.equal(kept.client_secret, before.client_secret);

    const rescoped = await manager.patch(`/api/v1/connections/${created.id}`, { scopes: ['api'] });
    assert.equal(rescoped.body.tokens_stale, true);
    assert.equal(rescoped.body.status, 'draft');

    const rotated = await manager.patch(`/api/v1/connections/${created.id}`, { client_secret: 'rotated-PLAINTEXT-0815' });
    assert.equal(rotated.status, 200);
    const [after] = await sql(worker, `SELECT client_secret FROM connections WHERE id = '${created.id}'`);
    assert.notEqual(after.client_secret, before.client_secret);
    assert.match(after.client_secret, /^v1\.t1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);

    const invalid = await manager.patch(`/api/v1/connections/${created.id}`, { token_url: 'http://example.com/token' });
    assert.equal(invalid.status, 422);
    const unchanged = await viewer.get(`/api/v1/connections/${created.id}`);
    assert.equal(unchanged.body.token_url, 'https://acme.my.salesforce.com/services/oauth2/token', 'a failed save changes nothing');
  });

  test('invites take custom roles only', async () => {
    const ok = await manager.put(`/api/v1/connections/${created.id}/roles`, { role_ids: [customRole.id] });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.invited_role_ids, [customRole.id]);
    const system = await manager.put(`/api/v1/connections/${created.id}/roles`, { role_ids: ['role-user'] });
    assert.equal(system.status, 422);
    assert.equal(system.body.error.field, 'role_ids');
    const unknown = await manager.put(`/api/v1/connections/${created.id}/roles`, { role_ids: ['ghost'] });
    assert.equal(unknown.status, 422);
    const invitable = await manager.get('/api/v1/invitable-roles');
    assert.deepEqual(invitable.body.items.map((r) => r.name).sort(), ['Managers', 'Sales bots']);
    assert.equal((await viewer.get('/api/v1/invitable-roles')).status, 403);
  });

  test('rights: view reads, manage writes, nothing refuses, keys act as their owner', async () => {
    assert.equal((await viewer.get('/api/v1/connections')).status, 200);
    assert.equal((await viewer.post('/api/v1/connections', salesforceInput({ name: 'Viewer made' }))).status, 403);
    assert.equal((await viewer.patch(`/api/v1/connections/${created.id}`, { name: 'Hijack' })).status, 403);
    assert.equal((await viewer.delete(`/api/v1/connections/${created.id}`)).status, 403);
    assert.equal((await viewer.put(`/api/v1/connections/${created.id}/roles`, { role_ids: [] })).status, 403);
    assert.equal((await nobody.get('/api/v1/connections')).status, 403);
    assert.equal((await nobody.get(`/api/v1/connections/${created.id}`)).status, 403);
    assert.equal((await new Client(worker.baseUrl).get('/api/v1/connections')).status, 401);
    const botMade = await managerBot.post('/api/v1/connections', salesforceInput({ name: 'Made by a bot' }));
    assert.equal(botMade.status, 201);
    assert.equal((await admin.delete(`/api/v1/connections/${botMade.body.id}`)).status, 204);
  });

  test('delete removes the row, its secret and its invites; audit stays', async () => {
    const response = await manager.delete(`/api/v1/connections/${created.id}`);
    assert.equal(response.status, 204);
    assert.equal((await viewer.get(`/api/v1/connections/${created.id}`)).status, 404);
    assert.equal((await sql(worker, `SELECT COUNT(*) AS n FROM connection_roles WHERE connection_id = '${created.id}'`))[0].n, 0);
    const audit = await sql(worker, `SELECT action FROM audit_events WHERE target_id = '${created.id}' ORDER BY id`);
    assert.deepEqual(audit.map((a) => a.action), ['connection.create', 'connection.update', 'connection.update', 'connection.update', 'connection.invite', 'connection.delete']);
  });

  test('no plaintext secret in D1 or in any response', async () => {
    const bytes = stateBytes(worker);
    assert.ok(bytes.length > 10_000);
    for (const secret of ['sf-secret-PLAINTEXT-4711', 'rotated-PLAINTEXT-0815']) {
      assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `${secret} stored in plaintext`);
    }
    const sealed = await sql(worker, 'SELECT client_secret FROM connections');
    assert.ok(sealed.length >= 3 && sealed.every((r) => r.client_secret.startsWith('v1.')));
    const seen = everythingSeen(admin, manager, viewer, nobody, managerBot);
    assert.ok(!seen.includes('PLAINTEXT'));
    const audit = await sql(worker, 'SELECT detail FROM audit_events');
    assert.ok(!JSON.stringify(audit).includes('PLAINTEXT'), 'no secret in audit details');
  });

  test('a stored status the code does not know fails the read; it never passes for a default', async () => {
    const odd = (await manager.post('/api/v1/connections', salesforceInput({ name: 'Odd status' }))).body;
    await sql(worker, `UPDATE connections SET status = 'archived' WHERE id = '${odd.id}'`);
    const read = await viewer.get(`/api/v1/connections/${odd.id}`);
    assert.equal(read.status, 500, read.text);
    assert.equal(read.body.error.code, 'internal');
    assert.ok(!read.text.includes('archived'), 'the detail goes to the log, not to the caller');
    assert.equal((await viewer.get('/api/v1/connections')).status, 500, 'a list with the row fails as a whole');
    assert.match(await worker.waitForLog(/unreadable row/), /connections: unreadable row: .*unknown ConnectionStatus .archived./);
    await sql(worker, `UPDATE connections SET status = 'draft' WHERE id = '${odd.id}'`);
    assert.equal((await viewer.get(`/api/v1/connections/${odd.id}`)).body.status, 'draft');
  });
});
