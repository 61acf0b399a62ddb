// The envelope format of secrets at rest, written independently of the worker (edge/src/envelope.rs)
// from its documentation: AES-256-GCM with a 96-bit nonce, AAD = `table \x1f row \x1f column`,
// stored as `v1.<key id>.<nonce>.<ciphertext and tag>` in base64url without padding; keys come as
// `ENCRYPTION_KEYS` = `id:base64,…` (the first encrypts, all decrypt). Tests use it to write rows
// as an older release would have (upgrade) and to check what is stored.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** `id:base64,…` as `[{id, key}]`, the active key first. */
export function parseKeys(spec) {
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
    const at = entry.indexOf(':');
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (at < 1 || key.length !== 32) throw new Error(`bad key entry ${entry.slice(0, at)}`);
    return { id: entry.slice(0, at), key };
  });
}

const aad = ({ table, row, column }) => Buffer.from(`${table}\x1f${row}\x1f${column}`, 'utf8');

/** Seal `plaintext` for its place under the first key of `spec`. */
export function seal(spec, plaintext, place) {
  const [{ id, key }] = parseKeys(spec);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(place));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1.${id}.${nonce.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** Open an envelope with whichever key of `spec` it names; throws when it does not open there. */
export function open(spec, envelope, place) {
  const [version, id, nonce, sealed, extra] = envelope.split('.');
  if (version !== 'v1' || extra !== undefined) throw new Error('not a v1 envelope');
  const entry = parseKeys(spec).find((k) => k.id === id);
  if (!entry) throw new Error(`no key ${id}`);
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(nonce, 'base64url'));
  decipher.setAAD(aad(place));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
}

/** The key id an envelope names. */
export const keyIdOf = (envelope) => envelope.split('.')[1];

/** Every sealed column (edge/src/store/sealed.rs): table, the row's key column, the column. */
export const SEALED = [
  { table: 'connections', key: 'id', column: 'client_secret' },
  { table: 'tokens', key: 'id', column: 'access_token' },
  { table: 'tokens', key: 'id', column: 'refresh_token' },
  { table: 'oauth_transactions', key: 'state_hash', column: 'pkce_verifier' },
  { table: 'webhooks', key: 'id', column: 'secret' },
  { table: 'webhooks', key: 'id', column: 'previous_secret' },
  { table: 'provider_revocations', key: 'id', column: 'client_secret' },
  { table: 'provider_revocations', key: 'id', column: 'token' },
];
