// Short-lived access tokens: HS256 JWTs carrying the identity. Stateless to verify (no database read per request);
// revocation happens at refresh, which is why their lifetime is short (AUTH_ACCESS_TOKEN_TTL).
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { addDuration } from '../shared/duration.js';
import type { Identity } from './identity.js';
import { isRole, type Role } from './roles.js';

const ISSUER = 'ar-engine';
const AUDIENCE = 'ar-engine';

export class InvalidTokenError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidTokenError';
  }
}

export interface SignedToken {
  token: string;
  expiresAt: Date;
}

export async function signAccessToken(
  secret: Uint8Array,
  identity: Identity,
  ttl: string,
  now = new Date(),
): Promise<SignedToken> {
  const expiresAt = addDuration(now, ttl);
  const token = await new SignJWT({
    act: identity.actor,
    roles: identity.roles,
    knd: identity.kind,
    ...(identity.customerId ? { cid: identity.customerId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(identity.subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(secret);
  return { token, expiresAt };
}

export async function verifyAccessToken(secret: Uint8Array, token: string): Promise<Identity> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
  } catch (error) {
    throw new InvalidTokenError(
      error instanceof joseErrors.JWTExpired ? 'the access token has expired' : 'the access token is not valid',
    );
  }
  const roles = Array.isArray(payload.roles) ? payload.roles.filter(isRole) : [];
  const kind = payload.knd;
  if (
    typeof payload.sub !== 'string' ||
    typeof payload.act !== 'string' ||
    roles.length === 0 ||
    (kind !== 'user' && kind !== 'api_key' && kind !== 'token')
  ) {
    throw new InvalidTokenError('the access token is not valid');
  }
  const customerId = typeof payload.cid === 'string' ? payload.cid : undefined;
  if (roles.includes('customer') && (!customerId || roles.length > 1))
    throw new InvalidTokenError('a portal token names exactly one customer and no staff role');
  return { kind, subject: payload.sub, actor: payload.act, roles: roles as Role[], customerId };
}
