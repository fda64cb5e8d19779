// Disputes: open one on an invoice (the shared openDispute, as the portal does), read and list them, record the
// customer's answer to a request for information, withdraw. Decisions are task completions (POST /tasks/:id/complete),
// which the dispute workflow validates.
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { DisputeRequestError, openDispute } from '../../src/disputes/store/open.js';
import {
  disputeEffects,
  disputeInstalments,
  findDispute,
  listDisputes,
  type DisputeRecord,
} from '../../src/disputes/store/disputes.js';
import { workflowIds } from '../../src/temporal/ids.js';
import {
  customerReplyUpdate,
  DisputeFailureType,
  disputeStateQuery,
  withdrawDisputeUpdate,
  type DisputeWorkflowState,
} from '../../workflows/disputes/messages.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { problems, ProblemError } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  CustomerReplyBody,
  DisputeDetailSchema,
  DisputeSchema,
  ListDisputesQuery,
  OpenDisputeBody,
  UpdateAcceptedSchema,
  WithdrawBody,
} from './schemas.js';
import { isUpdateFailed, isWorkflowNotFound } from '../../src/temporal/errors.js';

export function disputeView(d: DisputeRecord): Static<typeof DisputeSchema> {
  return {
    id: d.id,
    invoiceId: d.invoiceId,
    invoiceNumber: d.invoiceNumber,
    customerId: d.customerId,
    category: d.category,
    status: d.status,
    amount: { amount: d.amount, currency: d.currency },
    reason: d.reason,
    lines: d.lines,
    attachments: d.attachments,
    correspondence: d.correspondence.map(({ at, from, kind, text, by }) => ({
      at,
      from,
      kind,
      text,
      ...(by ? { by } : {}),
    })),
    queue: d.queue,
    outcome: d.outcome,
    rootCause: d.rootCause,
    policyVersion: d.policyVersion,
    openedAt: d.openedAt,
    openedBy: d.openedBy,
    channel: d.channel,
    acknowledgedAt: d.acknowledgedAt,
    acknowledgedBy: d.acknowledgedBy,
    slaDueAt: d.slaDueAt,
    escalatedAt: d.escalatedAt,
    resolvedAt: d.resolvedAt,
    version: d.version,
  };
}

/** Problem+json for a refusal of openDispute; anything else is rethrown. */
export function disputeRequestProblem(error: unknown): never {
  if (error instanceof DisputeRequestError) {
    const slug = { 404: 'not-found', 409: 'conflict', 422: 'unprocessable' }[error.status];
    const title = { 404: 'Not found', 409: 'Conflict', 422: 'Unprocessable request' }[error.status];
    throw new ProblemError(error.status, slug, title, error.message, {
      errors: error.errors.map((e) => ({
        ...e,
        in: e.pointer === '/invoiceId' ? ('params' as const) : ('body' as const),
      })),
    });
  }
  throw error;
}

interface FailureLike {
  name?: string;
  type?: string;
  message?: string;
  cause?: FailureLike;
}

/** An update the dispute workflow refused (or a workflow that no longer runs) as problem+json. */
function updateProblem(error: unknown, disputeId: string): ProblemError {
  const failure = error as FailureLike;
  if (isWorkflowNotFound(failure)) return problems.conflict(`Dispute ${disputeId} has ended.`);
  if (isUpdateFailed(failure)) {
    const type = failure.cause?.type;
    if (type === DisputeFailureType.notAwaitingInfo)
      return problems.conflict('The dispute is not waiting for an answer from the customer.');
    if (type === DisputeFailureType.closed) return problems.conflict('The dispute is being resolved or has ended.');
    return problems.unprocessable(
      [{ pointer: '/text', in: 'body', detail: failure.cause?.message ?? 'refused' }],
      'The dispute refused the request.',
    );
  }
  throw error;
}

