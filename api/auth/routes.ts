// Sign-in for people and programs: password login returns a short-lived access token and a rotating refresh token;
// refresh rotates (a reused refresh token revokes its whole family); logout revokes the family.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { recordAudit } from '../../src/auth/store/audit.js';
import { revokeByToken } from '../../src/auth/store/refresh-tokens.js';
import { refreshSession, startSession, type Session } from '../../src/auth/sessions.js';
import { authenticateUser, type UserRecord } from '../../src/auth/store/users.js';
import { authProblems } from '../http/authentication.js';
import type { ApiDeps } from '../http/deps.js';
import { problemResponses } from '../http/common-schemas.js';
import { LoginBody, MeSchema, PublicUserSchema, RefreshBody, TokenPairSchema } from './schemas.js';
import type { Static } from 'typebox';

export function publicUser(user: UserRecord): Static<typeof PublicUserSchema> {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    customerId: user.customerId,
    status: user.status,
    createdBy: user.createdBy,
    createdAt: user.createdAt.toISOString(),
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
  };
}

function tokenPair(session: Session) {
  return {
    tokenType: 'Bearer' as const,
    accessToken: session.accessToken,
    expiresAt: session.expiresAt.toISOString(),
    expiresIn: Math.max(0, Math.round((session.expiresAt.getTime() - Date.now()) / 1000)),
    refreshToken: session.refreshToken,
    refreshExpiresAt: session.refreshExpiresAt.toISOString(),
    user: publicUser(session.user),
  };
}

export function clientInfo(request: FastifyRequest) {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua : undefined, requestId: request.id };
}

export const authRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; secret: Uint8Array }> = async (
  app,
  { deps, secret },
) => {
  const { orm, config } = deps;
  const strict = { rateLimit: { max: config.auth.loginRateLimit, timeWindow: '1 minute' } };

  app.post(
    '/auth/login',
    {
      config: strict,
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password',
        description:
          'Returns a short-lived access token (send it as `Authorization: Bearer <token>`) and a single-use refresh token.',
        security: [],
        body: LoginBody,
        response: { 200: TokenPairSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const client = clientInfo(request);
      const user = await authenticateUser(em, request.body.email, request.body.password);
      await recordAudit(em, {
        actor: user?.email ?? request.body.email.trim().toLowerCase(),
        role: user?.role ?? null,
        action: 'sign_in',
        outcome: user ? 'success' : 'failure',
        method: 'POST',
        route: '/auth/login',
        target: user?.id ?? null,
        statusCode: user ? 200 : 401,
        ...client,
        detail: { method: 'password' },
      });
      if (!user) throw authProblems.unauthenticated('The e-mail or password is wrong, or the account is not active.');
      return tokenPair(await startSession(em, secret, config.auth, user, client));
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: strict,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair',
        security: [],
        body: RefreshBody,
        response: { 200: TokenPairSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const client = clientInfo(request);
      const outcome = await refreshSession(em, secret, config.auth, request.body.refreshToken, client);
      if (!outcome.ok) {
        if (outcome.reason === 'reused') {
          await recordAudit(em, {
            actor: 'unknown',
            action: 'refresh_token_reuse',
            outcome: 'denied',
            method: 'POST',
            route: '/auth/refresh',
            statusCode: 401,
            ...client,
            detail: { revoked: 'family' },
          });
        }
        throw authProblems.unauthenticated(`The refresh token is not usable (${outcome.reason}); sign in again.`);
      }
      return tokenPair(outcome.session);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token and every token rotated from it',
        body: RefreshBody,
        response: { 204: Type.Null(), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const identity = request.identity!;
      // A user revokes only their own tokens: someone else's is treated like an unknown one (nothing happens).
      await revokeByToken(
        em,
        request.body.refreshToken,
        'sign-out',
        identity.kind === 'user' ? identity.subject : undefined,
      );
      await recordAudit(em, {
        actor: identity.actor,
        role: identity.roles.join(','),
        action: 'sign_out',
        outcome: 'success',
        method: 'POST',
        route: '/auth/logout',
        statusCode: 204,
        ...clientInfo(request),
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who the presented credential is',
        response: { 200: MeSchema, ...problemResponses(401) },
      },
    },
    async (request) => {
      const identity = request.identity!;
      return {
        kind: identity.kind,
        subject: identity.subject,
        actor: identity.actor,
        roles: identity.roles,
        customerId: identity.customerId ?? null,
      };
    },
  );
};
