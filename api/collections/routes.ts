// Collections: the collector worklist, a customer's collection (live workflow state + stored contacts, promises and
// fees), contacts recorded by collectors, promises to pay (an update on the collection workflow, validated there),
// explicit policy migration of a running collection, and recoveries of written-off debt.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caseOf, worklist } from '../../src/collections/store/cases.js';
import { contactsOf, recordContact, type ContactRecord } from '../../src/collections/store/contacts.js';
import { lateFeesOf } from '../../src/collections/store/late-fees.js';
import { latestPolicy, policyVersions } from '../../src/collections/store/policies.js';
import { promisesOf, type PromiseRecord } from '../../src/collections/store/promises.js';
import { recordRecovery, RecoveryRefusedError } from '../../src/collections/store/write-off.js';
import { workflowIds } from '../../src/temporal/ids.js';
import {
  collectionStateQuery,
  migratePolicyUpdate,
  type CollectionView,
} from '../../workflows/collections/messages.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, encodeCursor, pageSchema } from '../http/pagination.js';
import { ProblemError, problems, type FieldError } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  CollectionSchema,
  ContactBody,
  ContactSchema,
  CustomerIdParams,
  MigrateBody,
  MigrateResultSchema,
  PromiseBody,
  PromiseSchema,
  RecoveryBody,
  RecoverySchema,
  WorklistItemSchema,
  WorklistQuery,
} from './schemas.js';
import { recordPromise } from '../../src/collections/record-promise.js';
import { isUpdateFailed, isWorkflowNotRunning } from '../../src/temporal/errors.js';

const contactView = (c: ContactRecord) => ({
  id: c.id,
  at: c.at.toISOString(),
  channel: c.channel,
  template: c.template,
  level: c.level,
  outcome: c.outcome,
  note: c.note,
  by: c.by,
  invoiceIds: c.invoiceIds,
  taskId: c.taskId,
});

const promiseView = (p: PromiseRecord) => ({
  id: p.id,
  customerId: p.customerId,
  amount: { amount: p.amount, currency: p.currency },
  promisedDate: p.promisedDate,
  invoiceIds: p.invoiceIds,
  status: p.status,
  deadlineAt: p.deadlineAt.toISOString(),
  createdBy: p.createdBy,
  createdAt: p.createdAt.toISOString(),
  resolvedAt: p.resolvedAt?.toISOString() ?? null,
});

interface FailureLike {
  name?: string;
  message?: string;
  type?: string;
  details?: unknown[];
  cause?: FailureLike;
  code?: number;
}

const endOfToday = () => new Date(`${new Date().toISOString().slice(0, 10)}T23:59:59.999Z`);

