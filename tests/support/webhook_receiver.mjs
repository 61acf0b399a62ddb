// A webhook receiver on loopback for tests: it records every delivery (headers, raw body, the
// status it answered) and answers as told: `ok` (204), `fail` (500), `hang` (never answers), or
// fail the next N then accept (`failNext(n)`).
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

export async function startReceiver() {
  const state = { mode: 'ok', failures: 0 };
  const received = [];
  const hanging = new Set();
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const delivery = { at: Date.now(), path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: null };
    received.push(delivery);
    if (state.failures > 0) {
      state.failures -= 1;
      delivery.status = 500;
      res.writeHead(500).end('not now');
      return;
    }
    if (state.mode === 'hang') {
      hanging.add(res);
      return;
    }
    delivery.status = state.mode === 'fail' ? 500 : 204;
    res.writeHead(delivery.status).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    state,
    received,
    /** Answer 500 to the next `n` deliveries, whatever the mode. */
    failNext(n) { state.failures = n; },
    /** Deliveries so far that were answered 2xx. */
    accepted: () => received.filter((d) => d.status >= 200 && d.status < 300),
    /** Wait until `predicate(received)` holds; throws with what arrived after `ms`. */
    async waitFor(predicate, ms = 20_000) {
      const until = Date.now() + ms;
      while (!predicate(received)) {
        if (Date.now() > until) throw new Error(`receiver: condition not met in ${ms} ms; got ${JSON.stringify(received.map((d) => [d.headers['webhook-id'], d.status, d.body.slice(0, 80)]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Verify a delivery as the Standard Webhooks specification says, written here from the
 * specification alone (not from the worker's code): the key is the base64-decoded part of the
 * secret after `whsec_`; the signed content is `${webhook-id}.${webhook-timestamp}.${body}`; the
 * header holds space-separated `v1,<base64 HMAC-SHA256>` entries, any of which may match; the
 * timestamp must be within five minutes of now.
 */
export function verifyStandardWebhook(secret, headers, body, { now = Date.now() / 1000, toleranceSeconds = 300 } = {}) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const header = headers['webhook-signature'];
  if (!id || !timestamp || !header || !secret.startsWith('whsec_')) return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
