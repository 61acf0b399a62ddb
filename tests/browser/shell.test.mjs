// The app shell in Debian's Chromium: it boots the wasm, renders data that came from
// /api/v1/config, and routes deep links on the client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newCheckedPage, screenshot } from '../support/browser.mjs';
import { startWorker } from '../support/worker.mjs';

describe('app shell in Chromium', () => {
  let worker;
  let browser;
  before(async () => {
    worker = await startWorker();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await worker?.stop();
  });

  test('the overview shows the callback URL from /api/v1/config', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    const configCall = page.waitForResponse((r) => r.url().endsWith('/api/v1/config'));
    await page.goto(`${worker.baseUrl}/`);
    assert.equal((await configCall).status(), 200);
    const field = page.locator('#callback-url');
    await field.waitFor();
    assert.equal(await field.inputValue(), `${worker.baseUrl}/oauth/callback`);
    assert.match(await page.locator('[data-testid=version]').innerText(), /Version \d+\.\d+\.\d+/);
    assert.equal(await page.locator('header .brand').innerText(), 'Edge OAuth Connections');
    await screenshot(page, 'shell-overview');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('an unknown deep link renders the not-found page inside the shell', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await page.goto(`${worker.baseUrl}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    assert.equal(await page.locator('header .brand').count(), 1);
    await page.getByRole('link', { name: 'Back to the overview' }).click();
    await page.locator('#callback-url').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await screenshot(page, 'shell-not-found-then-home');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('links and Back/Forward change the page without reloading it, and the header marks the section', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await page.goto(`${worker.baseUrl}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    // A full page load would lose this mark.
    await page.evaluate(() => { window.sameDocument = true; });
    const overview = page.locator('.topnav a', { hasText: 'Overview' });
    assert.equal(await overview.getAttribute('aria-current'), null);
    await page.getByRole('link', { name: 'Back to the overview' }).click();
    await page.locator('#callback-url').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await overview.getAttribute('aria-current'), 'page');
    await page.goBack();
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/no/such/page');
    assert.equal(await overview.getAttribute('aria-current'), null);
    await page.goForward();
    await page.locator('#callback-url').waitFor();
    await page.locator('header a', { hasText: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    assert.equal(await page.evaluate(() => window.sameDocument), true);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
