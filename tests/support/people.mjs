// Setting up people for tests: the first admin through the bootstrap endpoint, then users,
// custom roles and bot keys through the real API.
import { Client } from './http.mjs';

export const BOOTSTRAP_TOKEN = 'test-bootstrap-token-0123456789';
export const ADMIN = { email: 'admin@example.test', password: 'correct horse battery staple' };

/** Create the first admin and return a signed-in client for it. */
export async function bootstrapAdmin(baseUrl) {
  const response = await fetch(`${baseUrl}/api/v1/bootstrap`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bootstrap-token': BOOTSTRAP_TOKEN },
    body: JSON.stringify(ADMIN),
  });
  if (response.status !== 201) throw new Error(`bootstrap failed: ${response.status} ${await response.text()}`);
  const admin = new Client(baseUrl);
  await admin.signIn(ADMIN.email, ADMIN.password);
  return admin;
}

let counter = 0;
/** A new user (password `password for <email>`) in the given roles, and a client signed in as them. */
export async function createUser(admin, { roleIds = [], name } = {}) {
  counter += 1;
  const email = `${name ?? 'user'}-${counter}-${Date.now()}@example.test`;
  const password = `password for ${counter} tests`;
  const response = await admin.post('/api/v1/users', { email, display_name: name ?? `User ${counter}`, password, role_ids: roleIds });
  if (response.status !== 201) throw new Error(`creating ${email} failed: ${response.status} ${response.text}`);
  const client = new Client(admin.baseUrl);
  await client.signIn(email, password);
  return { user: response.body, email, password, client };
}

export async function createRole(admin, { name, permissions = [], memberIds = [] }) {
  const response = await admin.post('/api/v1/roles', { name, description: `${name} for tests`, permissions, member_ids: memberIds });
  if (response.status !== 201) throw new Error(`creating role ${name} failed: ${response.status} ${response.text}`);
  return response.body;
}

/**
 * A bot key for a signed-in client; returns a client that authenticates with it.
 * @param {string[]} [scopes] `['manage']` for a key that may do what its owner may; default tokens only
 */
export async function createKey(client, name = 'test bot', scopes) {
  const response = await client.post('/api/v1/api-keys', scopes ? { name, scopes } : { name });
  if (response.status !== 201) throw new Error(`creating a key failed: ${response.status} ${response.text}`);
  return { key: response.body, bot: new Client(client.baseUrl, { apiKey: response.body.secret }) };
}
