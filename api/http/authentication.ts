// One hook authenticates every request and enforces the permission matrix (src/auth/route-access.ts): a bearer
// access token, an API key (`Authorization: Bearer ark_...` or `X-API-Key`), or the portal's session cookie.
// PUBLIC routes and the docs need nothing; anything else without a valid credential is 401, a role outside the
// matrix 403 (problem+json). Portal pages redirect a signed-out browser to the sign-in page instead.
// Staff mutations are written to the audit log; restricted fields are refused on writes and stripped from responses.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Orm } from '../../src/db/orm.js';
import { verifyApiKey, looksLikeApiKey } from '../../src/auth/store/api-keys.js';
import { recordAudit } from '../../src/auth/store/audit.js';
import { forbiddenWriteFields, hiddenReadFields, stripFields } from '../../src/auth/field-access.js';
import type { Identity } from '../../src/auth/identity.js';
import { accessFor, isAllowed, PUBLIC, routeKey } from '../../src/auth/route-access.js';
import { InvalidTokenError, verifyAccessToken } from '../../src/auth/tokens.js';
import { ProblemError } from './problem.js';

export const SESSION_COOKIE = 'ar_session';

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
    /** How the identity was presented: a portal session cookie needs CSRF protection on changes, a bearer does not. */
    authVia?: 'bearer' | 'cookie';
  }
  interface FastifyContextConfig {
    /** A browser page: a signed-out visitor is redirected to the portal sign-in instead of getting a 401. */
    portalPage?: boolean;
  }
}

const isDocsRoute = (url: string) => url === '/docs' || url.startsWith('/docs/');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const authProblems = {
  unauthenticated: (detail: string) => new ProblemError(401, 'unauthenticated', 'Authentication required', detail),
  forbidden: (detail: string) => new ProblemError(403, 'forbidden', 'Forbidden', detail),
};

/** The matrix key of the route a request matched (HEAD is answered by the GET route), or undefined for a 404. */
export function matchedRouteKey(request: FastifyRequest): string | undefined {
  const url = request.routeOptions.url;
  if (!url) return undefined;
  return routeKey(request.method === 'HEAD' ? 'GET' : request.method, url);
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : '';
  }
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string') return apiKey.trim();
  return undefined;
}

export async function identify(request: FastifyRequest, secret: Uint8Array, orm: Orm): Promise<Identity | undefined> {
  const presented = bearer(request);
  request.authVia = presented === undefined ? 'cookie' : 'bearer';
  if (presented === '') throw authProblems.unauthenticated('The Authorization header must be "Bearer <token>".');
  if (presented !== undefined) {
    if (looksLikeApiKey(presented)) {
      const identity = await verifyApiKey(orm.em.fork(), presented);
      if (!identity) throw authProblems.unauthenticated('The API key is not valid (unknown, revoked or expired).');
      return identity;
    }
    try {
      return await verifyAccessToken(secret, presented);
    } catch (error) {
      if (error instanceof InvalidTokenError)
        throw authProblems.unauthenticated(`${error.message}; sign in again or refresh it (POST /auth/refresh).`);
      throw error;
    }
  }
  const cookie = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[
    SESSION_COOKIE
  ];
  if (cookie) {
    try {
      return await verifyAccessToken(secret, cookie);
    } catch {
      return undefined; // an expired portal session is the same as none
    }
  }
  return undefined;
}

function clientOf(request: FastifyRequest) {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua : undefined };
}

export interface AuthenticationOptions {
  orm: Orm;
  secret: Uint8Array;
  portalSignInPath: string;
  /** Renews an expired portal session from its refresh cookie (sets new cookies); undefined when it cannot. */
  renewPortalSession?: (request: FastifyRequest, reply: FastifyReply) => Promise<Identity | undefined>;
}

