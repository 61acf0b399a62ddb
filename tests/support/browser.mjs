// Debian's Chromium through playwright-core. Never a downloaded browser.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { SCREENSHOTS } from './paths.mjs';

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: FLAGS,
    headless: true,
  });
}

/**
 * A page that collects uncaught page errors and console errors, for the test to assert empty.
 * Expected statuses are allowed: the SPA asks "who am I" and gets 401 before sign-in, and a
 * test may list more (e.g. 422 while checking validation).
 */
export async function newCheckedPage(browser, { allowStatuses = [401] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const expected = allowStatuses.some((s) => message.text().includes(`status of ${s}`));
    if (!expected) problems.push(`console error: ${message.text()}`);
  });
  return { page, context, problems };
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Sign in through the real sign-in page and wait for the header to name the person (attached,
 * not visible: on a phone the name sits in the folded menu).
 */
export async function signIn(page, baseUrl, email, password) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid=signed-in-as]').waitFor({ state: 'attached' });
}

/** Pick a provider in the wizard's step 1 (the searchable picker), by its kind. */
export async function chooseProvider(page, kind) {
  await page.locator(`[data-testid=provider-picker] [data-provider=${kind}]`).click();
  await page.locator(`[data-provider=${kind}][aria-pressed=true]`).waitFor();
}

/** Walk wizard steps 1 and 2 for a Custom connection to the test IdP's basic-client; ends on step 3. */
export async function wizardToTestStep(page, baseUrl, idp, name) {
  await page.goto(`${baseUrl}/connections/new`);
  await chooseProvider(page, 'custom');
  await page.locator('#connection-name').fill(name);
  await page.locator('#next').click();
  await page.locator('#client-id').fill('basic-client');
  await page.locator('#client-secret').fill('basic-client-secret');
  await page.locator('#authorization-url').fill(`${idp.issuer}/auth`);
  await page.locator('#token-url').fill(`${idp.issuer}/token`);
  await page.locator('#scopes').fill('openid, offline_access, api');
  await page.locator('#next').click();
}
