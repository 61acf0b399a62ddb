// A small API client for tests: JSON in and out, a cookie jar for the session, the same-origin
// `Origin` header browsers send, or a bot key. Every response body is kept for leak scans.
//
// Each client is a machine of its own: it sends its own `CF-Connecting-IP` (wrangler dev passes a
// client-sent one through; on Cloudflare the edge sets it), so per-address throttles count each
// test client separately, as they would count separate people.
let clients = 0;
/** A distinct address per call (198.18.0.0/15 is set aside for tests). */
export function nextAddress() {
  clients += 1;
  return `198.18.${(clients >> 8) & 255}.${clients & 255}`;
}

export class Client {
  /**
   * @param {string} baseUrl
   * @param {{apiKey?: string, origin?: string|null, address?: string}} [options] origin null sends none
   */
  constructor(baseUrl, { apiKey, origin, address } = {}) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.address = address ?? nextAddress();
    this.origin = origin === undefined ? (apiKey ? null : baseUrl) : origin;
    this.cookies = new Map();
    this.seen = [];
  }

  async request(method, path, { body, headers = {}, raw } = {}) {
    const all = { accept: 'application/json', 'cf-connecting-ip': this.address, ...headers };
    if (this.origin && method !== 'GET') all.origin = this.origin;
    if (this.apiKey) all.authorization = `Bearer ${this.apiKey}`;
    if (this.cookies.size) all.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      all['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers: all, body: payload, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair.split('=');
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    this.seen.push({ method, path, status: response.status, headers: Object.fromEntries(response.headers), text });
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: response.status, body: json, text, headers: response.headers };
  }

  get(path, options) { return this.request('GET', path, options); }
  post(path, body, options) { return this.request('POST', path, { ...options, body }); }
  patch(path, body, options) { return this.request('PATCH', path, { ...options, body }); }
  put(path, body, options) { return this.request('PUT', path, { ...options, body }); }
  delete(path, options) { return this.request('DELETE', path, options); }

  async signIn(email, password) {
    const response = await this.post('/api/v1/session', { email, password });
    if (response.status !== 200) throw new Error(`sign-in as ${email} failed: ${response.status} ${response.text}`);
    return response.body;
  }
}

/** Every response any of `clients` received, as one string, for leak scans. */
export function everythingSeen(...clients) {
  return clients.flatMap((c) => c.seen.map((s) => `${s.method} ${s.path} ${s.status}\n${JSON.stringify(s.headers)}\n${s.text}`)).join('\n');
}
