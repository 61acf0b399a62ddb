// Every page at desktop, phone (390×844) and the narrowest supported width (360): no horizontal
// overflow, no serious or critical axe-core violation, a screenshot each. The phone header folds
// into a menu that still reaches Sign out; toasts and styled confirmations replace confirm();
// the connection list sorts by column; "Mark all as read"; someone who cannot use a connection
// is told why and whom to ask; the wizard and the consent flow work with the keyboard alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newCheckedPage, screenshot, signIn } from '../support/browser.mjs';
import { customInput, salesforceInput } from '../support/connections.mjs';
import { focused, horizontalOverflow, ownAddress, seriousViolations, tabTo, VIEWPORTS } from '../support/layout.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';

/** Wait until a page has rendered its heading and nothing on it is still loading. */
async function settled(page, ready) {
  await page.locator(ready).first().waitFor();
  await page.waitForFunction(() => !document.body.innerText.includes('Loading\u2026'));
}

describe('layout and accessibility in Chromium', () => {
  let stack;
  let browser;
  let admin;
  let member;
  let viewer;
  let role;
  let connection;

  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    member = await createUser(admin, { name: 'member' });
    viewer = await createUser(admin, { name: 'viewer' });
    role = await createRole(admin, { name: 'Integrations', memberIds: [member.user.id] });
    connection = (await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Local IdP', description: 'The test identity provider, for the nightly bots' }))).body;
    await admin.post('/api/v1/connections', salesforceInput({ name: 'Salesforce CRM' }));
    await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [role.id] });
    await createKey(admin, 'nightly CRM sync');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('every page fits from 360 px up and has no serious or critical axe violation', async () => {
    const pages = [
      ['overview', '/', '#callback-url'],
      ['connections', '/connections', '[data-testid=connections-table] a'],
      ['wizard', '/connections/new', '[data-testid=provider-picker]'],
      ['connection', `/connections/${connection.id}`, '[data-testid=connection-facts]'],
      ['edit', `/connections/${connection.id}/edit`, '#connection-name'],
      ['my-connections', '/my-connections', '[data-testid=my-connections]'],
      ['api-keys', '/api-keys', '[data-testid=keys-table] code'],
      ['notifications', '/notifications', 'main h1'],
      ['users', '/admin/users', 'main table'],
      ['roles', '/admin/roles', 'main table'],
      ['role', `/admin/roles/${role.id}`, 'main form'],
      ['audit', '/admin/audit', '[data-testid=audit-table]'],
      ['not-found', '/no/such/page', 'main h1'],
    ];
    const failures = [];
    for (const viewport of VIEWPORTS) {
      const check = async (page, name) => {
        const overflow = await horizontalOverflow(page);
        if (overflow > 0) failures.push(`${viewport.name} ${name}: ${overflow}px wider than the window`);
        if (viewport.width > 1180) {
          // The admin's whole header on one line: no entry broken over two ("Audit / log").
          const wrapped = await page.evaluate(() => [...document.querySelectorAll('.topbar a, .topbar .who')]
            .filter((e) => e.getBoundingClientRect().height > 1.5 * (parseFloat(getComputedStyle(e).lineHeight) || 24))
            .map((e) => e.textContent.trim()));
          if (wrapped.length) failures.push(`${viewport.name} ${name}: header entries wrap: ${wrapped.join(', ')}`);
        }
        for (const v of await seriousViolations(page)) failures.push(`${viewport.name} ${name}: ${v}`);
        await screenshot(page, `layout-${viewport.name}-${name}`);
      };
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
      await ownAddress(context);
      const page = await context.newPage();
      await page.goto(`${stack.baseUrl}/sign-in`);
      await settled(page, '#email');
      await check(page, 'sign-in');
      await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      for (const [name, path, ready] of pages) {
        await page.goto(`${stack.baseUrl}${path}`);
        await settled(page, ready);
        await check(page, name);
      }
      // The wizard's second step has the most fields; the header menu open on a phone.
      await page.goto(`${stack.baseUrl}/connections/${connection.id}/edit`);
      await settled(page, '#connection-name');
      await page.locator('#next').click();
      await page.locator('#client-id').waitFor();
      await check(page, 'wizard-step-2');
      if (viewport.width < 760) {
        await page.getByRole('button', { name: 'Menu' }).click();
        await check(page, 'menu-open');
      }
      await context.close();
      // Someone who may see but not use a connection.
      const viewerContext = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
      await ownAddress(viewerContext);
      const viewerPage = await viewerContext.newPage();
      await signIn(viewerPage, stack.baseUrl, viewer.email, viewer.password);
      await viewerPage.goto(`${stack.baseUrl}/connections/${connection.id}`);
      await settled(viewerPage, '[data-testid=use-refusal]');
      await check(viewerPage, 'connection-as-viewer');
      await viewerContext.close();
    }
    assert.deepEqual(failures, []);
  });

  test('on a phone the header folds into a menu that reaches every page and Sign out', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await ownAddress(context);
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    const signOut = page.getByRole('button', { name: 'Sign out' });
    assert.equal(await signOut.isVisible(), false, 'folded');
    const menu = page.getByRole('button', { name: 'Menu' });
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    assert.equal(await signOut.isVisible(), false, 'following a link folds the menu');
    await menu.click();
    await signOut.click();
    await page.waitForURL(/\/sign-in$/);
    // On a desktop there is no menu button: everything is in the bar.
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.equal(await menu.isVisible(), false);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('key creation and revocation: a toast each, revocation confirmed in a dialog that traps focus and cancels on Escape', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await ownAddress(context);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/api-keys`);
    await page.locator('#key-name').fill('throwaway key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const toast = page.locator('[data-testid=toasts] [data-testid=toast]', { hasText: 'Key \u201cthrowaway key\u201d created.' });
    await toast.waitFor();
    assert.equal(await page.locator('[data-testid=toasts]').getAttribute('aria-live'), 'polite');
    const row = page.locator('[data-testid=keys-table] tr', { hasText: 'throwaway key' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the key \u201cthrowaway key\u201d?' });
    await dialog.waitFor();
    assert.equal(await focused(page), 'button:Cancel', 'focus starts on Cancel');
    for (let i = 0; i < 5; i += 1) {
      await page.keyboard.press('Tab');
      assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement) || document.activeElement === document.body),
        `focus stays in the dialog (${await focused(page)})`);
    }
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'layout-confirm-revoke');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await row.waitFor();
    assert.equal(await row.count(), 1, 'Escape revokes nothing');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await page.locator('[data-testid=toast]', { hasText: 'Key \u201cthrowaway key\u201d revoked.' }).waitFor();
    await row.waitFor({ state: 'detached' });
    await screenshot(page, 'layout-toast-revoked');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('deleting a connection asks in a dialog, then says so in a toast', async () => {
    const doomed = (await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Doomed' }))).body;
    const { page, context, problems } = await newCheckedPage(browser);
    await ownAddress(context);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections/${doomed.id}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this connection?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await admin.get(`/api/v1/connections/${doomed.id}`)).status, 200, 'Cancel deletes nothing');
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete connection' }).click();
    await page.waitForURL(/\/connections$/);
    await page.locator('[data-testid=toast]', { hasText: 'Connection deleted.' }).waitFor();
    assert.equal((await admin.get(`/api/v1/connections/${doomed.id}`)).status, 404);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the connection list sorts by a column heading, on the server, both ways', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await ownAddress(context);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections`);
    const names = async () => page.locator('[data-testid=connections-table] tbody tr td:first-child a').allInnerTexts();
    await page.locator('[data-testid=connections-table] tbody a').first().waitFor();
    assert.deepEqual(await names(), ['Local IdP', 'Salesforce CRM']);
    const providerHead = page.locator('th', { has: page.getByRole('button', { name: 'Provider' }) });
    let asked = page.waitForRequest((r) => r.url().includes('sort=provider&dir=asc'));
    await page.getByRole('button', { name: 'Provider' }).click();
    await asked;
    assert.equal(await providerHead.getAttribute('aria-sort'), 'ascending');
    asked = page.waitForRequest((r) => r.url().includes('sort=provider&dir=desc'));
    await page.getByRole('button', { name: 'Provider' }).click();
    await asked;
    assert.equal(await providerHead.getAttribute('aria-sort'), 'descending');
    await page.waitForFunction(() => document.querySelector('[data-testid=connections-table] tbody a')?.textContent === 'Salesforce CRM');
    assert.deepEqual(await names(), ['Salesforce CRM', 'Local IdP']);
    const nameHead = page.locator('th', { has: page.getByRole('button', { name: 'Name' }) });
    assert.equal(await nameHead.getAttribute('aria-sort'), 'none');
    await screenshot(page, 'layout-sorted-by-provider');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('"Mark all as read" clears the feed and the badge', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await ownAddress(context);
    await signIn(page, stack.baseUrl, member.email, member.password);
    await page.locator('[data-testid=unread-badge]').waitFor();
    await page.goto(`${stack.baseUrl}/notifications`);
    await page.locator('li.is-unread').first().waitFor();
    await page.getByRole('button', { name: 'Mark all as read' }).click();
    await page.locator('[data-testid=toast]', { hasText: /marked as read/ }).waitFor();
    await page.locator('li.is-unread').first().waitFor({ state: 'detached' });
    await page.locator('[data-testid=unread-badge]').waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('button', { name: 'Mark all as read' }).count(), 0, 'nothing left to mark');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('someone who cannot use a connection is told why and whom to ask', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await ownAddress(context);
    await signIn(page, stack.baseUrl, viewer.email, viewer.password);
    await page.goto(`${stack.baseUrl}/connections/${connection.id}`);
    const notice = page.locator('[data-testid=use-refusal]');
    await notice.waitFor();
    assert.match(await notice.innerText(), /none of your roles is invited/);
    assert.equal(await notice.getByRole('link', { name: 'Admin' }).getAttribute('href'), `mailto:${ADMIN.email}`);
    // A member of an invited role is told nothing of the kind.
    const memberContext = await browser.newContext();
    await ownAddress(memberContext);
    const memberPage = await memberContext.newPage();
    await signIn(memberPage, stack.baseUrl, member.email, member.password);
    await memberPage.goto(`${stack.baseUrl}/connections/${connection.id}`);
    await memberPage.locator('[data-testid=connection-facts]').waitFor();
    await memberPage.waitForLoadState('networkidle');
    assert.equal(await memberPage.locator('[data-testid=use-refusal]').count(), 0);
    await memberContext.close();
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('the wizard, with its consent popup, works with the keyboard alone', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await ownAddress(context);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections/new`);
    await page.locator('#provider-search').waitFor();
    await tabTo(page, '#provider-search');
    await page.keyboard.type('custom');
    await tabTo(page, '[data-provider=custom]');
    await page.keyboard.press('Enter');
    await page.locator('[data-provider=custom][aria-pressed=true]').waitFor();
    await tabTo(page, '#connection-name');
    await page.keyboard.type('Keyboard IdP');
    await tabTo(page, '#next');
    await page.keyboard.press('Enter');
    for (const [field, text] of [
      ['#client-id', 'basic-client'], ['#client-secret', 'basic-client-secret'], ['#authorization-url', `${stack.idp.issuer}/auth`],
      ['#token-url', `${stack.idp.issuer}/token`], ['#scopes', 'openid, offline_access, api'],
    ]) {
      await tabTo(page, field);
      await page.keyboard.type(text);
    }
    await tabTo(page, '#next');
    await page.keyboard.press('Enter');
    await tabTo(page, '#save-credentials');
    await page.keyboard.press('Space');
    await tabTo(page, '#save-and-test');
    const popup = context.waitForEvent('page');
    await page.keyboard.press('Enter');
    await (await popup).waitForEvent('close');
    await page.getByText('Keyboard IdP is connected: the shared token is saved.').waitFor();
    await tabTo(page, '#next');
    await page.keyboard.press('Enter');
    await tabTo(page, '#finish');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/connections\/[0-9a-f]+$/);
    await page.locator('[data-testid=shared-token][data-status=valid]').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a member authorizes and forgets their own token with the keyboard alone', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await ownAddress(context);
    await signIn(page, stack.baseUrl, member.email, member.password);
    await page.goto(`${stack.baseUrl}/my-connections`);
    const row = page.locator('[data-testid=my-connections] tr', { hasText: 'Local IdP' });
    await row.waitFor();
    await tabTo(page, '[data-testid=my-connections] button');
    assert.equal(await focused(page), 'button:Authorize');
    const popup = context.waitForEvent('page');
    await page.keyboard.press('Enter');
    await (await popup).waitForEvent('close');
    await row.locator('[data-testid=my-token][data-status=valid]').waitFor();
    await tabTo(page, '[data-testid=my-connections] button.danger');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Forget your token for \u201cLocal IdP\u201d?' });
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'button:Forget token');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=toast]', { hasText: 'Your token was forgotten.' }).waitFor();
    await row.getByText('No token yet').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });
});