export function installAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const { orm, secret } = options;
  const identifyOrRenew = async (request: FastifyRequest, reply: FastifyReply) => {
    const identity = await identify(request, secret, orm);
    if (identity || request.authVia !== 'cookie' || !options.renewPortalSession || !request.url.startsWith('/portal'))
      return identity;
    return options.renewPortalSession(request, reply);
  };

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.routeOptions.url;
    if (!url || isDocsRoute(url)) return;
    const key = matchedRouteKey(request)!;
    const access = accessFor(request.method === 'HEAD' ? 'GET' : request.method, url);
    if (access === PUBLIC) {
      // A public page may still want to know who is signed in (e.g. the sign-in page); a bad credential is ignored.
      request.identity = await identifyOrRenew(request, reply).catch(() => undefined);
      return;
    }
    let identity: Identity | undefined;
    try {
      identity = await identifyOrRenew(request, reply);
    } catch (error) {
      if (!request.routeOptions.config.portalPage) throw error;
    }
    if (!identity) {
      if (request.routeOptions.config.portalPage) {
        const next = encodeURIComponent(request.url);
        return reply.redirect(`${options.portalSignInPath}?next=${next}`, 303);
      }
      reply.header('www-authenticate', 'Bearer realm="ar-engine"');
      throw authProblems.unauthenticated(
        'This route needs a bearer token (POST /auth/login, or `npm run ar -- token --role <role>`).',
      );
    }
    if (!access || !isAllowed(access, identity.roles)) {
      if (!SAFE_METHODS.has(request.method) && !identity.roles.includes('customer')) {
        await recordAudit(orm.em.fork(), {
          actor: identity.actor,
          role: identity.roles.join(','),
          action: key,
          outcome: 'denied',
          method: request.method,
          route: url,
          statusCode: 403,
          ...clientOf(request),
          requestId: request.id,
        }).catch(
          (error: unknown) => request.log.warn({ err: error }, 'denied request not audited'), // the 403 stands even while the database is down
        );
      }
      throw authProblems.forbidden(`Role ${identity.roles.join(', ')} may not call ${key}.`);
    }
    request.identity = identity;
  });

  // Field allow-lists run after body validation: the body is known-good, only some fields are not this role's.
  app.addHook('preHandler', async (request) => {
    const identity = request.identity;
    const key = matchedRouteKey(request);
    if (!identity || !key) return;
    const fields = forbiddenWriteFields(key, identity.roles, request.body);
    if (fields.length) {
      throw new ProblemError(
        403,
        'forbidden-field',
        'Forbidden field',
        `Role ${identity.roles.join(', ')} may not set ${fields.join(', ')}.`,
        {
          errors: fields.map((field) => ({ pointer: `/${field}`, in: 'body', detail: 'may not be set by this role' })),
        },
      );
    }
  });

  app.addHook('preSerialization', async (request, _reply, payload) => {
    const identity = request.identity;
    if (!identity) return payload;
    return stripFields(payload, hiddenReadFields(identity.roles));
  });

  // Every staff mutation (any outcome) is audited before the answer leaves, so the log never misses a change.
  app.addHook('onSend', async (request, reply, payload) => {
    const identity = request.identity;
    const key = matchedRouteKey(request);
    if (!identity || !key || SAFE_METHODS.has(request.method) || identity.roles.includes('customer')) return payload;
    if (accessFor(request.method, request.routeOptions.url!) === PUBLIC) return payload; // sign-in routes audit themselves
    const params = (request.params ?? {}) as Record<string, unknown>;
    const target = Object.values(params).find((v) => typeof v === 'string') as string | undefined;
    await recordAudit(orm.em.fork(), {
      actor: identity.actor,
      role: identity.roles.join(','),
      action: key,
      outcome: reply.statusCode < 400 ? 'success' : 'failure',
      method: request.method,
      route: request.routeOptions.url,
      target: target ?? null,
      statusCode: reply.statusCode,
      ...clientOf(request),
      requestId: request.id,
      detail: { via: identity.kind },
    }).catch((error: unknown) => {
      // A refused or failed request changed nothing. When the database is what failed, its audit row cannot be written
      // either, and the answer (the 4xx naming the client's mistake, or the 503 to retry) matters more than that row.
      if (reply.statusCode < 400) throw error;
      request.log.warn({ err: error }, 'failed request not audited');
    });
    return payload;
  });
}
