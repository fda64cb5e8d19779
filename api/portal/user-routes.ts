// Staff invite a customer's contact to the portal: a portal user bound to that customer, and an e-mail with a
// one-time link to set a password.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listUsers } from '../../src/auth/store/users.js';
import { InvitationRefusal, inviteContact } from '../../src/portal/store/invitations.js';
import { sendPortalMail } from '../../src/portal/store/mail.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { ProblemError, problems } from '../http/problem.js';
import { PublicUserSchema } from '../auth/schemas.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import { InviteBody } from './schemas.js';
import type { PortalServices } from './actions.js';
import { publicUser } from '../auth/routes.js';

export const portalUserRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; services: PortalServices }> = async (
  app,
  { deps, services },
) => {
  const { orm, config } = deps;

  app.post(
    '/customers/:id/portal-users',
    {
      schema: {
        tags: ['portal'],
        summary: 'Invite a contact of the customer to the portal (e-mail with a one-time link to set a password)',
        params: UuidParams,
        body: InviteBody,
        response: {
          201: Type.Object({ user: PublicUserSchema, invitationExpiresAt: Type.String() }),
          ...problemResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      try {
        const invited = await em.transactional((tx) =>
          inviteContact(tx, {
            customerId: request.params.id,
            email: request.body.email,
            by: actorOf(request),
            ttl: config.auth.invitationTtl,
          }),
        );
        await sendPortalMail(em, services.mailer, config, {
          idempotencyKey: `portal-invitation:${invited.user.id}:${invited.expiresAt.getTime()}`,
          template: 'portal-invitation',
          to: invited.user.email,
          customerId: request.params.id,
          data: {
            name: invited.name,
            customerName: invited.customerName,
            token: invited.token,
            expiresAt: invited.expiresAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
          },
        });
        return reply
          .status(201)
          .send({ user: publicUser(invited.user), invitationExpiresAt: invited.expiresAt.toISOString() });
      } catch (error) {
        if (error instanceof InvitationRefusal) {
          if (error.status === 404) throw problems.notFound('Customer', request.params.id);
          throw new ProblemError(
            error.status,
            error.status === 409 ? 'conflict' : 'unprocessable',
            error.status === 409 ? 'Conflict' : 'Unprocessable request',
            `${error.pointer.slice(1)} ${error.message}`,
            { errors: [{ pointer: error.pointer, in: 'body', detail: error.message }] },
          );
        }
        throw error;
      }
    },
  );

  app.get(
    '/customers/:id/portal-users',
    {
      schema: {
        tags: ['portal'],
        summary: 'The customer’s portal users',
        params: UuidParams,
        response: { 200: Type.Object({ items: Type.Array(PublicUserSchema) }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (await listUsers(orm.em.fork(), { customerId: request.params.id, role: 'customer' })).map(publicUser),
    }),
  );
};
