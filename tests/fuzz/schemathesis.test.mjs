// Hostile input, measured: Schemathesis (tests/fuzz/hooks.py; installed by xtask into
// target/schemathesis) sends generated requests, valid and invalid, to every operation of the
// served OpenAPI document, as four callers: signed out, a person with only `connections.view`
// (the User role), an admin's bot key, and an admin's session. For every request: no 5xx; status,
// body schema and content type as the document says; errors in the shared shape; no seeded secret
// in any body; a refused write leaves the row counts of the tables it could touch unchanged.
//
// Two passes per caller. The first sends single requests (examples, coverage and fuzzing phases);
// the second chains them (the stateful phase) along the document's links: create a connection,
// then read, change, invite to, ask a token of and delete that very connection; create a key,
// then revoke it; and so on. The stateful pass adds two checks of its own: a deleted item is gone
// (deleted_items_are_gone, in hooks.py) and a created one can be read (ensure_resource_availability).
//
// Budget: FUZZ_EXAMPLES cases per operation and phase (default 25), FUZZ_MAX_TIME seconds for
// the first pass (default 35) and FUZZ_STATEFUL_TIME for the second (default 10) per caller:
// about three minutes in all, the CI budget. `cargo xtask fuzz` raises them and sets
// FUZZ_MIN_REQUESTS. The outcome counts go to target/fuzz-report.json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, TARGET } from '../support/paths.mjs';
import { startStack } from '../support/stack.mjs';
import { sql } from '../support/worker.mjs';
import { populate } from '../support/populated.mjs';
import { BOOTSTRAP_TOKEN, createKey, createUser } from '../support/people.mjs';

const ST = path.join(TARGET, 'schemathesis/bin/st');
const EXAMPLES = process.env.FUZZ_EXAMPLES ?? '25';
const MAX_TIME = process.env.FUZZ_MAX_TIME ?? '35';
const STATEFUL_TIME = process.env.FUZZ_STATEFUL_TIME ?? '10';
const MIN_REQUESTS = Number(process.env.FUZZ_MIN_REQUESTS ?? '0');
// A caller's two passes, with room for start-up and a loaded machine: the budget, not this
// timeout, must be what ends a run (a timeout skips the assertions on what Schemathesis found).
const CALLER_TIMEOUT_MS = (Number(MAX_TIME) + Number(STATEFUL_TIME)) * 1500 + 5 * 60_000;
const REPORT = path.join(TARGET, 'fuzz-report.json');

