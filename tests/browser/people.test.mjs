// People and roles through the real UI in Chromium: sign in as the first admin, create a custom
// role with connections.manage, create a user in it, sign in as that user and see their menu,
// create an API key shown once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newCheckedPage, screenshot, signIn } from '../support/browser.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin } from '../support/people.mjs';
import { startWorker } from '../support/worker.mjs';


describe('people and roles in Chromium', () => {
  let worker;
  let browser;
  before(async () => {
    worker = await startWorker({ vars: { BOOTSTRAP_TOKEN } });
    await bootstrapAdmin(worker.baseUrl);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
  });

  test('a wrong password shows the server message and keeps the person signed out', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await page.goto(`${worker.baseUrl}/sign-in`);
    await page.locator('#email').fill(ADMIN.email);
    await page.locator('#password').fill('definitely not it');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('the email or the password is wrong').waitFor();
    assert.equal(await page.locator('#password').inputValue(), '', 'the password field is cleared');
    assert.equal(await page.locator('[data-testid=signed-in-as]').count(), 0);
    await screenshot(page, 'people-1-sign-in-error');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('every page shows the same busy state while a call runs and the same error when a read fails', async () => {
    const { page, context, problems } = await newCheckedPage(browser, { allowStatuses: [401, 404] });
    // Hold answers back so the busy states can be seen, then let them go.
    const held = [];
    await page.route('**/api/v1/session', (route) => (route.request().method() === 'POST' ? held.push(route) : route.continue()));
    await page.goto(`${worker.baseUrl}/sign-in`);
    await page.locator('#email').fill(ADMIN.email);
    await page.locator('#password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const busy = page.locator('button[type=submit][disabled]', { hasText: 'Signing in…' });
    await busy.waitFor();
    await screenshot(page, 'people-0a-signing-in');
    while (held.length === 0) await new Promise((r) => setTimeout(r, 20));
    await held[0].continue();
    await page.unroute('**/api/v1/session');
    await page.locator('[data-testid=signed-in-as]').waitFor();

    await page.route('**/api/v1/roles', (route) => held.push(route));
    await page.getByRole('link', { name: 'Roles' }).click();
    const loading = page.locator('[data-testid=roles-table] tbody td.muted', { hasText: 'Loading…' });
    await loading.waitFor();
    await screenshot(page, 'people-0b-loading');
    while (held.length < 2) await new Promise((r) => setTimeout(r, 20));
    await held[1].continue();
    await page.unroute('**/api/v1/roles');
    await page.locator('[data-testid=roles-table] tr', { hasText: 'Admin' }).waitFor();
    assert.equal(await loading.count(), 0);

    // A read that fails says why, where the content would be, with a way back.
    await page.goto(`${worker.baseUrl}/connections/no-such-connection`);
    const error = page.locator('main p.error[role=alert]');
    await error.waitFor();
    assert.equal(await error.innerText(), 'no such connection');
    await page.getByRole('link', { name: 'All connections' }).click();
    await page.waitForURL(/\/connections$/);
    await page.goBack();
    await error.waitFor();
    await screenshot(page, 'people-0c-read-failed');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('admin creates a manager role and a user; the user sees their menu and makes a key', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, worker.baseUrl, ADMIN.email, ADMIN.password);
    assert.equal(await page.locator('[data-testid=signed-in-as]').innerText(), 'Administrator');
    for (const link of ['Users', 'Roles', 'API keys']) {
      assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).count(), 1, link);
    }

    // A custom role with Manage OAuth connections.
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('link', { name: 'New role' }).click();
    await page.locator('#role-name').fill('Connection managers');
    await page.locator('#role-description').fill('Create and test OAuth connections');
    await page.getByLabel('Manage OAuth connections').check();
    await screenshot(page, 'people-2-role-editor');
    await page.getByRole('button', { name: 'Create role' }).click();
    const row = page.locator('[data-testid=roles-table] tr', { hasText: 'Connection managers' });
    await row.waitFor();
    assert.match(await row.innerText(), /Manage OAuth connections/);
    await screenshot(page, 'people-3-roles');

    // A user in that role, picked through the searchable multi-select.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'New user' }).click();
    await page.locator('#user-email').fill('nadia@example.test');
    await page.locator('#user-name').fill('Nadia Manager');
    await page.locator('#user-password').fill('short');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Use at least 12 characters.').waitFor();
    await page.locator('#user-password').fill('a long enough passphrase');
    await page.locator('#user-roles-search').fill('conn');
    await page.locator('#user-roles').getByText('Connection managers').click();
    await screenshot(page, 'people-4-user-form');
    await page.getByRole('button', { name: 'Create user' }).click();
    const userRow = page.locator('[data-testid=users-table] tr', { hasText: 'nadia@example.test' });
    // Role names come from a second request: wait for the name, not the id.
    await userRow.getByText('Connection managers').waitFor();
    assert.match(await userRow.innerText(), /Connection managers/);
    assert.match(await userRow.innerText(), /Active/);
    await screenshot(page, 'people-5-users');

    // Sign out, sign in as Nadia: no admin menu, API keys yes.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, worker.baseUrl, 'nadia@example.test', 'a long enough passphrase');
    assert.equal(await page.locator('[data-testid=signed-in-as]').innerText(), 'Nadia Manager');
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Roles' }).count(), 0);
    const permissions = await page.evaluate(async () => (await (await fetch('/api/v1/session')).json()).permissions);
    assert.deepEqual(permissions, ['connections.view', 'connections.manage']);
    await page.goto(`${worker.baseUrl}/admin/users`);
    await page.getByText('This page is for administrators.').waitFor();

    await nav.getByRole('link', { name: 'API keys' }).click();
    await page.locator('#key-name').fill('nightly sync');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.locator('#new-key-secret').inputValue();
    assert.match(secret, /^eoc_[0-9a-f]{8}_[0-9a-f]{64}_[0-9a-f]{32}$/);
    const keyRow = page.locator('[data-testid=keys-table] tr', { hasText: 'nightly sync' });
    await keyRow.waitFor();
    assert.equal(await keyRow.locator('[data-testid=key-scopes]').textContent(), 'tokens', 'tokens only unless manage is ticked');
    await screenshot(page, 'people-6-api-key-once');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.locator('#new-key-secret').count(), 0, 'the key is gone once dismissed');
    assert.ok(!(await page.content()).includes(secret.slice(13)));
    const status = await page.evaluate(async (key) => (await fetch('/api/v1/me/connections', { headers: { authorization: `Bearer ${key}` } })).status, secret);
    assert.equal(status, 200, 'the key shown works');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
