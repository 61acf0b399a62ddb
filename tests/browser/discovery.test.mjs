// Discover in the wizard, in Chromium: a new Custom connection filled from the test IdP's
// metadata (PKCE preselected, revocation URL, RFC 9207), an unreachable issuer's error under the
// field, and "Discover again" on a stored connection showing what would change before applying,
// with the client secret needed again because the token URL moves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseProvider, launchBrowser, newCheckedPage, screenshot, signIn } from '../support/browser.mjs';
import { customInput } from '../support/connections.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin } from '../support/people.mjs';
import { freePort } from '../support/ports.mjs';
import { startIdp } from '../idp/provider.mjs';
import { startWorker } from '../support/worker.mjs';

describe('Discover in the wizard', () => {
  let worker;
  let idp;
  let admin;
  let browser;
  let page;
  let context;
  let problems;
  before(async () => {
    worker = await startWorker({ vars: { BOOTSTRAP_TOKEN } });
    idp = await startIdp({ redirectUris: [`${worker.baseUrl}/oauth/callback`] });
    admin = await bootstrapAdmin(worker.baseUrl);
    browser = await launchBrowser();
    // The unreachable issuer's answer is a 503 the console reports.
    ({ page, context, problems } = await newCheckedPage(browser, { allowStatuses: [401, 503] }));
    await signIn(page, worker.baseUrl, ADMIN.email, ADMIN.password);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await idp?.close();
    await worker?.stop();
  });

  const heading = () => page.locator('[data-testid=wizard] h2');
  const onStep = (title) => page.locator('[data-testid=wizard] h2', { hasText: title }).waitFor({ timeout: 5000 });
  const value = (selector, expected) =>
    page.waitForFunction(([s, v]) => document.querySelector(s)?.value === v, [selector, expected], { timeout: 10000 });

  test('a new connection is filled from the issuer', async () => {
    await page.goto(`${worker.baseUrl}/connections/new`);
    await chooseProvider(page, 'custom');
    await page.locator('#connection-name').fill('Discovered IdP');
    await page.locator('#next').click();

    await page.locator('#issuer').fill(`http://127.0.0.1:${await freePort()}`);
    await page.locator('#discover').click();
    await page.locator('#issuer-error', { hasText: 'could not be reached' }).waitFor({ timeout: 10000 });

    await page.locator('#issuer').fill(idp.issuer);
    await page.locator('#discover').click();
    await value('#token-url', `${idp.issuer}/token`);
    await value('#authorization-url', `${idp.issuer}/auth`);
    await value('#revocation-url', `${idp.issuer}/token/revocation`);
    await page.locator('input[name=grant_type][value=authorization_code_pkce]:checked').waitFor();
    const said = await page.locator('[data-testid=discovery-outcome]').innerText();
    assert.match(said, /PKCE \(S256\) is supported/);
    assert.match(said, /RFC 9207/);
    assert.equal(await page.locator('#issuer-error').innerText(), '', 'the earlier error is gone');
    await page.locator('.advanced summary').click();
    assert.ok(await page.locator('#iss-required').isChecked(), 'RFC 9207 announced, so required');
    await page.locator('#client-id').fill('pkce-client');
    await screenshot(page, 'discovery-1-filled');
    // Everything the step needs came from the metadata and the client id: Next moves on.
    await page.locator('#next').click();
    await onStep('Test connection and save credentials');
  });

  test('Discover again shows what changes before applying; a moved token URL needs the secret', async () => {
    const stored = await admin.post('/api/v1/connections', customInput(idp, {
      name: 'Old endpoints', token_url: `${idp.issuer}/old-token`, issuer: idp.issuer,
    }));
    assert.equal(stored.status, 201, stored.text);
    await page.goto(`${worker.baseUrl}/connections/${stored.body.id}/edit`);
    await value('#connection-name', 'Old endpoints');
    await page.locator('#next').click();
    await value('#issuer', idp.issuer);
    assert.equal(await page.locator('#discover').innerText(), 'Discover again');
    await page.locator('#discover').click();
    const changes = page.locator('[data-testid=discovery-changes]');
    await changes.waitFor({ timeout: 10000 });
    const fields = await changes.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.field));
    assert.deepEqual(fields, ['token_url', 'revocation_url', 'iss_required']);
    await page.locator('[data-testid=discovery-secret-needed]').waitFor();
    assert.equal(await page.locator('#token-url').inputValue(), `${idp.issuer}/old-token`, 'nothing applied yet');
    await screenshot(page, 'discovery-2-changes');

    await page.locator('#discovery-apply').click();
    await value('#token-url', `${idp.issuer}/token`);
    await changes.waitFor({ state: 'detached' });
    await page.locator('#client-secret-error', { hasText: 'enter the client secret again' }).waitFor();
    // Next holds the step and takes the person to the secret it needs.
    await page.locator('#next').click();
    await page.locator('#client-secret:focus').waitFor({ timeout: 5000 });
    assert.equal(await heading().innerText(), 'Authentication details', 'Next holds while the secret is needed');
    await page.locator('#client-secret').fill('basic-client-secret');
    await page.locator('#client-secret-error', { hasText: 'enter the client secret again' }).waitFor({ state: 'detached' });
    await page.locator('#next').click();
    await onStep('Test connection and save credentials');
  });

  test('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});