/** The local D1 file of a worker (miniflare keeps one sqlite file per database). */
function d1File(persistTo) {
  const dir = path.join(persistTo, 'v3/d1/miniflare-D1DatabaseObject');
  const file = fs.readdirSync(dir).find((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  assert.ok(file, `no D1 file in ${dir}`);
  return path.join(dir, file);
}

const CHECKS = [
  'not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance',
  'no_seeded_secret', 'refused_writes_store_nothing', 'errors_use_the_shared_shape',
];
/** The two passes: single requests, then chains along the document's links. */
const PASSES = {
  single: { phases: 'examples,coverage,fuzzing', maxTime: MAX_TIME, checks: CHECKS },
  stateful: { phases: 'stateful', maxTime: STATEFUL_TIME, checks: [...CHECKS, 'deleted_items_are_gone', 'ensure_resource_availability'] },
};

/** Run one Schemathesis pass; resolves with its exit code, output and the statuses it saw. */
function schemathesis(name, pass, baseUrl, headers, env, exclude = []) {
  const { phases, maxTime, checks } = PASSES[pass];
  const tally = path.join(TARGET, `fuzz-${name}-${pass}.tally`);
  fs.rmSync(tally, { force: true });
  const args = [
    'run', `${baseUrl}/api/v1/openapi.json`, '--url', baseUrl,
    '--checks', checks.join(','),
    '--max-examples', EXAMPLES, '--max-time', maxTime, '--workers', '1', '--seed', '4711',
    '--phases', phases, '--suppress-health-check', 'all', '--no-color',
    // A busy machine can take more than Schemathesis's 10 s to serve the document once.
    '--request-timeout', '20', '--wait-for-schema', '60', '--continue-on-failure',
    ...exclude.flatMap((id) => ['--exclude-operation-id', id]),
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
  ];
  return new Promise((resolve) => {
    const child = spawn(ST, args, {
      // Its cache (.schemathesis/) goes under target/.
      cwd: TARGET,
      env: { ...process.env, ...env, FUZZ_TALLY: tally, FUZZ_PASS: pass, SCHEMATHESIS_HOOKS: 'hooks', PYTHONPATH: path.join(ROOT, 'tests/fuzz') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code) => {
      fs.writeFileSync(path.join(TARGET, `fuzz-${name}-${pass}.log`), output);
      const statuses = fs.existsSync(tally) ? fs.readFileSync(tally, 'utf8').split('\n').filter(Boolean) : [];
      resolve({ code, output, statuses });
    });
  });
}

describe('hostile requests against the OpenAPI document (Schemathesis)', () => {
  let stack;
  let env;
  let callers;
  const report = { examples_per_operation: Number(EXAMPLES), callers: {} };

  before(async () => {
    assert.ok(fs.existsSync(ST), 'Schemathesis is not installed: cargo xtask test (or fuzz) installs it into target/schemathesis');
    stack = await startStack({ vars: { BOOTSTRAP_TOKEN } });
    const refreshTokens = [];
    stack.idp.provider.on('grant.success', (ctx) => {
      if (ctx.body?.refresh_token) refreshTokens.push(ctx.body.refresh_token);
    });
    const data = await populate(stack);
    const person = await createUser(data.admin, { name: 'viewer' });
    const adminKey = await createKey(data.admin, 'fuzz bot', ['manage']);
    // Seeded secrets that no answer may carry: client secrets, refresh tokens, password hashes,
    // session ids. The refresh tokens are the ones the test IdP issued to the worker.
    const stored = await sql(stack.worker, 'SELECT password_hash FROM users');
    const sessions = [data.admin, data.member.client, person.client].map((c) => c.cookies.get('__Host-session'));
    const secrets = [
      'basic-client-secret', 'machine-client-secret',
      ...stored.map((r) => r.password_hash),
      ...sessions,
      ...refreshTokens,
    ];
    assert.ok(refreshTokens.length > 0, 'the IdP issued refresh tokens to seed');
    assert.ok(sessions.every(Boolean), 'every caller has a session id to seed');
    const ids = [data.code.id, data.machine.id, person.user.id, adminKey.key.api_key.id];
    env = {
      FUZZ_SECRETS: JSON.stringify(secrets),
      FUZZ_DB: d1File(stack.worker.persistTo),
      FUZZ_IDS: JSON.stringify(ids),
    };
    const origin = stack.baseUrl;
    const cookie = (client) => `__Host-session=${client.cookies.get('__Host-session')}`;
    callers = {
      'signed out': { headers: { Origin: origin } },
      'connections.view only': { headers: { Origin: origin, Cookie: cookie(person.client) }, exclude: ['signOut'] },
      'admin bot key': { headers: { Authorization: `Bearer ${adminKey.key.secret}` } },
      admin: { headers: { Origin: origin, Cookie: cookie(data.admin) }, exclude: ['signOut'] },
    };
  });

  after(async () => {
    report.requests = Object.values(report.callers).reduce((sum, c) => sum + c.requests, 0);
    fs.writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
    await stack?.stop();
  });

  for (const name of ['signed out', 'connections.view only', 'admin bot key', 'admin']) {
    test(`as ${name}: no 5xx, answers as documented, no secret, refusals store nothing`, { timeout: CALLER_TIMEOUT_MS }, async () => {
      const caller = callers[name];
      const slug = name.replace(/[^a-z]+/g, '-');
      const entry = { requests: 0, by_status: {} };
      report.callers[name] = entry;
      for (const pass of Object.keys(PASSES)) {
        const run = await schemathesis(slug, pass, stack.baseUrl, caller.headers, env, caller.exclude);
        const byStatus = {};
        for (const status of run.statuses) {
          byStatus[status] = (byStatus[status] ?? 0) + 1;
          entry.by_status[status] = (entry.by_status[status] ?? 0) + 1;
        }
        entry.requests += run.statuses.length;
        entry[pass] = { requests: run.statuses.length, by_status: byStatus, exit_code: run.code };
        assert.ok(run.statuses.length > 0, `${pass}: no request was sent:\n${run.output.slice(-3000)}`);
        assert.equal(run.code, 0, `${pass}: Schemathesis found failures (target/fuzz-${slug}-${pass}.log):\n${run.output.slice(-6000)}`);
      }
    });
  }

  test('the run sent the requests its budget asks for', { skip: MIN_REQUESTS === 0 && 'no minimum (cargo xtask fuzz sets one)' }, () => {
    const sent = Object.values(report.callers).reduce((sum, c) => sum + c.requests, 0);
    assert.ok(sent >= MIN_REQUESTS, `${sent} requests sent, fewer than ${MIN_REQUESTS}`);
  });
});
