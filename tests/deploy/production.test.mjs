// The production configuration ([env.production] of wrangler.toml, what `cargo xtask deploy`
// ships) boots under `wrangler dev --env production` in local mode and behaves as production:
// it serves the SPA, applies the production outbound URL rule (no dev opt-in), has no test
// routes, requires its keys as secrets, and sets [observability]. Also the deep health check.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/paths.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin } from '../support/people.mjs';
import { startWorker } from '../support/worker.mjs';

/** The `[env.production]` part of wrangler.toml: from its header to the end of the file. */
function productionSection() {
  const text = fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8');
  const start = text.indexOf('\n[env.production]\n');
  assert.ok(start > 0, 'wrangler.toml has [env.production]');
  return text.slice(start + 1);
}

describe('the production configuration, locally', () => {
  let worker;
  before(async () => { worker = await startWorker({ env: 'production', vars: { BOOTSTRAP_TOKEN } }); });
  after(async () => { await worker?.stop(); });

  test('serves the SPA at / and at any page path', async () => {
    for (const page of ['/', '/connections/new']) {
      const response = await fetch(`${worker.baseUrl}${page}`, { headers: { accept: 'text/html' } });
      assert.equal(response.status, 200, page);
      const html = await response.text();
      assert.match(html, /<html/i, page);
      assert.match(html, /\.wasm/, `${page}: the SPA's wasm is referenced`);
    }
  });

  test('applies the production outbound URL rule: a loopback or private token URL is refused', async () => {
    const config = await (await fetch(`${worker.baseUrl}/api/v1/config`)).json();
    assert.equal(config.endpoint_policy, 'public_only', JSON.stringify(config));
    const admin = await bootstrapAdmin(worker.baseUrl);
    for (const [i, token_url] of ['http://127.0.0.1:9/token', 'https://127.0.0.1/token', 'https://10.0.0.7/token', 'https://localhost/token'].entries()) {
      const input = { provider: 'custom', name: `Private ${i}`, grant_type: 'client_credentials', client_id: 'c', client_secret: 's', token_url, scopes: ['api'] };
      const refused = await admin.post('/api/v1/connections', input);
      assert.equal(refused.status, 422, `${token_url} was accepted: ${refused.text}`);
      assert.equal(refused.body.error.field, 'token_url', token_url);
    }
    const allowed = await admin.post('/api/v1/connections', { provider: 'custom', name: 'Public', grant_type: 'client_credentials', client_id: 'c', client_secret: 's', token_url: 'https://login.example.com/oauth/token', scopes: ['api'] });
    assert.equal(allowed.status, 201, `a public https URL is accepted: ${allowed.text}`);
  });

  test('has no test routes', async () => {
    const discovery = await fetch(`${worker.baseUrl}/api/v1/_test/discovery?issuer=${encodeURIComponent('https://login.example.com')}`);
    assert.equal(discovery.status, 404);
    assert.equal((await discovery.json()).error.code, 'not_found');
    const faults = await fetch(`${worker.baseUrl}/api/v1/_test/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"fail_resets":true}' });
    assert.equal(faults.status, 404);
    const cron = await fetch(`${worker.baseUrl}/api/v1/_test/cron`, { method: 'POST' });
    assert.equal(cron.status, 404, 'the old test-only cron route is gone');
  });

  test('deep health: D1 and a Durable Object round trip answer', async () => {
    const shallow = await fetch(`${worker.baseUrl}/api/v1/health`);
    assert.deepEqual(await shallow.json(), { status: 'ok' });
    const response = await fetch(`${worker.baseUrl}/api/v1/health?deep=1`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), { status: 'ok', checks: [{ check: 'd1', ok: true }, { check: 'durable_object', ok: true }] });
  });

  test('the configuration sets observability, requires the keys as secrets, and has no dev opt-ins', () => {
    const production = productionSection();
    assert.match(production, /\n\[env\.production\.observability\]\nenabled = true\n/);
    assert.match(production, /\[env\.production\.secrets\]\nrequired = \["ENCRYPTION_KEYS", "MAC_KEY"\]/);
    for (const devOnly of [/TEST_ROUTES\s*=/, /ALLOW_PRIVATE_ENDPOINTS\s*=/, /__scheduled/, /kv_namespaces/]) {
      assert.doesNotMatch(production, devOnly);
    }
  });
});

describe('deep health when D1 fails', () => {
  let worker;
  // No migrations: the binding answers, the schema is missing, as after a failed deployment.
  before(async () => { worker = await startWorker({ env: 'production', migrate: false }); });
  after(async () => { await worker?.stop(); });

  test('answers 503 with the code of the failed check; the shallow check stays 200', async () => {
    const response = await fetch(`${worker.baseUrl}/api/v1/health?deep=1`);
    assert.equal(response.status, 503);
    const body = await response.json();
    assert.equal(body.status, 'unavailable');
    assert.equal(body.error, 'd1_unavailable');
    assert.deepEqual(body.checks, [{ check: 'd1', ok: false, error: 'd1_unavailable' }, { check: 'durable_object', ok: true }]);
    assert.equal((await fetch(`${worker.baseUrl}/api/v1/health`)).status, 200);
  });
});
