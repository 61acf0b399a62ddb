// Invites in Chromium: the admin invites a role in the wizard; its member signs in, sees the
// unread badge and the notification, marks it read, and authorizes their own token; the admin
// finds the invite in the audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newCheckedPage, screenshot, signIn, wizardToTestStep } from '../support/browser.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';


describe('invites and notifications in Chromium', () => {
  let stack;
  let browser;
  let member;
  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    const admin = await bootstrapAdmin(stack.baseUrl);
    member = await createUser(admin, { name: 'nora' });
    await createRole(admin, { name: 'Sales bots', memberIds: [member.user.id] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('admin invites a role; the member is notified and authorizes; the audit log shows it', async () => {
    const adminPage = await newCheckedPage(browser);
    const page = adminPage.page;
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await wizardToTestStep(page, stack.baseUrl, stack.idp, 'CRM sandbox');
    await page.locator('#next').click();
    await page.locator('#invite-roles').getByText('Sales bots').click();
    await page.locator('#finish').click();
    await page.waitForURL(/\/connections\/[0-9a-f]+$/);
    await page.locator('[data-testid=invite-editor]').waitFor();

    const memberView = await newCheckedPage(browser);
    const mp = memberView.page;
    await signIn(mp, stack.baseUrl, member.email, member.password);
    const badge = mp.locator('[data-testid=unread-badge]');
    await badge.waitFor();
    assert.equal(await badge.innerText(), '1');
    await screenshot(mp, 'invites-1-badge');
    await mp.getByRole('link', { name: 'Notifications' }).click();
    const note = mp.locator('[data-testid=notification]').first();
    await note.waitFor();
    assert.match(await note.innerText(), /CRM sandbox was shared with you/);
    await screenshot(mp, 'invites-2-notification');
    await note.getByRole('button', { name: 'Mark as read' }).click();
    await badge.waitFor({ state: 'detached' });

    await mp.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My connections' }).click();
    const row = mp.locator('[data-testid=my-connections] tr', { hasText: 'CRM sandbox' });
    await row.waitFor();
    const popup = memberView.context.waitForEvent('page');
    await row.getByRole('button', { name: 'Authorize' }).click();
    await (await popup).waitForEvent('close');
    await row.locator('[data-testid=my-token][data-status=valid]').waitFor();
    await screenshot(mp, 'invites-3-authorized');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.locator('[data-testid=audit-table] tbody tr').first().waitFor();
    await page.getByPlaceholder('connection. or token.issue').fill('connection.invite');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The filter applies: every row left is the filtered action (a page that ignored it would
    // still show the one invite among the others).
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=audit-table] tbody tr')];
      return rows.length > 0 && rows.every((r) => r.innerText.includes('connection.invite'));
    }, null, { timeout: 10_000 });
    const rows = page.locator('[data-testid=audit-table] tbody tr', { hasText: 'connection.invite' });
    assert.equal(await rows.count(), 1);
    assert.equal(await page.locator('[data-testid=audit-table] tbody tr').count(), 1, 'only the filtered action is listed');
    const text = await rows.first().innerText();
    assert.ok(text.includes('Administrator') && text.includes('CRM sandbox'), `names, not just ids: ${text}`);
    await screenshot(page, 'invites-4-audit');
    assert.deepEqual(adminPage.problems, []);
    assert.deepEqual(memberView.problems, []);
    await adminPage.context.close();
    await memberView.context.close();
  });
});
