// A sign-in session: a short-lived access token plus a rotating refresh token, for the API and the portal alike.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuthConfig } from '../config/config.js';
import { issueRefreshToken, rotateRefreshToken, type ClientInfo } from './store/refresh-tokens.js';
import { signAccessToken } from './tokens.js';
import { findUser, identityOfUser, type UserRecord } from './store/users.js';

export interface Session {
  accessToken: string;
  expiresAt: Date;
  refreshToken: string;
  refreshExpiresAt: Date;
  user: UserRecord;
}

export async function startSession(
  em: EntityManager,
  secret: Uint8Array,
  auth: AuthConfig,
  user: UserRecord,
  client?: ClientInfo,
): Promise<Session> {
  const access = await signAccessToken(secret, identityOfUser(user), auth.accessTokenTtl);
  const refresh = await issueRefreshToken(em, { userId: user.id, ttl: auth.refreshTokenTtl, client });
  return {
    accessToken: access.token,
    expiresAt: access.expiresAt,
    refreshToken: refresh.token,
    refreshExpiresAt: refresh.expiresAt,
    user,
  };
}

export type RefreshOutcome = { ok: true; session: Session } | { ok: false; reason: string };

/** Rotates the refresh token and signs a new access token with the user's current role and customer. */
export async function refreshSession(
  em: EntityManager,
  secret: Uint8Array,
  auth: AuthConfig,
  refreshToken: string,
  client?: ClientInfo,
): Promise<RefreshOutcome> {
  const rotated = await rotateRefreshToken(em, refreshToken, auth.refreshTokenTtl, client);
  if (!rotated.ok) return { ok: false, reason: rotated.reason };
  const user = await findUser(em, rotated.userId);
  if (!user || user.status !== 'active') return { ok: false, reason: 'revoked' };
  const access = await signAccessToken(secret, identityOfUser(user), auth.accessTokenTtl);
  return {
    ok: true,
    session: {
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken: rotated.next.token,
      refreshExpiresAt: rotated.next.expiresAt,
      user,
    },
  };
}
