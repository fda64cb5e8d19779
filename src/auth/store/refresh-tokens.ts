// Refresh tokens: opaque, single use, rotated on every refresh. Tokens descending from one sign-in form a family;
// presenting a token that was already used means it leaked (or the client raced itself), so the whole family is
// revoked and the user signs in again (OAuth 2.0 Security BCP, refresh token rotation).
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
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
  await em.execute(
    `INSERT INTO refresh_token (id, user_id, family_id, token_hash, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      input.userId,
      familyId,
      hashSecret(token),
      expiresAt,
      input.client?.ip ?? null,
      input.client?.userAgent?.slice(0, 500) ?? null,
    ],
  );
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
    const [row] = await tx.execute<
      {
        id: string;
        user_id: string;
        family_id: string;
        used_at: Date | null;
        revoked_at: Date | null;
        expires_at: Date;
      }[]
    >(
      'SELECT id, user_id, family_id, used_at, revoked_at, expires_at FROM refresh_token WHERE token_hash = ? FOR UPDATE',
      [hashSecret(token)],
    );
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.revoked_at) return { ok: false, reason: 'revoked' } as const;
    if (row.used_at) {
      await revokeFamily(tx, row.family_id, 'reuse detected');
      return { ok: false, reason: 'reused' } as const;
    }
    if (new Date(row.expires_at).getTime() <= Date.now()) return { ok: false, reason: 'expired' } as const;
    const [user] = await tx.execute<{ status: string }[]>('SELECT status FROM app_user WHERE id = ?', [row.user_id]);
    if (user?.status !== 'active') {
      await revokeFamily(tx, row.family_id, 'user not active');
      return { ok: false, reason: 'revoked' } as const;
    }
    const next = await issueRefreshToken(tx, { userId: row.user_id, familyId: row.family_id, ttl, client });
    await tx.execute('UPDATE refresh_token SET used_at = now(), replaced_by = ? WHERE id = ?', [next.id, row.id]);
    return { ok: true, userId: row.user_id, next } as const;
  });
}

export async function revokeFamily(em: EntityManager, familyId: string, reason: string): Promise<number> {
  const rows = await em.execute<unknown[]>(
    `UPDATE refresh_token SET revoked_at = now(), revoked_reason = ? WHERE family_id = ? AND revoked_at IS NULL RETURNING id`,
    [reason, familyId],
  );
  return rows.length;
}

/** Sign-out: revokes the family of this token (all its rotations). Unknown tokens, or another owner's, are ignored. */
export async function revokeByToken(
  em: EntityManager,
  token: string,
  reason: string,
  ownerId?: string,
): Promise<{ userId: string } | undefined> {
  const [row] = await em.execute<{ family_id: string; user_id: string }[]>(
    'SELECT family_id, user_id FROM refresh_token WHERE token_hash = ?',
    [hashSecret(token)],
  );
  if (!row || (ownerId !== undefined && row.user_id !== ownerId)) return undefined;
  await revokeFamily(em, row.family_id, reason);
  return { userId: row.user_id };
}

export async function revokeAllForUser(em: EntityManager, userId: string, reason: string): Promise<void> {
  await em.execute(
    `UPDATE refresh_token SET revoked_at = now(), revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL`,
    [reason, userId],
  );
}
