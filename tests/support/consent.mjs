// The consent a person gives at the provider, scripted: follow the IdP's redirects with its own
// cookie jar (the test IdP approves at once) until it sends the browser back to our callback.

/**
 * Walk the IdP from `authorizeUrl` to our callback. Returns the callback URL (path and query)
 * without loading it, so tests can tamper with it or load it in another session.
 */
export async function consentAtIdp(authorizeUrl, callbackOrigin) {
  const jar = new Map();
  let url = authorizeUrl;
  for (let hop = 0; hop < 20; hop += 1) {
    if (url.startsWith(callbackOrigin)) return url.slice(callbackOrigin.length);
    const headers = jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
    const response = await fetch(url, { redirect: 'manual', headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`the IdP stopped at ${url}: HTTP ${response.status} ${(await response.text()).slice(0, 500)}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects at the IdP');
}

/** The outcome the callback page posts to its opener. */
export function outcomeOf(html) {
  const match = html.match(/const outcome = (\{.*?\});\n/s);
  if (!match) throw new Error(`no outcome in the callback page:\n${html.slice(0, 1000)}`);
  return JSON.parse(match[1]);
}

/**
 * Authorize `purpose` as `client` and complete the consent; returns the callback outcome.
 * `withoutIss` plays a provider that sends no RFC 9207 `iss` (for a token URL behind a proxy,
 * whose origin is not the issuer's).
 */
export async function authorize(client, connectionId, purpose, { withoutIss = false } = {}) {
  const started = await client.post(`/api/v1/connections/${connectionId}/authorize`, { purpose });
  if (started.status !== 200) throw new Error(`authorize failed: ${started.status} ${started.text}`);
  let callback = await consentAtIdp(started.body.authorize_url, client.baseUrl);
  if (withoutIss) {
    const url = new URL(callback, client.baseUrl);
    url.searchParams.delete('iss');
    callback = `${url.pathname}${url.search}`;
  }
  const page = await client.get(callback);
  return { ...outcomeOf(page.text), authorizeUrl: started.body.authorize_url, callback, page };
}