export const disputeRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;

  async function liveState(disputeId: string, log: FastifyBaseLogger): Promise<DisputeWorkflowState | null> {
    try {
      return await temporal.workflow.getHandle(workflowIds.dispute(disputeId)).query(disputeStateQuery);
    } catch (err) {
      log.debug({ err, disputeId }, 'dispute workflow did not answer the state query');
      return null;
    }
  }

  app.post(
    '/invoices/:id/disputes',
    {
      config: { idempotency: true },
      schema: {
        tags: ['disputes'],
        summary:
          'Open a dispute on an invoice (or some of its lines): the invoice leaves dunning and the dispute workflow starts',
        headers: IdempotencyHeaders,
        params: UuidParams,
        body: OpenDisputeBody,
        response: { 201: DisputeSchema, ...problemResponses(400, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const dispute = await openDispute(
        {
          em: orm.em.fork(),
          temporal: { client: temporal, taskQueue: config.temporal.taskQueue, requestId: request.id },
          policy: config.policy.dispute,
          invoicePolicy: config.policy.invoice,
        },
        {
          invoiceId: request.params.id,
          category: body.category,
          amount: body.amount,
          lines: body.lines,
          reason: body.reason,
          attachments: body.attachments,
          openedBy: actorOf(request),
          channel: 'staff',
        },
      ).catch(disputeRequestProblem);
      return reply.status(201).header('location', `/disputes/${dispute.id}`).send(disputeView(dispute));
    },
  );

  app.get(
    '/disputes',
    {
      schema: {
        tags: ['disputes'],
        summary: 'Disputes by status, category, queue, customer and invoice, newest first (cursor pagination)',
        querystring: Type.Object({ ...ListDisputesQuery.properties, ...PageQuery }, { additionalProperties: false }),
        response: { 200: pageSchema(DisputeSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { cursor, limit: requested, ...filter } = request.query;
      const limit = requested ?? 50;
      const after = decodeCursor(cursor, 2) as [string, string] | undefined;
      const rows = await listDisputes(orm.em.fork(), filter, { limit: limit + 1, after });
      return toPage(rows, limit, (r) => [r.cursorAt, r.id], disputeView);
    },
  );

  app.get(
    '/invoices/:id/disputes',
    {
      schema: {
        tags: ['disputes'],
        summary: 'The disputes of one invoice, newest first',
        params: UuidParams,
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: pageSchema(DisputeSchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const [invoice] = await em.execute<{ id: string }[]>('SELECT id FROM invoice WHERE id = ?', [request.params.id]);
      if (!invoice) throw problems.notFound('Invoice', request.params.id);
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 2) as [string, string] | undefined;
      const rows = await listDisputes(em, { invoiceId: request.params.id }, { limit: limit + 1, after });
      return toPage(rows, limit, (r) => [r.cursorAt, r.id], disputeView);
    },
  );

  app.get(
    '/disputes/:id',
    {
      schema: {
        tags: ['disputes'],
        summary: 'A dispute with its correspondence, outcome, instalments, ledger effects and the live workflow state',
        params: UuidParams,
        response: { 200: DisputeDetailSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const dispute = await findDispute(em, request.params.id);
      if (!dispute) throw problems.notFound('Dispute', request.params.id);
      const [instalments, effects, workflow] = await Promise.all([
        disputeInstalments(em, dispute.id),
        disputeEffects(em.fork(), dispute.id),
        liveState(dispute.id, request.log),
      ]);
      return reply.header('etag', `"${dispute.id}.${dispute.version}"`).send({
        ...disputeView(dispute),
        instalments: instalments.map((i) => ({
          seq: i.seq,
          dueDate: i.dueDate,
          amount: { amount: i.amount, currency: i.currency },
          status: i.status,
          checkedAt: i.checkedAt,
        })),
        effects: effects.map((e) => ({
          kind: e.kind,
          creditNoteId: e.creditNoteId,
          invoiceId: e.invoiceId,
          amount: { amount: e.amount, currency: dispute.currency },
        })),
        workflow: workflow as unknown as Record<string, unknown> | null,
      });
    },
  );

  /** Sends an update to the dispute's workflow, then answers with the dispute as stored once the workflow recorded it. */
  async function command(disputeId: string, send: () => Promise<unknown>, recorded: (d: DisputeRecord) => boolean) {
    const em = orm.em.fork();
    const before = await findDispute(em, disputeId);
    if (!before) throw problems.notFound('Dispute', disputeId);
    if (before.status === 'resolved' || before.status === 'withdrawn')
      throw problems.conflict(`Dispute ${disputeId} is ${before.status}.`);
    await send().catch((error: unknown) => {
      throw updateProblem(error, disputeId);
    });
    // The workflow applies the command through an activity right after accepting it; show the result when it lands.
    const deadline = Date.now() + 5_000;
    let current = before;
    while (Date.now() < deadline) {
      current = (await findDispute(orm.em.fork(), disputeId)) ?? current;
      if (recorded(current)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { accepted: true as const, dispute: disputeView(current) };
  }

  app.post(
    '/disputes/:id/customer-reply',
    {
      config: { idempotency: true },
      schema: {
        tags: ['disputes'],
        summary:
          "The customer's answer to a request for information: the resolution clock resumes with the business days left",
        headers: IdempotencyHeaders,
        params: UuidParams,
        body: CustomerReplyBody,
        response: { 202: UpdateAcceptedSchema, ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const by = actorOf(request);
      const result = await command(
        id,
        () =>
          temporal.workflow
            .getHandle(workflowIds.dispute(id))
            .executeUpdate(customerReplyUpdate, { args: [{ text: request.body.text.trim(), by }] }),
        (d) => d.status === 'open',
      );
      return reply.status(202).send(result);
    },
  );

  app.post(
    '/disputes/:id/withdraw',
    {
      config: { idempotency: true },
      schema: {
        tags: ['disputes'],
        summary: 'Withdraw a dispute: nothing is posted and the invoice returns to dunning',
        headers: IdempotencyHeaders,
        params: UuidParams,
        body: WithdrawBody,
        response: { 202: UpdateAcceptedSchema, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const by = actorOf(request);
      const result = await command(
        id,
        () =>
          temporal.workflow
            .getHandle(workflowIds.dispute(id))
            .executeUpdate(withdrawDisputeUpdate, { args: [{ by, reason: request.body.reason.trim() }] }),
        (d) => d.status === 'withdrawn',
      );
      return reply.status(202).send(result);
    },
  );
};
