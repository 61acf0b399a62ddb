// A provider's API for proxy tests: a node http server on loopback that records what reached it
// (method, raw path and query, headers, body size and hash) and answers as told:
// - every request with a Bearer token the test has not refused answers 200 with what it saw
//   (`/echo…`), except the special paths below;
// - `refuse(token)`: that token gets 401 (a revoked or expired token);
// - `/redirect` answers 302 to another host; `/cookie` sets a cookie; `/status/NNN` answers NNN;
// - `/bytes/N` streams N bytes (in 64 KiB chunks) without a Content-Length.
// Nothing it records leaves the test process.
import http from 'node:http';
import { createHash } from 'node:crypto';

export async function startStubApi() {
  const seen = [];
  const refused = new Set();
  // Bytes of `/bytes/N` answers handed to the socket so far (a stalled reader stops them).
  const progress = { sent: 0 };
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      hash.update(chunk);
      if (size <= 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      const [path, query] = splitTarget(req.url);
      const authorization = req.headers.authorization ?? '';
      const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : null;
      const record = {
        method: req.method,
        url: req.url,
        path,
        query,
        headers: { ...req.headers },
        token,
        size,
        sha256: hash.digest('hex'),
        body: size <= 1024 * 1024 ? Buffer.concat(chunks).toString('utf8') : null,
      };
      seen.push(record);
      if (!token || refused.has(token)) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
        res.end(JSON.stringify({ provider_error: 'invalid_token' }));
        return;
      }
      answer(req, res, record, progress);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    seen,
    progress,
    /** Answer 401 to this token from now on. */
    refuse: (token) => refused.add(token),
    reset: () => { seen.length = 0; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

function splitTarget(url) {
  const at = url.indexOf('?');
  return at < 0 ? [url, null] : [url.slice(0, at), url.slice(at + 1)];
}

function answer(req, res, record, progress) {
  const parts = record.path.split('/');
  if (record.path.endsWith('/redirect')) {
    res.writeHead(302, { location: 'http://evil.example/elsewhere', 'content-type': 'text/plain' });
    res.end('moved');
    return;
  }
  if (record.path.endsWith('/cookie')) {
    res.writeHead(200, { 'set-cookie': 'provider_session=abc; Path=/', 'x-provider': 'yes', 'content-type': 'text/plain' });
    res.end('cookie set');
    return;
  }
  const status = parts.indexOf('status');
  if (status >= 0) {
    const code = Number(parts[status + 1]);
    res.writeHead(code, { 'content-type': 'application/json', 'x-provider': 'yes' });
    res.end(code === 204 || code === 304 ? undefined : JSON.stringify({ provider_says: code }));
    return;
  }
  const bytes = parts.indexOf('bytes');
  if (bytes >= 0) {
    let left = Number(parts[bytes + 1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        progress.sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'x-provider': 'yes', etag: '"v1"' });
  res.end(JSON.stringify({
    method: record.method, path: record.path, query: record.query, size: record.size, sha256: record.sha256, body: record.body,
  }));
}
