// Connection inputs for tests, shaped like the wizard sends them.
export function salesforceInput(overrides = {}) {
  return {
    provider: 'salesforce',
    name: 'Salesforce CRM',
    description: 'Opportunities for the nightly bots',
    grant_type: 'authorization_code_pkce',
    client_id: '3MVG9-client',
    client_secret: 'sf-secret-PLAINTEXT-4711',
    authorization_url: 'https://<yourinstance>.my.salesforce.com/services/oauth2/authorize',
    token_url: 'https://<yourinstance>.my.salesforce.com/services/oauth2/token',
    scopes: ['api, refresh_token offline_access'],
    placeholders: { yourinstance: 'acme' },
    save_credentials: true,
    ...overrides,
  };
}

/** A custom connection against the test IdP. */
export function customInput(idp, overrides = {}) {
  return {
    provider: 'custom',
    name: 'Test IdP',
    grant_type: 'authorization_code',
    client_id: 'basic-client',
    client_secret: 'basic-client-secret',
    authorization_url: `${idp.issuer}/auth`,
    token_url: `${idp.issuer}/token`,
    scopes: ['openid offline_access api'],
    client_auth_method: 'client_secret_basic',
    ...overrides,
  };
}

/** A client-credentials connection against the test IdP (its `machine-client`). */
export function machineInput(idp, overrides = {}) {
  return customInput(idp, {
    grant_type: 'client_credentials', client_id: 'machine-client', client_secret: 'machine-client-secret', scopes: ['api'], ...overrides,
  });
}
