// Webhook subscriptions and their deliveries. Creating a subscription records its dispatcher's start in the same
// transaction and starts it after the commit (src/temporal/start-after-commit.ts); the secret is shown once, in the creation response, and never again.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { workflowIds } from '../../src/temporal/ids.js';
import { startWebhookDispatcher, workflowStarts } from '../../src/temporal/starters.js';
import { recordWorkflowStart, startRecorded } from '../../src/temporal/start-after-commit.js';
import { newWebhookSecret } from '../../src/webhooks/signature.js';
import {
  attemptsOf,
  findDelivery,
  findSubscription,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  markSubscriptionDeleted,
  requeueDelivery,
  type Delivery,
  type Subscription,
} from '../../src/webhooks/store/subscriptions.js';
import { stopWebhookDispatcherSignal, wakeWebhookDispatcherSignal } from '../../workflows/webhooks/messages.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { problems } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import { EventTypePattern, unknownEventTypes } from '../events/routes.js';

const SubscriptionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('deleted')]),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  deletedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const CreatedSubscriptionSchema = Type.Intersect([
  SubscriptionSchema,
  Type.Object({ secret: Type.String({ description: 'signing secret; shown only in this response' }) }),
]);

const CreateWebhookBody = Type.Object(
  {
    url: Type.String({
      format: 'uri',
      maxLength: 2000,
      pattern: '^https?://',
      description: 'receiver endpoint (http or https)',
    }),
    eventTypes: Type.Array(EventTypePattern, {
      minItems: 1,
      maxItems: 50,
      description: 'event types, `area.*` or `*`',
    }),
    secret: Type.Optional(
      Type.String({ minLength: 16, maxLength: 200, description: 'your own signing secret; generated when absent' }),
    ),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const AttemptSchema = Type.Object({
  attemptNo: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  responseExcerpt: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Integer(),
  outcome: Type.Union([Type.Literal('delivered'), Type.Literal('retry'), Type.Literal('dead')]),
});

const DeliverySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  eventId: Type.String({ format: 'uuid' }),
  eventType: Type.String(),
  entityKey: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  firstAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  deadAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  manualRetries: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  attemptLog: Type.Array(AttemptSchema),
});

const DeliveryParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), deliveryId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

const view = (s: Subscription): Static<typeof SubscriptionSchema> => ({ ...s });

