// A proxy in front of the IdP's token endpoint that misbehaves on request: it passes through,
// answers 500, HTML, a 200 that carries an error, an invalid_client, hangs, or holds one request
// until told (`held`, `release()`: the IdP sees it only then). It counts hits.
import http from 'node:http';

export async function startFaultProxy(target) {
  const state = { mode: 'pass', hits: 0 };
  const hanging = new Set();
  let held = null;
  let release = () => {};
  const server = http.createServer(async (req, res) => {
    state.hits += 1;
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    switch (state.mode) {
      case '500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"server_error"}');
        return;
      case 'html':
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
        return;
      case 'error200':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"error":"temporarily_unavailable","access_token":"leaky-token-in-an-error"}');
        return;
      case 'invalid_client':
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client","error_description":"client authentication failed"}');
        return;
      case 'hang':
        hanging.add(res);
        return;
      case 'hold_once': {
        // This request waits for release(); later ones pass meanwhile.
        state.mode = 'pass';
        const released = new Promise((resolve) => { release = resolve; });
        held = Promise.resolve();
        await released;
        held = null;
        const upstream = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))),
          body,
        });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
        return;
      }
      case 'lose_answer_once': {
        // The provider processes the request (a rotation happens), but the answer never
        // arrives; later requests pass through.
        state.mode = 'pass';
        await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))),
          body,
        });
        hanging.add(res);
        return;
      }
      default: {
        // 'pass' forwards; the reshaping modes forward and edit the answer.
        const upstream = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))),
          body: req.method === 'GET' ? undefined : body,
        });
        let answer = Buffer.from(await upstream.arrayBuffer());
        // Reshape successful answers like real providers do.
        if (upstream.ok && ['omit_refresh', 'instance_url', 'no_expiry'].includes(state.mode)) {
          const json = JSON.parse(answer.toString());
          if (state.mode === 'omit_refresh') delete json.refresh_token;
          if (state.mode === 'instance_url') json.instance_url = 'https://acme.my.salesforce.com';
          if (state.mode === 'no_expiry') delete json.expires_in;
          answer = Buffer.from(JSON.stringify(json));
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(answer);
      }
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    state,
    /** Whether a request is held (mode `hold_once`). */
    holding: () => held !== null,
    /** Let the held request reach the IdP and its answer reach the worker. */
    release: () => release(),
    close: () => new Promise((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
