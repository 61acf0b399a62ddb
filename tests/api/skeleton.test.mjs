// The walking skeleton over HTTP: the worker in workerd (wrangler dev) serves the API, the SPA
// with its deep-link fallback, JSON errors for unknown API paths, and reaches a real IdP on
// loopback through worker::Fetch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';
import { freePort } from '../support/ports.mjs';
import { startWorker } from '../support/worker.mjs';

describe('walking skeleton', () => {
  let stack;
  before(async () => { stack = await startStack(); });
  after(async () => { await stack?.stop(); });

  test('health answers ok, uncacheable', async () => {
    const response = await fetch(`${stack.baseUrl}/api/v1/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-type'), /application\/json/);
  });

  test('config names the callback URL on this origin', async () => {
    const response = await fetch(`${stack.baseUrl}/api/v1/config`);
    assert.equal(response.status, 200);
    const config = await response.json();
    assert.equal(config.callback_url, `${stack.baseUrl}/oauth/callback`);
    assert.equal(typeof config.product_name, 'string');
    assert.match(config.version, /^\d+\.\d+\.\d+/);
  });

  for (const path of ['/', '/connections/some-id/edit']) {
    test(`the SPA is served at ${path}`, async () => {
      const response = await fetch(`${stack.baseUrl}${path}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type'), /text\/html/);
      const html = await response.text();
      assert.match(html, /<script[^>]*type="module"/, 'trunk loader script');
      assert.match(html, /\.wasm/, 'the app wasm is referenced');
    });
  }

  test('the SPA assets it references are served', async () => {
    const html = await (await fetch(`${stack.baseUrl}/`)).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/[^"]+\.(?:js|wasm|css))"/g)].map((m) => m[1]);
    assert.ok(assets.length >= 3, `expected js, wasm and css, found ${assets}`);
    for (const asset of new Set(assets)) {
      const response = await fetch(`${stack.baseUrl}${asset}`);
      assert.equal(response.status, 200, asset);
    }
  });

  test('an unknown API path is a JSON not_found, not the SPA', async () => {
    const response = await fetch(`${stack.baseUrl}/api/v1/no-such-thing`);
    assert.equal(response.status, 404);
    const body = await response.json();
    assert.equal(body.error.code, 'not_found');
    assert.equal(typeof body.error.message, 'string');
  });

  test('a known path with the wrong method is a JSON method_not_allowed', async () => {
    const response = await fetch(`${stack.baseUrl}/api/v1/health`, { method: 'DELETE' });
    assert.equal(response.status, 405);
    assert.equal((await response.json()).error.code, 'method_not_allowed');
  });

  test('the worker reaches the loopback IdP through worker::Fetch', async () => {
    const issuer = encodeURIComponent(stack.idp.issuer);
    const response = await fetch(`${stack.baseUrl}/api/v1/_test/discovery?issuer=${issuer}`);
    assert.equal(response.status, 200, await response.clone().text());
    const document = await response.json();
    assert.equal(document.issuer, stack.idp.issuer);
    assert.equal(document.token_endpoint, `${stack.idp.issuer}/token`);
    assert.equal(document.authorization_endpoint, `${stack.idp.issuer}/auth`);
  });

  test('an unreachable IdP is provider_unavailable', async () => {
    const closed = await freePort();
    const issuer = encodeURIComponent(`http://127.0.0.1:${closed}`);
    const response = await fetch(`${stack.baseUrl}/api/v1/_test/discovery?issuer=${issuer}`);
    assert.equal(response.status, 503);
    assert.equal((await response.json()).error.code, 'provider_unavailable');
  });

  test('a plain-http issuer off loopback is refused before any fetch', async () => {
    const response = await fetch(`${stack.baseUrl}/api/v1/_test/discovery?issuer=${encodeURIComponent('http://idp.example.com')}`);
    assert.equal(response.status, 422);
    const body = await response.json();
    assert.equal(body.error.code, 'validation_failed');
    assert.equal(body.error.field, 'issuer');
  });
});

describe('test-only routes', () => {
  let worker;
  before(async () => { worker = await startWorker({ vars: { TEST_ROUTES: '0' } }); });
  after(async () => { await worker?.stop(); });

  test('are off unless TEST_ROUTES=1', async () => {
    const response = await fetch(`${worker.baseUrl}/api/v1/_test/discovery?issuer=http%3A%2F%2F127.0.0.1%3A1`);
    assert.equal(response.status, 404);
    assert.equal((await response.json()).error.code, 'not_found');
  });
});