export const webhookRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;
  const ctx = () => ({ client: temporal, taskQueue: config.temporal.taskQueue });

  async function deliveryViews(deliveries: Delivery[]) {
    const attempts = await attemptsOf(
      orm.em.fork(),
      deliveries.map((d) => d.id),
    );
    return deliveries.map((d) => ({ ...d, attemptLog: attempts.get(d.id) ?? [] }));
  }

  async function activeSubscription(id: string): Promise<Subscription> {
    const sub = await findSubscription(orm.em.fork(), id);
    if (!sub) throw problems.notFound('Webhook subscription', id);
    return sub;
  }

  app.post(
    '/webhooks',
    {
      config: { idempotency: true },
      schema: {
        tags: ['integrations'],
        summary: 'Subscribe a URL to domain events; deliveries are signed (AR-Signature) and retried for days',
        headers: IdempotencyHeaders,
        body: CreateWebhookBody,
        response: { 201: CreatedSubscriptionSchema, ...problemResponses(400, 422, 503) },
      },
    },
    async (request, reply) => {
      const unknown = unknownEventTypes(request.body.eventTypes);
      if (unknown.length) {
        throw problems.unprocessable(
          request.body.eventTypes.flatMap((t, i) =>
            unknown.includes(t)
              ? [
                  {
                    pointer: `/eventTypes/${i}`,
                    in: 'body' as const,
                    detail: `"${t}" is not an event type (see GET /events)`,
                  },
                ]
              : [],
          ),
          'The subscription names event types that do not exist.',
        );
      }
      const secret = request.body.secret ?? newWebhookSecret();
      const created = await orm.em.fork().transactional(async (tx) => {
        const sub = await insertSubscription(tx, {
          url: request.body.url,
          eventTypes: [...new Set(request.body.eventTypes)],
          secret,
          description: request.body.description ?? null,
          createdBy: actorOf(request),
        });
        const workflowId = await recordWorkflowStart(
          tx,
          workflowStarts.webhookDispatcher(
            { ...ctx(), requestId: request.id },
            { subscriptionId: sub.id, policy: config.integrations.webhook },
          ),
        );
        return { ...sub, workflowId };
      });
      await startRecorded(orm.em, temporal, [created.workflowId], request.log);
      return reply
        .status(201)
        .header('location', `/webhooks/${created.id}`)
        .send({ ...view(created), secret });
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags: ['integrations'],
        summary: 'List active webhook subscriptions (oldest first); secrets are never shown',
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: pageSchema(SubscriptionSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const key = decodeCursor(request.query.cursor, 2);
      const rows = await listSubscriptions(
        orm.em.fork(),
        limit + 1,
        key ? { createdAt: String(key[0]), id: String(key[1]) } : undefined,
      );
      return toPage(rows, limit, (s) => [s.createdAt, s.id], view);
    },
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags: ['integrations'],
        summary: 'One webhook subscription (without its secret)',
        params: UuidParams,
        response: { 200: SubscriptionSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => view(await activeSubscription(request.params.id)),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { idempotency: true },
      schema: {
        tags: ['integrations'],
        summary: 'Delete a subscription: no new deliveries; its dispatcher ends; the delivery log stays readable',
        params: UuidParams,
        headers: IdempotencyHeaders,
        response: { 200: SubscriptionSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const deleted = await markSubscriptionDeleted(orm.em.fork(), request.params.id);
      if (!deleted) throw problems.notFound('Webhook subscription', request.params.id);
      try {
        await temporal.workflow
          .getHandle(workflowIds.webhookDispatcher(deleted.id))
          .signal(stopWebhookDispatcherSignal, { by: actorOf(request) });
      } catch (err) {
        // Already ended: nothing to stop. The dispatcher also ends by itself when it finds the subscription deleted.
        request.log.info({ err, subscriptionId: deleted.id }, 'webhook dispatcher not running');
      }
      return view(deleted);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Deliveries of a subscription, newest first, with every attempt and the receiver response',
        params: UuidParams,
        querystring: Type.Object(
          {
            ...PageQuery,
            status: Type.Optional(
              Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: pageSchema(DeliverySchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      await activeSubscription(request.params.id);
      const limit = request.query.limit ?? 50;
      const key = decodeCursor(request.query.cursor, 2);
      const rows = await listDeliveries(orm.em.fork(), {
        subscriptionId: request.params.id,
        status: request.query.status,
        limit: limit + 1,
        before: key ? { createdAt: String(key[0]), id: String(key[1]) } : undefined,
      });
      const page = toPage(
        rows,
        limit,
        (d) => [d.createdAt, d.id],
        (d) => d,
      );
      return { items: await deliveryViews(page.items), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: { idempotency: true },
      schema: {
        tags: ['integrations'],
        summary: 'Try a dead-lettered delivery again now (one more attempt, same delivery id)',
        params: DeliveryParams,
        headers: IdempotencyHeaders,
        response: { 202: DeliverySchema, ...problemResponses(400, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const sub = await activeSubscription(request.params.id);
      if (sub.status !== 'active')
        throw problems.conflict(`Webhook subscription ${sub.id} is deleted; its deliveries are no longer attempted.`);
      const em = orm.em.fork();
      const current = await findDelivery(em, sub.id, request.params.deliveryId);
      if (!current) throw problems.notFound('Webhook delivery', request.params.deliveryId);
      if (!(await requeueDelivery(em, current.id))) {
        throw problems.conflict(
          `Delivery ${current.id} is ${current.status}; only a dead-lettered delivery can be retried.`,
        );
      }
      try {
        const handle = await startWebhookDispatcher(ctx(), {
          subscriptionId: sub.id,
          policy: config.integrations.webhook,
        });
        await handle.signal(wakeWebhookDispatcherSignal, {
          reason: `manual retry of ${current.id} by ${actorOf(request)}`,
        });
      } catch (err) {
        request.log.warn(
          { err, subscriptionId: sub.id },
          'dispatcher not reachable; the retry happens at its next poll',
        );
      }
      const [after] = await deliveryViews([(await findDelivery(orm.em.fork(), sub.id, current.id))!]);
      return reply.status(202).send(after!);
    },
  );
};
