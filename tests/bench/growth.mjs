// How cost grows: the token API and the connection list measured at 10, 100, 1,000 and 10,000
// connections, the token API with one bot key and with 1,000 keys taking turns. The design says
// the token API is flat in both (a bot's call for a shared token is answered by the token's
// vault from memory, whatever else exists, once the vault has read the key) and the list is flat in the number of connections (one page is
// read through an index, however many rows follow it).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createKey, createUser } from '../support/people.mjs';
import { ROOT, nodeBin } from '../support/paths.mjs';
import { wranglerEnv } from '../support/worker.mjs';

const run = promisify(execFile);

export const LEVELS = [10, 100, 1_000, 10_000];
const KEYS = 1_000;
const PEOPLE = 10;

/**
 * Seed connections straight into D1 until `count` seeded rows exist (secrets are not needed to
 * list them). Rows are named `Seeded 00000`…, a third of them Salesforce, all drafts.
 */
export async function seedConnections(worker, scratch, from, count) {
  if (count <= from) return;
  const rows = [];
  for (let i = from; i < count; i += 1) {
    const name = `Seeded ${String(i).padStart(5, '0')}`;
    const provider = i % 3 === 0 ? 'salesforce' : 'custom';
    rows.push(`('seed${i}','${provider}','${name}','${name.toLowerCase()}','','client_credentials','id${i}',NULL,'','https://idp.example.com/token','[]','{}','client_secret_basic',0,'draft',0,NULL,0,0)`);
  }
  const chunks = [];
  for (let i = 0; i < rows.length; i += 500) {
    chunks.push(`INSERT INTO connections (id, provider, name, name_key, description, grant_type, client_id, client_secret, authorization_url, token_url, scopes, placeholders, client_auth_method, save_credentials, status, tokens_stale, created_by, created_at, updated_at) VALUES ${rows.slice(i, i + 500).join(',')};`);
  }
  const file = path.join(scratch, `seed-${from}-${count}.sql`);
  fs.writeFileSync(file, chunks.join('\n'));
  await run(nodeBin('wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', worker.persistTo, ...worker.envArgs, '--file', file], { cwd: ROOT, env: wranglerEnv(), maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Seeded rows go straight into D1, past the product, so nothing told the connection list's
 * memory (ListMemory) about them: one real write that resets it (a role's description set to
 * what it is) makes the next list call read them.
 */
export async function forgetListMemory(admin, role) {
  // Right after `wrangler d1 execute` wrote the database file from outside, local D1 has once
  // answered "Your worker restarted mid-request" (503) to the next write: that is retried.
  for (let attempt = 1; ; attempt += 1) {
    const answer = await admin.patch(`/api/v1/roles/${role.id}`, { description: role.description });
    if (answer.status === 200) return;
    if (answer.status !== 503 || attempt === 3) throw new Error(`resetting the list memory failed: ${answer.status} ${answer.text}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A wrk script that sends the token call with `keys` in turn. */
export function rotatingKeysScript(file, keys) {
  fs.writeFileSync(file, [
    `local keys = {${keys.map((k) => JSON.stringify(k)).join(',')}}`,
    'local i = 0',
    'request = function()',
    '  i = i + 1',
    '  local key = keys[(i % #keys) + 1]',
    '  return wrk.format("POST", nil, { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, \'{"token_type":"shared"}\')',
    'end',
  ].join('\n'));
  return file;
}

/** One token call per key, 16 at a time; every one must succeed. */
async function warmKeys(tokenUrl, keys) {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const answer = await fetch(tokenUrl, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"token_type":"shared"}',
      });
      if (answer.status !== 200) throw new Error(`warming a key: ${answer.status} ${await answer.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/**
 * Measure every level. `ctx` carries the bench's pieces: the stack, the admin, the role whose
 * members may use `connectionId` (a client-credentials connection with a cached token), the
 * single-key wrk script, the list script, a scratch folder and the wrk runner.
 * Returns rows of `{ connections, health_p50, token_1_key_p50, token_1000_keys_p50, list_p50 }`.
 */
export async function measureGrowth({ stack, admin, role, connectionId, tokenScript, listScript, scratch, wrk }) {
  // 1,000 keys of 10 people in the invited role, each key warmed once (a gate per key).
  const keys = [];
  for (let p = 0; p < PEOPLE; p += 1) {
    const person = await createUser(admin, { name: `growth${p}`, roleIds: [role.id] });
    for (let k = 0; k < KEYS / PEOPLE; k += 1) keys.push((await createKey(person.client, `growth ${p}.${k}`)).key.secret);
  }
  const tokenUrl = `${stack.baseUrl}/api/v1/connections/${connectionId}/token`;
  const manyKeys = rotatingKeysScript(path.join(scratch, 'keys.lua'), keys);

  const rows = [];
  let seeded = 0;
  for (const level of LEVELS) {
    // The connections that exist besides the seeded ones are the bench's own few.
    await seedConnections(stack.worker, scratch, seeded, level);
    seeded = Math.max(seeded, level);
    await forgetListMemory(admin, role);
    await wrk(`${stack.baseUrl}/api/v1/connections`, 8, { script: listScript, seconds: 1 });
    // Every key once, right before it is measured: the vault then knows all 1,000 (it trusts
    // what it read for ACCESS_MEMORY_SECONDS, 60 s), so the figure is the steady state, not
    // 1,000 first reads of a key (each a D1 batch).
    await warmKeys(tokenUrl, keys);
    const health = await wrk(`${stack.baseUrl}/api/v1/health`, 8);
    const one = await wrk(tokenUrl, 8, { script: tokenScript });
    const many = await wrk(tokenUrl, 8, { script: manyKeys });
    const list = await wrk(`${stack.baseUrl}/api/v1/connections`, 8, { script: listScript });
    rows.push({
      connections: level,
      health_p50: health.p50,
      token_1_key_p50: one.p50,
      token_1000_keys_p50: many.p50,
      list_p50: list.p50,
      non2xx: one.non2xx + many.non2xx + list.non2xx,
    });
  }
  return { keys: keys.length, rows, seeded };
}
