// The whole product under test: a real oidc-provider and a real worker on loopback, wired so the
// IdP accepts the worker's callback URL. One call in `before`, one `stop` in `after`.
import { startIdp } from '../idp/provider.mjs';
import { freePort } from './ports.mjs';
import { startWorker } from './worker.mjs';

export async function startStack({ accessTokenTtl, vars } = {}) {
  const port = await freePort();
  const idp = await startIdp({ redirectUris: [`http://127.0.0.1:${port}/oauth/callback`], accessTokenTtl });
  let worker;
  try {
    worker = await startWorker({ port, vars });
  } catch (error) {
    await idp.close();
    throw error;
  }
  return {
    idp,
    worker,
    baseUrl: worker.baseUrl,
    stop: async () => {
      await worker.stop();
      await idp.close();
    },
  };
}
