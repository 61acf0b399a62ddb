// A wizard that guides, and the stuck states people hit (issue 17), in Chromium against the
// real worker and IdP: step 1 quiet until touched, the searchable provider picker, the name
// checked while typing, Enter and the focus, the stepper back, the live URL preview with the
// documented Genesys format, the unsaved-input guard, "editing" once created, a consent window
// closed or blocked, and the connection page's one truth about its token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseProvider, launchBrowser, newCheckedPage, screenshot, signIn, wizardToTestStep } from '../support/browser.mjs';
import { authorize } from '../support/consent.mjs';
import { customInput, machineInput } from '../support/connections.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';

describe('wizard guidance and the connection page in Chromium', () => {
  let stack;
  let admin;
  let member;
  let role;
  let browser;
  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    member = await createUser(admin, { name: 'viewer' });
    role = await createRole(admin, { name: 'Night shift bots', memberIds: [member.user.id] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const activeId = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);

  test('step 1 is quiet until touched; picker, name check, Enter, focus, stepper and the URL preview', async () => {
    assert.equal((await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Taken name' }))).status, 201);
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections/new`);
    await page.locator('[data-provider=genesys]').waitFor();
    const heading = page.locator('[data-testid=wizard] h2');
    assert.equal(await page.getByText('Choose a provider type.').count(), 0, 'no error before anything was touched');
    await screenshot(page, 'guidance-1-quiet-start');

    await page.locator('#next').click();
    await page.getByText('Choose a provider type.').waitFor();
    assert.equal(await heading.innerText(), 'Connection settings');
    assert.equal(await activeId(page), 'provider-search', 'Next points at what is missing');

    await page.locator('#provider-search').fill('contact');
    await page.locator('[data-provider=salesforce]').waitFor({ state: 'detached' });
    assert.deepEqual(await page.locator('[data-testid=provider-picker] [data-provider]').evaluateAll((els) => els.map((e) => e.dataset.provider)), ['genesys']);
    assert.match(await page.locator('[data-provider=genesys]').innerText(), /Genesys Cloud\n.*region/);
    await chooseProvider(page, 'genesys');
    await page.getByText('Choose a provider type.').waitFor({ state: 'detached' });

    await page.locator('#connection-name').fill('taken NAME');
    await page.getByText('A connection with this name exists already.').waitFor();
    await screenshot(page, 'guidance-2-name-taken');
    await page.locator('#next').click();
    assert.equal(await heading.innerText(), 'Connection settings', 'a taken name holds Next');
    await page.locator('#connection-name').fill('Genesys EU');
    await page.getByText('The name is free.').waitFor();

    // Enter in a field advances when the step is valid; the new step's heading has the focus.
    await page.locator('#connection-name').press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=wizard] h2')?.innerText === 'Authentication details');
    assert.equal(await activeId(page), 'H2');

    // The Genesys login host of the customer's region, as Genesys documents it.
    const region = page.locator('#placeholder-region-domain');
    assert.equal(await region.getAttribute('placeholder'), 'mypurecloud.com or usw2.pure.cloud');
    assert.equal(await page.locator('#token-url').inputValue(), 'https://login.<region-domain>/oauth/token');
    await page.getByTestId('token-url-resolved').getByText('Fill in Region domain to see the address.').waitFor();
    await region.fill('mypurecloud.de');
    await page.getByTestId('token-url-resolved').getByText('https://login.mypurecloud.de/oauth/token').waitFor();
    assert.equal(await page.getByTestId('authorization-url-resolved').innerText(), 'Resolves to https://login.mypurecloud.de/oauth/authorize');
    await screenshot(page, 'guidance-3-url-preview');

    await page.locator('.stepper').getByRole('button', { name: 'Connection settings' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=wizard] h2')?.innerText === 'Connection settings');
    assert.equal(await page.locator('#connection-name').inputValue(), 'Genesys EU', 'going back keeps what was entered');
    assert.equal(await page.locator('.stepper').getByRole('button').count(), 0, 'only finished steps are links');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('leaving with unsaved input asks first; once created by the test, the wizard says editing', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections/new`);
    await chooseProvider(page, 'custom');
    await page.locator('#connection-name').fill('Half done');
    const asked = [];
    page.on('dialog', (dialog) => { asked.push(dialog.type()); dialog.dismiss(); });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections', exact: true }).click();
    await page.waitForTimeout(300);
    assert.deepEqual(asked, ['confirm'], 'a link inside the app asks');
    assert.match(page.url(), /\/connections\/new$/, 'and dismissing stays');
    await page.close({ runBeforeUnload: true });
    for (let i = 0; i < 50 && asked.length < 2; i += 1) await new Promise((r) => { setTimeout(r, 100); });
    assert.deepEqual(asked, ['confirm', 'beforeunload'], 'closing or reloading asks the browser\'s question');
    assert.equal(page.isClosed(), false);
    page.removeAllListeners('dialog');

    await page.goto(`${stack.baseUrl}/connections/new`);
    await chooseProvider(page, 'custom');
    await page.locator('#connection-name').fill('Created by the test');
    await page.locator('#next').click();
    await page.locator('input[name=grant_type][value=client_credentials]').check();
    await page.locator('#client-id').fill('machine-client');
    await page.locator('#client-secret').fill('machine-client-secret');
    await page.locator('#token-url').fill(`${stack.idp.issuer}/token`);
    await page.locator('#scopes').fill('api');
    await page.locator('#next').click();
    assert.equal(await page.getByTestId('wizard-title').innerText(), 'Create connection');
    await page.locator('#save-and-test').click();
    await page.getByText(/The provider issued a Bearer token/).waitFor();
    await page.getByTestId('wizard-title').getByText('Edit connection').waitFor();
    await page.locator('#next').click();
    assert.equal(await page.locator('#finish').innerText(), 'Save connection');
    await screenshot(page, 'guidance-4-editing-after-test');
    await page.locator('#finish').click();
    await page.waitForURL(/\/connections\/[0-9a-f]+$/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a consent window closed or blocked: the page says so and offers to try again', async () => {
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Popup closed', save_credentials: true }));
    assert.equal(created.status, 201, created.text);
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections/${created.body.id}`);
    const button = page.locator('#authorize-shared');
    // The person closes the provider's page before answering it (the test IdP would approve at
    // once: its authorize endpoint is held open instead).
    await context.route((url) => url.href.startsWith(`${stack.idp.issuer}/auth`), () => {});
    const popup = context.waitForEvent('page');
    await button.click();
    await (await popup).close();
    await page.getByText('The consent window was closed before it reported back: try again.').waitFor({ timeout: 5000 });
    await page.locator('#authorize-shared:not([disabled])').getByText('Try again').waitFor();
    await screenshot(page, 'guidance-5-popup-closed');

    // The same in the wizard's step 3.
    await wizardToTestStep(page, stack.baseUrl, stack.idp, 'Popup closed in the wizard');
    const second = context.waitForEvent('page');
    await page.locator('#save-and-test').click();
    await (await second).close();
    await page.getByText('The consent window was closed before it reported back: try again.').waitFor({ timeout: 5000 });
    await page.locator('#save-and-test:not([disabled])').getByText('Try again').waitFor();
    assert.deepEqual(problems, []);
    await context.close();

    // A browser that blocks the window.
    const blocked = await newCheckedPage(browser);
    await blocked.context.addInitScript(() => { window.open = () => null; });
    await signIn(blocked.page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await blocked.page.goto(`${stack.baseUrl}/connections/${created.body.id}`);
    await blocked.page.locator('#authorize-shared').click();
    await blocked.page.getByText('The browser blocked the consent window').waitFor();
    await blocked.page.locator('#authorize-shared:not([disabled])').getByText('Try again').waitFor();
    assert.deepEqual(blocked.problems, []);
    await blocked.context.close();
  });

  test('the connection page: one truth about an outdated token, names for viewers, tidy facts', async () => {
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Scopes moved', save_credentials: true }));
    const id = created.body.id;
    assert.equal((await admin.put(`/api/v1/connections/${id}/roles`, { role_ids: [role.id] })).status, 200);
    assert.equal((await authorize(admin, id, 'shared')).ok, true);
    assert.equal((await admin.patch(`/api/v1/connections/${id}`, { scopes: ['openid offline_access'] })).status, 200);
    const empty = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'No scopes', scopes: [] }));
    assert.equal(empty.status, 201, empty.text);

    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections/${id}`);
    const shared = page.getByTestId('shared-token');
    await shared.waitFor();
    assert.equal(await shared.getAttribute('data-status'), 'outdated', 'not "valid" in green');
    assert.match(await shared.innerText(), /Issued for the earlier settings; valid until/);
    const banners = page.getByTestId('connection-banner');
    assert.equal(await banners.count(), 1);
    assert.match(await banners.innerText(), /Bots still get that token until it is authorized again/);
    assert.match(await page.locator('.page-head').innerText(), /Not tested/);
    assert.equal(await page.getByText('Invited roles', { exact: true }).count(), 1, 'one "Invited roles" heading');
    await page.getByTestId('invite-editor').getByText('1 member', { exact: true }).waitFor();
    await screenshot(page, 'guidance-6-outdated-token');

    await page.goto(`${stack.baseUrl}/connections/${empty.body.id}`);
    await page.getByTestId('connection-facts').getByText("None (the provider's default)").waitFor();

    // The list names the provider before the catalogue has arrived.
    await page.route('**/api/v1/providers', async (route) => { await new Promise((r) => { setTimeout(r, 3000); }); await route.continue(); });
    await page.goto(`${stack.baseUrl}/connections`);
    const row = page.locator('[data-testid=connections-table] tbody tr', { hasText: 'Scopes moved' });
    await row.waitFor();
    assert.match(await row.innerText(), /Custom OAuth 2.0 provider/);
    assert.doesNotMatch(await row.innerText(), /\bcustom\b/);
    await page.getByLabel('Provider').locator('option', { hasText: 'Genesys Cloud' }).waitFor({ state: 'attached', timeout: 10_000 });
    assert.deepEqual(problems, []);
    await context.close();

    // Someone who may view but not manage reads role names, never ids.
    const viewer = await newCheckedPage(browser);
    await signIn(viewer.page, stack.baseUrl, member.email, member.password);
    await viewer.page.goto(`${stack.baseUrl}/connections/${id}`);
    const facts = viewer.page.getByTestId('connection-facts');
    await facts.getByText('Night shift bots').waitFor();
    assert.ok(!(await facts.innerText()).includes(role.id), 'no raw role id');
    await screenshot(viewer.page, 'guidance-7-viewer-role-names');
    assert.deepEqual(viewer.problems, []);
    await viewer.context.close();
  });
});
