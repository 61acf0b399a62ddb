// The whole product under test: a real oidc-provider and a real worker on loopback, wired so the
// IdP accepts the worker's callback URL. One call in `before`, one `stop` in `after`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startIdp } from '../idp/provider.mjs';
import { freePort } from './ports.mjs';
import { startWorker } from './worker.mjs';

/**
 * @param {object} [options]
 * @param {boolean} [options.restartable] keep the worker's state in a folder of the stack's own,
 *   so `restart` can stop the worker and start it again on the same port and state
 */
export async function startStack({ accessTokenTtl, vars, restartable = false } = {}) {
  const port = await freePort();
  const idp = await startIdp({ redirectUris: [`http://127.0.0.1:${port}/oauth/callback`], accessTokenTtl });
  const persistTo = restartable ? fs.mkdtempSync(path.join(os.tmpdir(), 'edge-oauth-kept-')) : undefined;
  let starts = 0;
  const start = (withVars) => {
    starts += 1;
    return startWorker({ port, vars: withVars, persistTo, logName: restartable ? `wrangler-${port}-${starts}.log` : undefined });
  };
  let worker;
  try {
    worker = await start(vars);
  } catch (error) {
    await idp.close();
    throw error;
  }
  const stack = {
    idp,
    worker,
    baseUrl: worker.baseUrl,
    /** Stop the worker and start it again on the same port and state, with `nextVars`. */
    restart: async (nextVars = vars) => {
      if (!restartable) throw new Error('startStack({ restartable: true }) to restart');
      await stack.worker.stop();
      stack.worker = await start(nextVars);
      return stack.worker;
    },
    stop: async () => {
      await stack.worker.stop();
      await idp.close();
      if (persistTo) fs.rmSync(persistTo, { recursive: true, force: true });
    },
  };
  return stack;
}
