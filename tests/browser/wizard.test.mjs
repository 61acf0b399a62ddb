// The 4-step connection wizard in Chromium: Salesforce with its instance placeholder, a Custom
// provider on the loopback test IdP, Next held back by a bad token URL, Back keeping values,
// Google without PKCE, invites, and the connection's page and list afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseProvider, launchBrowser, newCheckedPage, screenshot, signIn } from '../support/browser.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createRole } from '../support/people.mjs';
import { startIdp } from '../idp/provider.mjs';
import { startWorker } from '../support/worker.mjs';

describe('connection wizard in Chromium', () => {
  let worker;
  let idp;
  let browser;
  let page;
  let context;
  let problems;
  before(async () => {
    worker = await startWorker({ vars: { BOOTSTRAP_TOKEN } });
    idp = await startIdp({ redirectUris: [`${worker.baseUrl}/oauth/callback`] });
    const admin = await bootstrapAdmin(worker.baseUrl);
    await createRole(admin, { name: 'Sales bots', permissions: [] });
    await createRole(admin, { name: 'Finance bots', permissions: [] });
    browser = await launchBrowser();
    ({ page, context, problems } = await newCheckedPage(browser, { allowStatuses: [401] }));
    await signIn(page, worker.baseUrl, ADMIN.email, ADMIN.password);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await idp?.close();
    await worker?.stop();
  });

  const next = () => page.locator('#next');
  const heading = () => page.locator('[data-testid=wizard] h2');

  test('Salesforce: placeholder filled, Next held by a bad token URL, Back keeps values', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections', exact: true }).click();
    await page.getByRole('link', { name: 'Create connection' }).click();
    assert.equal(await heading().innerText(), 'Connection settings');
    // The callback URL arrives with /api/v1/config, which may still be in flight right after sign-in.
    await page.waitForFunction((expected) => document.querySelector('#callback-url')?.value === expected, `${worker.baseUrl}/oauth/callback`);
    await chooseProvider(page, 'salesforce');
    await page.locator('#connection-name').fill('Salesforce CRM');
    await page.locator('#connection-description').fill('Opportunities for the nightly bots');
    await screenshot(page, 'wizard-1-settings');
    await next().click();

    assert.equal(await heading().innerText(), 'Authentication details');
    const grants = await page.locator('input[name=grant_type]').evaluateAll((els) => els.map((e) => e.value));
    assert.deepEqual(grants, ['authorization_code', 'authorization_code_pkce', 'client_credentials']);
    assert.equal(await page.locator('#scopes').inputValue(), 'api refresh_token offline_access', 'default scopes');
    assert.equal(await page.locator('#api-base-url').inputValue(), '{instance_url}/services', 'the catalogue\'s API base URL');
    await page.locator('input[name=grant_type][value=authorization_code_pkce]').check();
    await page.locator('#client-id').fill('3MVG9-client');
    await page.locator('#client-secret').fill('sf-secret-from-the-browser');
    // Next with the instance missing stays on the step and says why.
    await next().click();
    await page.getByText('Fill in Instance name (<yourinstance>).').first().waitFor();
    assert.equal(await heading().innerText(), 'Authentication details');
    await page.locator('#placeholder-yourinstance').fill('acme');

    await page.locator('#token-url').fill('http://example.com/token');
    await page.getByText('Use https (plain http only for localhost and 127.0.0.1).').waitFor();
    await screenshot(page, 'wizard-2-bad-token-url');
    await page.locator('#token-url').fill('https://<yourinstance>.my.salesforce.com/services/oauth2/token');
    await screenshot(page, 'wizard-2-authentication');

    await page.getByRole('button', { name: 'Back' }).click();
    assert.equal(await page.locator('#connection-name').inputValue(), 'Salesforce CRM', 'Back keeps step 1');
    await next().click();
    assert.equal(await page.locator('#client-id').inputValue(), '3MVG9-client', 'and step 2');
    assert.equal(await page.locator('#placeholder-yourinstance').inputValue(), 'acme');
    assert.ok(await page.locator('input[name=grant_type][value=authorization_code_pkce]').isChecked());
    await next().click();

    assert.equal(await heading().innerText(), 'Test connection and save credentials');
    // acme.my.salesforce.com is not reachable from here: the consent test runs against the local
    // IdP in consent.test.mjs. Saving happens at the end.
    await page.locator('#save-credentials').check();
    await screenshot(page, 'wizard-3-test-step');
    await next().click();

    assert.equal(await heading().innerText(), 'Invite roles');
    const roleNames = await page.locator('#invite-roles .choice-label').allInnerTexts();
    assert.deepEqual(roleNames.sort(), ['Finance bots', 'Sales bots'], 'custom roles only');
    await page.locator('#invite-roles-search').fill('sales');
    await page.locator('#invite-roles').getByText('Sales bots').click();
    await screenshot(page, 'wizard-4-invite');
    await page.locator('#finish').click();

    await page.waitForURL(/\/connections\/[0-9a-f]+$/);
    const facts = page.locator('[data-testid=connection-facts]');
    // Role names arrive with a second request; wait for them rather than read ids.
    await facts.getByText('Sales bots').waitFor();
    const text = await facts.innerText();
    assert.match(text, /https:\/\/acme\.my\.salesforce\.com\/services\/oauth2\/authorize/);
    assert.match(text, /Authorization Code with PKCE/);
    assert.match(text, /Stored, encrypted/);
    assert.match(text, /Sales bots/);
    assert.match(text, /No shared token/);
    assert.equal(await page.locator('[data-testid=api-base-url]').innerText(), '{instance_url}/services', 'the API base URL is shown');
    assert.ok(!(await page.content()).includes('sf-secret-from-the-browser'));
    await screenshot(page, 'wizard-5-connection-page');
  });

  test('Custom provider with client credentials on the loopback IdP; Google offers no PKCE', async () => {
    await page.goto(`${worker.baseUrl}/connections/new`);
    await chooseProvider(page, 'google_drive');
    await page.locator('#connection-name').fill('Drive');
    await next().click();
    const googleGrants = await page.locator('input[name=grant_type]').evaluateAll((els) => els.map((e) => e.value));
    assert.deepEqual(googleGrants, ['authorization_code', 'client_credentials'], 'PKCE is not offered for Google');
    await page.getByRole('button', { name: 'Back' }).click();

    await chooseProvider(page, 'custom');
    await page.locator('#connection-name').fill('Test IdP machine');
    await next().click();
    await page.locator('input[name=grant_type][value=client_credentials]').check();
    assert.equal(await page.locator('#authorization-url').count(), 0, 'no authorization URL for client credentials');
    await page.locator('#client-id').fill('machine-client');
    await page.locator('#client-secret').fill('machine-client-secret');
    await page.locator('#token-url').fill(`${idp.issuer}/token`);
    await page.locator('#scopes').fill('api, read');
    assert.equal(await page.locator('#api-base-url').inputValue(), '', 'Custom asks for its API base URL');
    await page.locator('#api-base-url').fill('http://10.0.0.8/api');
    await next().click();
    await page.getByText('Use https (plain http only for localhost and 127.0.0.1).').first().waitFor();
    assert.equal(await heading().innerText(), 'Authentication details', 'Next holds while the API base URL is refused');
    await page.locator('#api-base-url').fill('http://127.0.0.1:9/api/v2');
    await page.getByText('Use https (plain http only for localhost and 127.0.0.1).').first().waitFor({ state: 'detached' });
    await page.locator('details.advanced summary').click();
    await page.locator('#client-auth-method').selectOption('client_secret_post');
    await next().click();
    await next().click();
    await page.locator('#finish').click();
    await page.waitForURL(/\/connections\/[0-9a-f]+$/);
    const text = await page.locator('[data-testid=connection-facts]').innerText();
    assert.match(text, /Client Credentials/);
    assert.match(text, /client_secret_post/);
    assert.match(text, new RegExp(`${idp.issuer}/token`));
    assert.equal(await page.locator('[data-testid=api-base-url]').innerText(), 'http://127.0.0.1:9/api/v2');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections', exact: true }).click();
    const rows = page.locator('[data-testid=connections-table] tbody tr');
    await rows.filter({ hasText: 'Test IdP machine' }).waitFor();
    assert.deepEqual(await rows.locator('td:first-child a').allInnerTexts(), ['Salesforce CRM', 'Test IdP machine']);
    await page.getByLabel('Provider').selectOption('custom');
    await rows.filter({ hasText: 'Salesforce CRM' }).waitFor({ state: 'detached' });
    assert.deepEqual(await rows.locator('td:first-child a').allInnerTexts(), ['Test IdP machine']);
    await page.getByLabel('Provider').selectOption('');
    await rows.filter({ hasText: 'Salesforce CRM' }).waitFor();
    await screenshot(page, 'wizard-6-list');
    assert.deepEqual(problems, []);
  });

  test('edit keeps the stored secret unless replaced; delete asks first', async () => {
    await page.locator('[data-testid=connections-table] a', { hasText: 'Salesforce CRM' }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    assert.equal(await heading().innerText(), 'Connection settings');
    assert.equal(await page.locator('#connection-name').inputValue(), 'Salesforce CRM');
    await page.locator('#connection-description').fill('Renamed in the editor');
    await next().click();
    assert.equal(await page.locator('#client-secret').inputValue(), '', 'the secret is never sent back to the browser');
    await page.getByText('A secret is stored (encrypted).').waitFor();
    // Pointing the stored credentials elsewhere needs the secret again, said under its field.
    const tokenUrl = await page.locator('#token-url').inputValue();
    await page.locator('#token-url').fill('https://other.example.com/oauth2/token');
    await page.getByText('changes where credentials are sent: enter the client secret again').waitFor();
    await next().click();
    assert.equal(await heading().innerText(), 'Authentication details', 'Next holds while the secret is needed');
    await screenshot(page, 'wizard-7-secret-required');
    await page.locator('#token-url').fill(tokenUrl);
    await page.getByText('changes where credentials are sent').waitFor({ state: 'detached' });
    await next().click();
    await next().click();
    assert.ok(await page.locator('#invite-roles input[type=checkbox]').first().isVisible());
    await page.locator('#finish').click();
    await page.waitForURL(/\/connections\/[0-9a-f]+$/);
    await page.getByText('Renamed in the editor').waitFor();
    assert.match(await page.locator('[data-testid=connection-facts]').innerText(), /Stored, encrypted/);

    // Confirmed in the page's own dialog (layout.test.mjs proves focus and Escape).
    const confirmDelete = page.getByRole('dialog', { name: 'Delete this connection?' });
    await page.getByRole('button', { name: 'Delete' }).click();
    await confirmDelete.getByRole('button', { name: 'Cancel' }).click();
    assert.match(page.url(), /\/connections\/[0-9a-f]+$/, 'dismissing keeps the connection');
    await page.getByRole('button', { name: 'Delete' }).click();
    await confirmDelete.getByRole('button', { name: 'Delete connection' }).click();
    await page.waitForURL(/\/connections$/);
    const rows = page.locator('[data-testid=connections-table] tbody tr');
    await rows.filter({ hasText: 'Test IdP machine' }).waitFor();
    assert.equal(await rows.filter({ hasText: 'Salesforce CRM' }).count(), 0);
    assert.deepEqual(problems, []);
  });
});
