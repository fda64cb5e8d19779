// API keys for integrations: `ark_<prefix>_<secret>`. The prefix finds the row, the secret is compared by hash
// (only the hash is stored); the key acts with the staff roles it was given, never as a portal user.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Identity } from '../identity.js';
import type { StaffRole } from '../roles.js';
import { hashSecret, newSecret } from '../secrets.js';

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  roles: StaffRole[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  roles: StaffRole[];
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toRecord = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  roles: r.roles,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  expiresAt: r.expires_at ? new Date(r.expires_at) : null,
  lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});

const KEY_PATTERN = /^ark_([0-9a-f]{12})_([\w-]{43})$/;
export const looksLikeApiKey = (value: string): boolean => value.startsWith('ark_');

export async function createApiKey(
  em: EntityManager,
  input: { name: string; roles: StaffRole[]; by: string; expiresAt?: Date | null },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const prefix = randomBytes(6).toString('hex');
  const secret = newSecret();
  const [row] = await em.execute<ApiKeyRow[]>(
    `INSERT INTO api_key (id, name, prefix, secret_hash, roles, created_by, expires_at) VALUES (?, ?, ?, ?, ?::text[], ?, ?) RETURNING *`,
    [
      randomUUID(),
      input.name.trim(),
      prefix,
      hashSecret(secret),
      `{${input.roles.join(',')}}`,
      input.by,
      input.expiresAt ?? null,
    ],
  );
  return { key: `ark_${prefix}_${secret}`, record: toRecord(row!) };
}

export async function listApiKeys(em: EntityManager): Promise<ApiKeyRecord[]> {
  return (await em.execute<ApiKeyRow[]>('SELECT * FROM api_key ORDER BY created_at, id LIMIT 500')).map(toRecord);
}

export async function revokeApiKey(em: EntityManager, id: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await em.execute<ApiKeyRow[]>(
    'UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = ? RETURNING *',
    [id],
  );
  return row ? toRecord(row) : undefined;
}

/** The identity of a valid, unrevoked, unexpired key, or undefined. */
export async function verifyApiKey(em: EntityManager, key: string): Promise<Identity | undefined> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const [row] = await em.execute<ApiKeyRow[]>('SELECT * FROM api_key WHERE prefix = ?', [match[1]]);
  if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at).getTime() <= Date.now())) return undefined;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const presented = Buffer.from(hashSecret(match[2]!), 'hex');
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return undefined;
  // Last use is informational; at most one write a minute per key.
  await em.execute(
    `UPDATE api_key SET last_used_at = now() WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [row.id],
  );
  return { kind: 'api_key', subject: row.id, actor: `api-key:${row.name}`, roles: row.roles };
}
