// Identity administration: staff and portal users, API keys for integrations, and the audit log (read-only).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyRecord } from '../../src/auth/store/api-keys.js';
import { listAudit } from '../../src/auth/store/audit.js';
import { revokeAllForUser } from '../../src/auth/store/refresh-tokens.js';
import { createUser, EmailTakenError, findUser, listUsers, setUserStatus } from '../../src/auth/store/users.js';
import { passwordProblem } from '../../src/auth/password-policy.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, PageQuery, pageSchema } from '../http/pagination.js';
import { problems, type FieldError } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  ApiKeySchema,
  AuditRecordSchema,
  CreateApiKeyBody,
  CreatedApiKeySchema,
  CreateUserBody,
  PublicUserSchema,
  UserListQuery,
} from './schemas.js';
import { publicUser } from './routes.js';

const apiKeyView = (k: ApiKeyRecord) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  roles: k.roles,
  createdBy: k.createdBy,
  createdAt: k.createdAt.toISOString(),
  expiresAt: k.expiresAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

export const userRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm } = deps;

  app.get(
    '/users',
    {
      schema: {
        tags: ['auth'],
        summary: 'Staff and portal users',
        querystring: UserListQuery,
        response: { 200: Type.Object({ items: Type.Array(PublicUserSchema) }), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      items: (await listUsers(orm.em.fork(), request.query)).map(publicUser),
    }),
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags: ['auth'],
        summary: 'One user',
        params: UuidParams,
        response: { 200: PublicUserSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const user = await findUser(orm.em.fork(), request.params.id);
      if (!user) throw problems.notFound('user', request.params.id);
      return publicUser(user);
    },
  );

  app.post(
    '/users',
    {
      config: { idempotency: true },
      schema: {
        tags: ['auth'],
        summary: 'Create a staff user (or a portal user bound to one customer)',
        headers: IdempotencyHeaders,
        body: CreateUserBody,
        response: { 201: PublicUserSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { email, role, customerId, displayName, password } = request.body;
      const errors: FieldError[] = [];
      if (role === 'customer' && !customerId)
        errors.push({ pointer: '/customerId', in: 'body', detail: 'is required for a portal user' });
      if (role !== 'customer' && customerId)
        errors.push({ pointer: '/customerId', in: 'body', detail: 'is only for portal users (role customer)' });
      const weak = password === undefined ? undefined : passwordProblem(password, email);
      if (weak) errors.push({ pointer: '/password', in: 'body', detail: weak });
      if (errors.length) throw problems.unprocessable(errors, 'The user cannot be created as given.');
      const em = orm.em.fork();
      if (customerId) {
        const [customer] = await em.execute<{ id: string }[]>('SELECT id FROM customer WHERE id = ?', [customerId]);
        if (!customer) throw problems.notFound('customer', customerId);
      }
      try {
        const user = await createUser(em, { email, role, customerId, displayName, password, by: actorOf(request) });
        return reply.status(201).send(publicUser(user));
      } catch (error) {
        if (error instanceof EmailTakenError)
          throw problems.conflict(`A user with e-mail ${error.email} exists.`, {
            errors: [{ pointer: '/email', in: 'body', detail: 'is taken' }],
          });
        throw error;
      }
    },
  );

  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    app.post(
      `/users/:id/${action}`,
      {
        schema: {
          tags: ['auth'],
          summary:
            action === 'disable' ? 'Disable a user and revoke their refresh tokens' : 'Re-enable a disabled user',
          params: UuidParams,
          response: { 200: PublicUserSchema, ...problemResponses(401, 403, 404, 409) },
        },
      },
      async (request) => {
        const em = orm.em.fork();
        const current = await findUser(em, request.params.id);
        if (!current) throw problems.notFound('user', request.params.id);
        if (action === 'enable' && current.status === 'invited')
          throw problems.conflict('An invited user becomes active by accepting the invitation.');
        const user = await em.transactional(async (tx) => {
          const updated = await setUserStatus(tx, request.params.id, status);
          if (action === 'disable') await revokeAllForUser(tx, request.params.id, `disabled by ${actorOf(request)}`);
          return updated!;
        });
        return publicUser(user);
      },
    );
  }

  app.get(
    '/api-keys',
    {
      schema: {
        tags: ['auth'],
        summary: 'API keys (never their secrets)',
        response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), ...problemResponses(401, 403) },
      },
    },
    async () => ({
      items: (await listApiKeys(orm.em.fork())).map(apiKeyView),
    }),
  );

  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an API key for an integration; the key is shown once',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKeySchema, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now())
        throw problems.unprocessable(
          [{ pointer: '/expiresAt', in: 'body', detail: 'is in the past' }],
          'The key would never work.',
        );
      const { key, record } = await createApiKey(orm.em.fork(), {
        name: request.body.name,
        roles: request.body.roles,
        by: actorOf(request),
        expiresAt,
      });
      return reply.status(201).send({ ...apiKeyView(record), key });
    },
  );

  app.post(
    '/api-keys/:id/revoke',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke an API key (it stops working at once)',
        params: UuidParams,
        response: { 200: ApiKeySchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const revoked = await revokeApiKey(orm.em.fork(), request.params.id);
      if (!revoked) throw problems.notFound('API key', request.params.id);
      return apiKeyView(revoked);
    },
  );

  app.get(
    '/audit-log',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign-ins and staff mutations, newest first',
        querystring: Type.Object(
          { actor: Type.Optional(Type.String({ maxLength: 254 })), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: pageSchema(AuditRecordSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const [afterId] = decodeCursor(request.query.cursor, 1) ?? [];
      const rows = await listAudit(orm.em.fork(), {
        actor: request.query.actor,
        afterId: afterId === undefined ? undefined : Number(afterId),
        limit: limit + 1,
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          rows.length > limit && last ? Buffer.from(JSON.stringify([Number(last.id)])).toString('base64url') : null,
      };
    },
  );
};
