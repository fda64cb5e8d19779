// API keys for integrations: `ark_<prefix>_<secret>`. The prefix finds the row, the secret is compared by hash
// (only the hash is stored); the key acts with the staff roles it was given, never as a portal user.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Selectable } from 'kysely';
import { sql, tables, type Database } from '../../db/kysely.js';
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

type ApiKeyRow = Selectable<Database['api_key']>;

const toRecord = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  roles: r.roles as StaffRole[],
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
  const row = await tables(em)
    .insertInto('api_key')
    .values({
      id: randomUUID(),
      name: input.name.trim(),
      prefix,
      secret_hash: hashSecret(secret),
      roles: input.roles,
      created_by: input.by,
      expires_at: input.expiresAt ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key: `ark_${prefix}_${secret}`, record: toRecord(row) };
}

export async function listApiKeys(em: EntityManager): Promise<ApiKeyRecord[]> {
  const rows = await tables(em)
    .selectFrom('api_key')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(500)
    .execute();
  return rows.map(toRecord);
}

export async function revokeApiKey(em: EntityManager, id: string): Promise<ApiKeyRecord | undefined> {
  const row = await tables(em)
    .updateTable('api_key')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** The identity of a valid, unrevoked, unexpired key, or undefined. */
export async function verifyApiKey(em: EntityManager, key: string): Promise<Identity | undefined> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const db = tables(em);
  const row = await db.selectFrom('api_key').selectAll().where('prefix', '=', match[1]!).executeTakeFirst();
  if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at).getTime() <= Date.now())) return undefined;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const presented = Buffer.from(hashSecret(match[2]!), 'hex');
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return undefined;
  // Last use is informational; at most one write a minute per key.
  await db
    .updateTable('api_key')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', row.id)
    .where((eb) =>
      eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]),
    )
    .execute();
  return { kind: 'api_key', subject: row.id, actor: `api-key:${row.name}`, roles: row.roles as StaffRole[] };
}
