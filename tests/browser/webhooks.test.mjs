// The Webhooks page in Chromium: an admin adds an endpoint (a receiver on loopback) and copies
// its secret, shown once; sends a test event that the receiver refuses, then accepts; sees the
// attempts with status and duration, redelivers, edits the events, disables, rolls the secret,
// deletes. Deliveries verify with the secret the page showed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newCheckedPage, screenshot, signIn } from '../support/browser.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';
import { startReceiver, verifyStandardWebhook } from '../support/webhook_receiver.mjs';

describe('webhooks page in Chromium', () => {
  let stack;
  let browser;
  let receiver;
  let admin;
  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN, WEBHOOK_RETRY_BASE_MS: '50' } });
    admin = await bootstrapAdmin(stack.baseUrl);
    receiver = await startReceiver();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await stack?.stop();
  });

  test('add, test, see attempts, redeliver, edit, disable, roll, delete', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.locator('[data-testid=webhooks-table]').getByText('No endpoints yet.').waitFor();

    await page.locator('#webhook-url').fill(receiver.url);
    await page.locator('input[name="new-access.invited"]').uncheck();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const reveal = page.locator('[data-testid=new-secret]');
    await reveal.waitFor();
    const secret = await page.locator('#webhook-secret').inputValue();
    assert.match(secret, /^whsec_/);
    const row = page.locator('[data-testid=webhook-row]', { hasText: receiver.url });
    await row.waitFor();
    assert.ok(!(await row.innerText()).includes('access.invited'), 'the unticked event is not subscribed');
    await screenshot(page, 'webhooks-1-secret');
    await reveal.getByRole('button', { name: 'Done' }).click();
    await reveal.waitFor({ state: 'detached' });

    // The receiver refuses the first attempt; the retry is accepted.
    receiver.failNext(1);
    await row.getByRole('button', { name: 'Send test event' }).click();
    await page.locator('[data-testid=webhook-outcome]', { hasText: 'Test event queued.' }).waitFor();
    await receiver.waitFor((all) => all.some((d) => d.status === 204));
    const accepted = receiver.accepted()[0];
    assert.ok(verifyStandardWebhook(secret, accepted.headers, accepted.body), 'the secret shown verifies the delivery');
    const detail = page.locator('[data-testid=webhook-detail]');
    await detail.waitFor();
    await detail.getByRole('button', { name: 'Refresh' }).click();
    const delivery = detail.locator('[data-testid=delivery-row]').first();
    await delivery.locator('[data-testid=delivery-state]', { hasText: 'delivered' }).waitFor();
    assert.match(await delivery.locator('[data-testid=delivery-attempts]').innerText(), /^204, \d+ ms · 500, \d+ ms$/);
    await screenshot(page, 'webhooks-2-deliveries');

    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    await detail.getByText('Redelivery queued.').waitFor();
    await receiver.waitFor((all) => all.filter((d) => d.status === 204).length === 2);
    assert.equal(receiver.received.at(-1).headers['webhook-id'], accepted.headers['webhook-id']);

    await detail.locator('input[name="edit-connection.updated"]').uncheck();
    await detail.getByRole('button', { name: 'Save events' }).click();
    await page.locator('[data-testid=webhook-outcome]', { hasText: 'Saved.' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid=webhook-row]').innerText.includes('connection.updated'));

    await row.getByRole('button', { name: 'Disable' }).click();
    await row.locator('[data-testid=webhook-state]', { hasText: 'Disabled' }).waitFor();
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.locator('[data-testid=webhook-state]', { hasText: 'Enabled' }).waitFor();

    await row.getByRole('button', { name: 'Roll secret' }).click();
    await reveal.waitFor();
    const rolled = await page.locator('#webhook-secret').inputValue();
    assert.match(rolled, /^whsec_/);
    assert.notEqual(rolled, secret);
    await detail.getByText(/also signs until/).waitFor();
    await screenshot(page, 'webhooks-3-rolled');
    await reveal.getByRole('button', { name: 'Done' }).click();

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.locator('[data-testid=webhooks-table]').getByText('No endpoints yet.').waitFor();
    assert.equal((await admin.get('/api/v1/webhooks')).body.items.length, 0);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
