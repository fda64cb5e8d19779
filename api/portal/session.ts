// Portal browser sessions: the access token in an HttpOnly cookie (`ar_session`), the refresh token in another
// (`ar_refresh`), both scoped to /portal, SameSite=Lax, Secure when the engine is served over https. An expired
// access cookie is renewed from the refresh cookie on the next portal request (rotation and reuse detection apply).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../src/config/config.js';
import type { Orm } from '../../src/db/orm.js';
import type { Identity } from '../../src/auth/identity.js';
import { refreshSession, startSession, type Session } from '../../src/auth/sessions.js';
import { identityOfUser, type UserRecord } from '../../src/auth/store/users.js';
import { SESSION_COOKIE } from '../http/authentication.js';

export const REFRESH_COOKIE = 'ar_refresh';

const cookieOptions = (config: Config, expires: Date) => ({
  path: '/portal',
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: config.http.publicUrl.startsWith('https:'),
  expires,
});

export function setSessionCookies(reply: FastifyReply, config: Config, session: Session): void {
  reply.setCookie(SESSION_COOKIE, session.accessToken, cookieOptions(config, session.expiresAt));
  reply.setCookie(REFRESH_COOKIE, session.refreshToken, cookieOptions(config, session.refreshExpiresAt));
}

export function clearSessionCookies(reply: FastifyReply, config: Config): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(config, new Date(0)));
  reply.clearCookie(REFRESH_COOKIE, cookieOptions(config, new Date(0)));
}

export async function signInPortalUser(
  orm: Orm,
  secret: Uint8Array,
  config: Config,
  reply: FastifyReply,
  user: UserRecord,
  request: FastifyRequest,
): Promise<Identity> {
  const ua = request.headers['user-agent'];
  const session = await startSession(orm.em.fork(), secret, config.auth, user, {
    ip: request.ip,
    userAgent: typeof ua === 'string' ? ua : undefined,
  });
  setSessionCookies(reply, config, session);
  return identityOfUser(user);
}

export function portalSessionRenewer(orm: Orm, secret: Uint8Array, config: Config) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<Identity | undefined> => {
    const token = request.cookies?.[REFRESH_COOKIE];
    if (!token) return undefined;
    const ua = request.headers['user-agent'];
    const outcome = await refreshSession(orm.em.fork(), secret, config.auth, token, {
      ip: request.ip,
      userAgent: typeof ua === 'string' ? ua : undefined,
    });
    if (!outcome.ok || outcome.session.user.role !== 'customer') {
      clearSessionCookies(reply, config);
      return undefined;
    }
    setSessionCookies(reply, config, outcome.session);
    request.authVia = 'cookie';
    return identityOfUser(outcome.session.user);
  };
}