export const collectionRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal } = deps;

  async function requireCustomer(customerId: string, pointer?: string): Promise<{ currency: string }> {
    const [row] = await orm.em
      .fork()
      .execute<{ currency: string }[]>('SELECT currency FROM customer WHERE id = ?', [customerId]);
    if (!row) {
      if (pointer)
        throw new ProblemError(404, 'not-found', 'Not found', `Customer ${customerId} does not exist.`, {
          errors: [{ pointer, in: 'params', detail: 'no such customer' }],
        });
      throw problems.notFound('Customer', customerId);
    }
    return row;
  }

  async function liveState(customerId: string): Promise<CollectionView | null> {
    try {
      return await temporal.workflow.getHandle(workflowIds.collection(customerId)).query(collectionStateQuery);
    } catch (error) {
      if (isWorkflowNotRunning(error)) return null;
      const e = error as FailureLike;
      // A completed workflow still answers queries on most servers; anything else is not the client's fault.
      if (/not running|completed|closed/i.test(e?.message ?? '')) return null;
      throw error;
    }
  }

  app.get(
    '/collections/worklist',
    {
      schema: {
        tags: ['collections'],
        summary:
          'Accounts needing collection action by the end of today, highest priority first (score from risk, amount, age, broken promises, payment history)',
        querystring: WorklistQuery,
        response: { 200: pageSchema(WorklistItemSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 2);
      const now = new Date();
      const rows = await worklist(orm.em.fork(), {
        now,
        until: request.query.until ? new Date(request.query.until) : endOfToday(),
        level: request.query.level,
        limit: 10_000,
      });
      // Keyset over (score desc, customer id asc), the order the worklist is sorted in.
      const start = after
        ? rows.findIndex(
            (r) =>
              r.priority.score < Number(after[0]) ||
              (r.priority.score === Number(after[0]) && r.case.customerId > String(after[1])),
          )
        : 0;
      const page = start < 0 ? [] : rows.slice(start, start + limit + 1);
      const items = page.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map((r) => ({
          customerId: r.case.customerId,
          customerName: r.customerName,
          riskSegment: r.riskSegment,
          level: r.case.levelName,
          overdue: { amount: r.case.overdueAmount, currency: r.case.currency },
          daysPastDue: r.daysPastDue,
          brokenPromises: r.brokenPromises,
          latePaymentShare: Math.round(r.latePaymentShare * 1000) / 1000,
          nextAction: r.case.nextAction,
          nextActionAt: r.case.nextActionAt?.toISOString() ?? null,
          pausedUntil: r.case.pausedUntil?.toISOString() ?? null,
          priority: r.priority,
          policy: { code: r.case.policyCode, version: r.case.policyVersion },
        })),
        nextCursor: page.length > limit && last ? encodeCursor([last.priority.score, last.case.customerId]) : null,
      };
    },
  );

  app.get(
    '/collections/:customerId',
    {
      schema: {
        tags: ['collections'],
        summary: "A customer's collection: live workflow state, contacts, promises and late fees",
        params: CustomerIdParams,
        response: { 200: CollectionSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await requireCustomer(customerId);
      const em = orm.em.fork();
      const [state, stored, contacts, promises, fees] = await Promise.all([
        liveState(customerId),
        caseOf(em, customerId),
        contactsOf(orm.em.fork(), customerId),
        promisesOf(orm.em.fork(), customerId),
        lateFeesOf(orm.em.fork(), customerId),
      ]);
      return {
        customerId,
        running: state !== null && state.phase !== 'closed',
        state,
        case: stored
          ? {
              status: stored.status,
              policy: { code: stored.policyCode, version: stored.policyVersion },
              level: stored.levelName,
              overdue: { amount: stored.overdueAmount, currency: stored.currency },
              nextAction: stored.nextAction,
              nextActionAt: stored.nextActionAt?.toISOString() ?? null,
              contacts: stored.contacts,
              updatedAt: stored.updatedAt.toISOString(),
            }
          : null,
        contacts: contacts.map(contactView),
        promises: promises.map(promiseView),
        fees: fees.map((f) => ({
          invoiceId: f.invoiceId,
          level: f.level,
          amount: { amount: f.amount, currency: f.currency },
          fixed: f.fixed,
          interest: f.interest,
          principal: f.principal,
          days: f.days,
          annualRateBp: f.annualRateBp,
          basis: f.basis,
          policy: `${f.policyCode}@${f.policyVersion}`,
          chargedAt: f.chargedAt.toISOString(),
        })),
      };
    },
  );

  app.post(
    '/collections/:customerId/contacts',
    {
      config: { idempotency: true },
      schema: {
        tags: ['collections'],
        summary: 'Record a call, letter or visit with its outcome',
        headers: IdempotencyHeaders,
        params: CustomerIdParams,
        body: ContactBody,
        response: { 201: ContactSchema, ...problemResponses(400, 404, 422) },
      },
    },
    async (request, reply) => {
      const { customerId } = request.params;
      await requireCustomer(customerId);
      const body = request.body;
      const at = body.at ? new Date(body.at) : new Date();
      const errors: FieldError[] = [];
      if (at.getTime() > Date.now() + 5 * 60_000)
        errors.push({ pointer: '/at', in: 'body', detail: 'is in the future' });
      if (body.invoiceIds?.length) {
        const found = await orm.em
          .fork()
          .execute<
            { id: string }[]
          >('SELECT id FROM invoice WHERE customer_id = ? AND id = ANY (?::uuid[])', [customerId, `{${body.invoiceIds.join(',')}}`]);
        body.invoiceIds.forEach((id, i) => {
          if (!found.some((f) => f.id === id))
            errors.push({ pointer: `/invoiceIds/${i}`, in: 'body', detail: 'is not an invoice of this customer' });
        });
      }
      if (errors.length) throw problems.unprocessable(errors, 'The contact cannot be recorded as sent.');
      const state = await liveState(customerId).catch(() => null);
      const contact = await recordContact(orm.em.fork(), {
        customerId,
        at,
        channel: body.channel,
        level: state?.levelName ?? null,
        outcome: body.outcome,
        note: body.note ?? null,
        by: actorOf(request),
        invoiceIds: body.invoiceIds ?? [],
      });
      return reply.status(201).send(contactView(contact));
    },
  );

  app.post(
    '/customers/:id/promises',
    {
      config: { idempotency: true },
      schema: {
        tags: ['collections'],
        summary:
          'Record a promise to pay: pauses escalation until the date (+ grace); validated by the running collection',
        headers: IdempotencyHeaders,
        params: UuidParams,
        body: PromiseBody,
        response: { 201: PromiseSchema, ...problemResponses(400, 404, 422, 503) },
      },
    },
    async (request, reply) => {
      const customerId = request.params.id;
      const customer = await requireCustomer(customerId);
      const body = request.body;
      if (body.amount.currency !== customer.currency) {
        throw problems.unprocessable(
          [{ pointer: '/amount/currency', in: 'body', detail: `must be the customer's currency ${customer.currency}` }],
          'The promise cannot be recorded.',
        );
      }
      const outcome = await recordPromise(
        { temporal, em: orm.em.fork() },
        { customerId, amount: body.amount.amount, date: body.date, invoiceIds: body.invoiceIds, by: actorOf(request) },
      );
      if (outcome.kind === 'not_in_collection')
        throw problems.unprocessable(
          [{ pointer: '/amount', in: 'body', detail: 'nothing of this customer is in collection (nothing overdue)' }],
          'The promise cannot be recorded.',
        );
      if (outcome.kind === 'refused') {
        // The workflow speaks of the amount in minor units; the request carries it under /amount/amount.
        const errors = outcome.problems.map((p) => ({
          pointer: p.pointer === '/amount' ? '/amount/amount' : p.pointer,
          in: 'body' as const,
          detail: p.detail,
        }));
        throw problems.unprocessable(errors, 'The promise cannot be recorded.');
      }
      if (outcome.kind === 'unreadable')
        throw problems.unavailable(
          'The promise was accepted but is not readable yet; read GET /customers/:id/promises.',
        );
      return reply
        .status(201)
        .header('location', `/customers/${customerId}/promises`)
        .send(promiseView(outcome.promise));
    },
  );

  app.get(
    '/customers/:id/promises',
    {
      schema: {
        tags: ['collections'],
        summary: "The customer's promises to pay, newest first",
        params: UuidParams,
        response: { 200: Type.Object({ items: Type.Array(PromiseSchema) }), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      await requireCustomer(request.params.id);
      return { items: (await promisesOf(orm.em.fork(), request.params.id)).map(promiseView) };
    },
  );

  app.post(
    '/collections/:customerId/migrate-policy',
    {
      config: { idempotency: true },
      schema: {
        tags: ['collections'],
        summary:
          'Move a running collection to another policy version (new versions never reach running collections by themselves)',
        headers: IdempotencyHeaders,
        params: CustomerIdParams,
        body: MigrateBody,
        response: { 200: MigrateResultSchema, ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await requireCustomer(customerId);
      const state = await liveState(customerId);
      if (!state || state.phase === 'closed') throw problems.notFound('Running collection of customer', customerId);
      const code = request.body.policyCode ?? state.policy.code;
      const em = orm.em.fork();
      const policy = request.body.version
        ? (await policyVersions(em, code)).find((v) => v.policy.version === request.body.version)?.policy
        : await latestPolicy(em, code);
      if (!policy) {
        const pointer = request.body.version && (await latestPolicy(em, code)) ? '/version' : '/policyCode';
        throw problems.unprocessable(
          [
            {
              pointer,
              in: 'body',
              detail: `no dunning policy ${code}${request.body.version ? ` version ${request.body.version}` : ''}`,
            },
          ],
          'Unknown policy.',
        );
      }
      try {
        return await temporal.workflow
          .getHandle(workflowIds.collection(customerId))
          .executeUpdate(migratePolicyUpdate, { args: [{ policy, by: actorOf(request) }] });
      } catch (error) {
        if (isWorkflowNotRunning(error)) throw problems.notFound('Running collection of customer', customerId);
        const failure = error as FailureLike;
        if (isUpdateFailed(failure))
          throw problems.conflict(failure.cause?.message ?? 'The collection refused the migration.');
        throw error;
      }
    },
  );

  app.post(
    '/collections/:customerId/recoveries',
    {
      config: { idempotency: true },
      schema: {
        tags: ['collections'],
        summary: 'Book money received for a written-off invoice (Dr cash / Cr bad-debt recovery)',
        headers: IdempotencyHeaders,
        params: CustomerIdParams,
        body: RecoveryBody,
        response: { 201: RecoverySchema, ...problemResponses(400, 404, 422) },
      },
    },
    async (request, reply) => {
      const { customerId } = request.params;
      await requireCustomer(customerId);
      const body = request.body;
      if (body.amount.amount <= 0)
        throw problems.unprocessable(
          [{ pointer: '/amount/amount', in: 'body', detail: 'must be positive' }],
          'The recovery cannot be booked.',
        );
      if (body.receivedOn > new Date().toISOString().slice(0, 10))
        throw problems.unprocessable(
          [{ pointer: '/receivedOn', in: 'body', detail: 'is in the future' }],
          'The recovery cannot be booked.',
        );
      const key = request.headers['idempotency-key'];
      try {
        const r = await recordRecovery(orm.em.fork(), {
          customerId,
          invoiceId: body.invoiceId,
          amount: body.amount.amount,
          currency: body.amount.currency,
          receivedOn: body.receivedOn,
          reference: body.reference ?? null,
          by: actorOf(request),
          idempotencyKey: `recovery:${typeof key === 'string' ? key : randomUUID()}`,
        });
        const m = (amount: number) => ({ amount, currency: r.currency });
        return reply.status(201).send({
          id: r.id,
          invoiceId: r.invoiceId,
          amount: m(r.amount),
          recovered: m(r.recoveredTotal),
          writtenOff: m(r.writtenOff),
          entryId: r.entryId,
        });
      } catch (error) {
        if (!(error instanceof RecoveryRefusedError)) throw error;
        const errors = [{ pointer: error.pointer, in: 'body' as const, detail: error.message }];
        if (error.status === 404) throw new ProblemError(404, 'not-found', 'Not found', error.message, { errors });
        throw problems.unprocessable(errors, 'The recovery cannot be booked.');
      }
    },
  );
};
