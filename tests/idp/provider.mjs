// The test authorization server: panva's oidc-provider (9.x) on 127.0.0.1, configured with every
// client shape the product must handle, and an interaction that approves at once so no human is
// needed. Tests import `startIdp`; `server.mjs` runs it by hand.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

/** The one resource server the test IdP issues API access tokens for. */
export const API_RESOURCE = 'urn:test:api';
/** Scopes the test API knows. */
export const API_SCOPES = ['api', 'read', 'write'];

/**
 * Client registrations. Every confidential client's secret is `${client_id}-secret`.
 * - basic-client / post-client: authorization code, refresh tokens, client_secret_basic / _post
 * - pkce-client: public client (auth method none), PKCE S256 required
 * - rotating-client: like basic-client, but every refresh rotates the refresh token
 * - machine-client / machine-post-client: client credentials, basic / post
 */
export function clientRegistrations(redirectUris) {
  const codeClient = (id, method) => ({
    client_id: id,
    client_secret: `${id}-secret`,
    token_endpoint_auth_method: method,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: redirectUris,
    scope: ['openid', 'offline_access', ...API_SCOPES].join(' '),
  });
  const machineClient = (id, method) => ({
    client_id: id,
    client_secret: `${id}-secret`,
    token_endpoint_auth_method: method,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: API_SCOPES.join(' '),
  });
  return [
    codeClient('basic-client', 'client_secret_basic'),
    codeClient('post-client', 'client_secret_post'),
    { ...codeClient('pkce-client', 'none'), client_secret: undefined },
    codeClient('rotating-client', 'client_secret_basic'),
    machineClient('machine-client', 'client_secret_basic'),
    machineClient('machine-post-client', 'client_secret_post'),
  ];
}

/**
 * Start the IdP.
 * @param {object} options
 * @param {number} [options.port] 0 picks a free port
 * @param {string[]} options.redirectUris the product's callback URL(s)
 * @param {number} [options.accessTokenTtl] seconds; short values exercise refresh
 * @returns {Promise<{issuer: string, port: number, provider: Provider, counts: Record<string, number>, refreshTokens: string[],
 *   settings: {accessTokenTtl: number}, close: () => Promise<void>}>}
 */
export async function startIdp({ port = 0, redirectUris, accessTokenTtl = 3600 } = {}) {
  // Tests may shorten token lifetimes at run time (refresh storms need expired tokens), and make
  // token responses carry an `instance_url` as Salesforce's do.
  const settings = { accessTokenTtl, instanceUrl: null };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

  // Bind first: the issuer must name the real port.
  const server = http.createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = server.address().port;
  const issuer = `http://127.0.0.1:${actualPort}`;

  const provider = new Provider(issuer, {
    clients: clientRegistrations(redirectUris ?? []),
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-cookie-key-not-secret'] },
    clockTolerance: 0,
    scopes: ['openid', 'offline_access', ...API_SCOPES],
    findAccount: async (_ctx, accountId) => ({
      accountId,
      claims: async () => ({ sub: accountId, email: `${accountId}@example.test` }),
    }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Requests without `resource` get the test API, so plain OAuth clients receive API tokens.
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== API_RESOURCE) throw new Provider.errors.InvalidTarget();
          return { scope: API_SCOPES.join(' '), accessTokenFormat: 'opaque', audience: API_RESOURCE };
        },
      },
    },
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    // Refresh tokens whenever the client may refresh, not only with offline_access + prompt=consent.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: (ctx) => ctx.oidc.client.clientId === 'rotating-client',
    ttl: {
      AccessToken: () => settings.accessTokenTtl,
      ClientCredentials: () => settings.accessTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Interaction: 600,
      Session: 3600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });

  // Every token-endpoint outcome, by grant type: the refresh-storm tests read these.
  const counts = {};
  const bump = (key) => { counts[key] = (counts[key] ?? 0) + 1; };
  provider.on('grant.success', (ctx) => bump(ctx.oidc.params.grant_type));
  provider.on('grant.error', (ctx) => bump(`${ctx.oidc.params?.grant_type ?? 'unknown'}:error`));
  // Every refresh token issued, in order (opaque: the value is its jti), so tests can ask the
  // introspection endpoint about a token the product holds sealed; and every revocation call.
  const refreshTokens = [];
  provider.on('refresh_token.saved', (token) => refreshTokens.push(token.jti));
  provider.on('revocation.error', () => bump('revocation:error'));

  const oidc = provider.callback();
  server.on('request', (req, res) => {
    if (req.url === '/token/revocation') bump('revocation');
    if (req.url.startsWith('/interaction/')) {
      approve(provider, req, res).catch((error) => {
        res.statusCode = 500;
        res.end(`interaction failed: ${error.message}`);
      });
      return;
    }
    if (settings.instanceUrl && req.method === 'POST' && req.url.startsWith('/token')) withInstanceUrl(res, settings.instanceUrl);
    oidc(req, res);
  });

  return {
    issuer,
    port: actualPort,
    provider,
    counts,
    refreshTokens,
    settings,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/** Add `instance_url` to a successful token response, the way Salesforce answers. */
function withInstanceUrl(res, instanceUrl) {
  const end = res.end.bind(res);
  res.end = (chunk, ...rest) => {
    try {
      const body = JSON.parse(String(chunk));
      if (body.access_token) {
        const text = JSON.stringify({ ...body, instance_url: instanceUrl });
        res.setHeader('content-length', Buffer.byteLength(text));
        return end(text);
      }
    } catch { /* not JSON: as it was */ }
    return end(chunk, ...rest);
  };
}

/**
 * The auto-approving interaction: log in as the account named by `login_hint` (default
 * `test-user`) and grant everything the client asked for.
 */
async function approve(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session, grantId } = details;
  if (prompt.name === 'login') {
    const accountId = params.login_hint || 'test-user';
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name === 'consent') {
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    return;
  }
  res.statusCode = 501;
  res.end(`unsupported prompt ${prompt.name}`);
}
