// Refresh tokens: opaque, single use, rotated on every refresh. Tokens descending from one sign-in form a family;
// presenting a token that was already used means it leaked (or the client raced itself), so the whole family is
// revoked and the user signs in again (OAuth 2.0 Security BCP, refresh token rotation).
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, tables } from '../../db/kysely.js';
import { addDuration } from '../../shared/duration.js';
import { hashSecret, newSecret } from '../secrets.js';

export interface IssuedRefreshToken {
  token: string;
  id: string;
  familyId: string;
  expiresAt: Date;
}

export interface ClientInfo {
  ip?: string;
  userAgent?: string;
}

export async function issueRefreshToken(
  em: EntityManager,
  input: { userId: string; familyId?: string; ttl: string; client?: ClientInfo },
): Promise<IssuedRefreshToken> {
  const token = `rt_${newSecret()}`;
  const id = randomUUID();
  const familyId = input.familyId ?? randomUUID();
  const expiresAt = addDuration(new Date(), input.ttl);
  await tables(em)
    .insertInto('refresh_token')
    .values({
      id,
      user_id: input.userId,
      family_id: familyId,
      token_hash: hashSecret(token),
      expires_at: expiresAt,
      ip: input.client?.ip ?? null,
      user_agent: input.client?.userAgent?.slice(0, 500) ?? null,
    })
    .execute();
  return { token, id, familyId, expiresAt };
}

export type RotationResult =
  | { ok: true; userId: string; next: IssuedRefreshToken }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' };

/** Uses the token once: returns its successor, or why not (a reuse revokes the family). Runs in one transaction. */
export async function rotateRefreshToken(
  em: EntityManager,
  token: string,
  ttl: string,
  client?: ClientInfo,
): Promise<RotationResult> {
  return em.transactional(async (tx) => {
    const db = tables(tx);
    const row = await db
      .selectFrom('refresh_token')
      .select(['id', 'user_id', 'family_id', 'used_at', 'revoked_at', 'expires_at'])
      .where('token_hash', '=', hashSecret(token))
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.revoked_at) return { ok: false, reason: 'revoked' } as const;
    if (row.used_at) {
      await revokeFamily(tx, row.family_id, 'reuse detected');
      return { ok: false, reason: 'reused' } as const;
    }
    if (new Date(row.expires_at).getTime() <= Date.now()) return { ok: false, reason: 'expired' } as const;
    const user = await db.selectFrom('app_user').select('status').where('id', '=', row.user_id).executeTakeFirst();
    if (user?.status !== 'active') {
      await revokeFamily(tx, row.family_id, 'user not active');
      return { ok: false, reason: 'revoked' } as const;
    }
    const next = await issueRefreshToken(tx, { userId: row.user_id, familyId: row.family_id, ttl, client });
    await db
      .updateTable('refresh_token')
      .set({ used_at: sql<Date>`now()`, replaced_by: next.id })
      .where('id', '=', row.id)
      .execute();
    return { ok: true, userId: row.user_id, next } as const;
  });
}

export async function revokeFamily(em: EntityManager, familyId: string, reason: string): Promise<number> {
  const rows = await tables(em)
    .updateTable('refresh_token')
    .set({ revoked_at: sql<Date>`now()`, revoked_reason: reason })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}

/** Sign-out: revokes the family of this token (all its rotations). Unknown tokens, or another owner's, are ignored. */
export async function revokeByToken(
  em: EntityManager,
  token: string,
  reason: string,
  ownerId?: string,
): Promise<{ userId: string } | undefined> {
  const row = await tables(em)
    .selectFrom('refresh_token')
    .select(['family_id', 'user_id'])
    .where('token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!row || (ownerId !== undefined && row.user_id !== ownerId)) return undefined;
  await revokeFamily(em, row.family_id, reason);
  return { userId: row.user_id };
}

export async function revokeAllForUser(em: EntityManager, userId: string, reason: string): Promise<void> {
  await tables(em)
    .updateTable('refresh_token')
    .set({ revoked_at: sql<Date>`now()`, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
