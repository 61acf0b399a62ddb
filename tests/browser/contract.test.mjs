// The API contract in the SPA: an admin reads the API (every documented operation, and the
// OpenAPI document behind a link), and a connection's page has a "Use from a bot" panel whose
// curl, Python and JavaScript snippets name this deployment and this connection; its curl token
// call, run as shown with a real key, gets a token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { launchBrowser, newCheckedPage, screenshot, signIn } from '../support/browser.mjs';
import { machineInput } from '../support/connections.mjs';
import { ADMIN, BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';

const run = promisify(execFile);

describe('the API contract in the SPA', () => {
  let stack;
  let browser;
  let admin;
  let connection;
  before(async () => {
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    admin = await bootstrapAdmin(stack.baseUrl);
    const created = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Machine' }));
    assert.equal(created.status, 201, created.text);
    connection = created.body;
    // Using a connection takes an invite: a role holding the admin.
    const adminId = (await admin.get('/api/v1/session')).body.user.id;
    const role = await createRole(admin, { name: 'Bots', memberIds: [adminId] });
    assert.equal((await admin.put(`/api/v1/connections/${connection.id}/roles`, { role_ids: [role.id] })).status, 200);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('an admin reads every documented operation and reaches the OpenAPI document', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'API', exact: true }).click();
    const rows = page.locator('[data-testid=api-operations] tbody tr');
    await rows.first().waitFor();
    const document = await (await fetch(`${stack.baseUrl}/api/v1/openapi.json`)).json();
    const operations = Object.values(document.paths).flatMap((item) => Object.keys(item));
    assert.equal(await rows.count(), operations.length);
    const table = await page.locator('[data-testid=api-operations]').innerText();
    for (const path of Object.keys(document.paths)) assert.ok(table.includes(path), `${path} is listed`);
    assert.equal(await page.locator('[data-testid=openapi-link]').getAttribute('href'), '/api/v1/openapi.json');
    await screenshot(page, 'contract-1-api-page');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a connection page shows the bot snippets for this origin and id, and its curl call works', async () => {
    const { page, context, problems } = await newCheckedPage(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl });
    await signIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await page.goto(`${stack.baseUrl}/connections/${connection.id}`);
    const panel = page.locator('[data-testid=bot-panel]');
    await panel.waitFor();
    assert.equal(await page.locator('[data-testid=bot-connection-id]').innerText(), connection.id);
    const tokenUrl = `${stack.baseUrl}/api/v1/connections/${connection.id}/token`;
    const proxyUrl = `${stack.baseUrl}/api/v1/connections/${connection.id}/proxy/<path>`;
    const shown = async () => ({
      token: await page.locator('[data-testid=bot-token-call]').innerText(),
      proxy: await page.locator('[data-testid=bot-proxy-call]').innerText(),
    });
    const curl = await shown();
    assert.match(curl.token, /^curl -s -X POST /);
    assert.ok(curl.token.includes(tokenUrl) && curl.token.includes('"token_type":"shared"'), curl.token);
    assert.ok(curl.proxy.includes(proxyUrl) && curl.proxy.includes('X-Token-Type: shared'), curl.proxy);
    await screenshot(page, 'contract-2-bot-panel-curl');

    for (const [tab, marker] of [['python', 'import requests'], ['javascript', 'await fetch(']]) {
      await page.locator(`[data-testid=bot-tab-${tab}]`).click();
      await page.locator('[data-testid=bot-token-call]', { hasText: marker }).waitFor();
      const text = await shown();
      assert.ok(text.token.includes(`"${tokenUrl}"`), text.token);
      assert.ok(text.proxy.includes(`"${proxyUrl}"`) && text.proxy.includes('X-Token-Type'), text.proxy);
      assert.equal(await page.locator(`[data-testid=bot-tab-${tab}]`).getAttribute('aria-selected'), 'true');
    }
    await page.locator('[data-testid=bot-token-call-copy]').click();
    await page.locator('[data-testid=bot-token-call-copy]', { hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), (await shown()).token);
    await screenshot(page, 'contract-3-bot-panel-javascript');

    // The curl snippet as shown, run by a shell with a real key in EOC_KEY.
    const { key } = await createKey(admin, 'snippet bot');
    const { stdout } = await run('sh', ['-c', curl.token], { env: { ...process.env, EOC_KEY: key.secret } });
    assert.equal(typeof JSON.parse(stdout).access_token, 'string', stdout);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
