// Consent through the real popup in Chromium against the local oidc-provider: the wizard's
// "Save changes and test connection" saves a shared token, client credentials report at once,
// and a member authorizes their own token under My connections.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseProvider, launchBrowser, newCheckedPage, screenshot, signIn, wizardToTestStep } from '../support/browser.mjs';
import { Client } from '../support/http.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';


describe('consent in Chromium', () => {
  let stack;
  let browser;
  let member;
  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    const admin = await bootstrapAdmin(stack.baseUrl);
    const adminId = (await admin.get('/api/v1/session')).body.user.id;
    member = await createUser(admin, { name: 'member' });
    await createRole(admin, { name: 'Integrations', memberIds: [adminId, member.user.id] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  let connectionUrl;
  test('wizard step 3 runs the consent in a popup and saves the shared token', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await wizardToTestStep(page, stack.baseUrl, stack.idp, 'Local IdP');
    await page.locator('#save-credentials').check();
    const popup = context.waitForEvent('page');
    await page.locator('#save-and-test').click();
    const consentWindow = await popup;
    await consentWindow.waitForEvent('close');
    const outcome = page.locator('[data-testid=test-outcome]');
    await outcome.waitFor();
    assert.match(await outcome.innerText(), /Local IdP is connected: the shared token is saved\./);
    assert.equal(await page.locator('#client-secret').count(), 0, 'step 3 shows no secret field');
    await screenshot(page, 'consent-1-wizard-test');
    await page.locator('#next').click();
    await page.locator('#invite-roles').getByText('Integrations').click();
    await page.locator('#finish').click();
    await page.waitForURL(/\/connections\/[0-9a-f]+$/);
    connectionUrl = page.url();
    const shared = page.locator('[data-testid=shared-token]');
    await shared.waitFor();
    assert.equal(await shared.getAttribute('data-status'), 'valid');
    assert.match(await shared.innerText(), /Valid until/);
    assert.match(await page.locator('.page-head').innerText(), /Ready/);
    await screenshot(page, 'consent-2-connection-ready');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('client credentials report at once in step 3', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections/new`);
    await chooseProvider(page, 'custom');
    await page.locator('#connection-name').fill('Local machine');
    await page.locator('#next').click();
    await page.locator('input[name=grant_type][value=client_credentials]').check();
    await page.locator('#client-id').fill('machine-client');
    await page.locator('#client-secret').fill('wrong-secret');
    await page.locator('#token-url').fill(`${stack.idp.issuer}/token`);
    await page.locator('#scopes').fill('api');
    await page.locator('#next').click();
    await page.locator('#save-and-test').click();
    const outcome = page.locator('[data-testid=test-outcome]');
    await outcome.waitFor();
    assert.match(await outcome.innerText(), /The provider refused: invalid_client/);
    await screenshot(page, 'consent-3-cc-refused');
    await page.getByRole('button', { name: 'Back' }).click();
    await page.locator('#client-secret').fill('machine-client-secret');
    await page.locator('#next').click();
    await page.locator('#save-and-test').click();
    await page.getByText(/The provider issued a Bearer token valid for \d+ s with scope .api./).waitFor();
    await screenshot(page, 'consent-4-cc-ok');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a member authorizes their own token under My connections, then forgets it', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, member.email, member.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My connections' }).click();
    const row = page.locator('[data-testid=my-connections] tr', { hasText: 'Local IdP' });
    await row.waitFor();
    assert.match(await row.innerText(), /No token yet/);
    const popup = context.waitForEvent('page');
    await row.getByRole('button', { name: 'Authorize' }).click();
    await (await popup).waitForEvent('close');
    await page.getByText('Your token for Local IdP is saved.').waitFor();
    await row.locator('[data-testid=my-token][data-status=valid]').waitFor();
    await screenshot(page, 'consent-5-my-connections');

    const id = connectionUrl.split('/').pop();
    const api = new Client(stack.baseUrl);
    await api.signIn(member.email, member.password);
    const mine = await api.post(`/api/v1/connections/${id}/token`, { token_type: 'user' });
    assert.equal(mine.status, 200, mine.text);

    await row.getByRole('button', { name: 'Forget' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Forget token' }).click();
    await page.getByText('Your token was forgotten.').waitFor();
    await row.getByText('No token yet').waitFor();
    assert.equal((await api.post(`/api/v1/connections/${id}/token`, { token_type: 'user' })).status, 404);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
