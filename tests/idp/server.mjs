// Run the test IdP by hand: `npm run idp -- --port 9000 --redirect http://127.0.0.1:8787/oauth/callback`
import { parseArgs } from 'node:util';
import { startIdp } from './provider.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    redirect: { type: 'string', multiple: true, default: ['http://127.0.0.1:8787/oauth/callback'] },
    'access-token-ttl': { type: 'string', default: '3600' },
  },
});
const idp = await startIdp({
  port: Number(values.port),
  redirectUris: values.redirect,
  accessTokenTtl: Number(values['access-token-ttl']),
});
console.log(`test IdP listening: ${idp.issuer} (clients: basic-client, post-client, pkce-client, rotating-client, machine-client, machine-post-client; secret = <client_id>-secret)`);
