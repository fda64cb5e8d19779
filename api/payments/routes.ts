// Payments: record a receipt (its cash application runs in the `payment-<id>` workflow), read it with the allocations
// and the rule behind each one, list payments, and apply remaining credit or unapplied cash later.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { isCurrencyCode } from '../../src/shared/iso.js';
import { allocateRemaining, AllocationRefusedError } from '../../src/payments/store/allocate.js';
import { dateOf, PaymentNotFoundError } from '../../src/payments/store/apply.js';
import { customersOfInvoices, notifyCollectionOfBalanceChange } from '../../src/collections/store/notify.js';
import { signalIfRunning } from '../../src/payments/notify.js';
import { insertPayment } from '../../src/payments/store/receive.js';
import { invoicesNamedBy, remittanceOutcomes, type RemittanceOutcome } from '../../src/payments/store/remittance.js';
import { workflowStarts } from '../../src/temporal/starters.js';
import { recordWorkflowStart, startRecorded } from '../../src/temporal/start-after-commit.js';
import { noteEffectLocation } from '../../src/db/committed-effects.js';
import {
  allocationsOf,
  findPayment,
  toPaymentRecord,
  type AllocationRecord,
  type PaymentRecord,
} from '../../src/payments/store/payments.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { invoiceBalanceChangedSignal } from '../../workflows/invoices/messages.js';
import { paymentAllocatedSignal } from '../../workflows/payments/messages.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, toPage, pageSchema } from '../http/pagination.js';
import { ProblemError, problems, type FieldError } from '../http/problem.js';
import { retryWhileUnavailable } from '../http/unavailable.js';
import { effectSeeOther, problemResponses, UuidParams } from '../http/common-schemas.js';
import { AllocateBody, CreatePaymentBody, PaymentListItemSchema, PaymentListQuery, PaymentSchema } from './schemas.js';

type PaymentView = Static<typeof PaymentSchema>;
/** Clock skew tolerated on `receivedAt` before it counts as in the future. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** How long a new payment's answer waits for its cash application to commit. */
const APPLICATION_WAIT_MS = 3_000;

export function paymentView(
  p: PaymentRecord,
  allocations: AllocationRecord[],
  outcomes: RemittanceOutcome[],
): PaymentView {
  const m = (amount: number) => ({ amount, currency: p.currency });
  return {
    id: p.id,
    customerId: p.customerId,
    amount: m(p.amount),
    method: p.method,
    receivedAt: p.receivedAt.toISOString(),
    reference: p.reference,
    remittance: p.remittance.map((l) => ({
      invoiceNumber: l.invoiceNumber,
      amount: { amount: l.amount, currency: l.currency ?? p.currency },
    })),
    status: p.status,
    applied: m(p.appliedAmount),
    unapplied: m(p.unappliedAmount),
    unappliedHeldAs:
      p.unappliedAmount === 0 || !p.appliedAt ? null : p.customerId ? 'customer_credit' : 'unapplied_cash',
    discount: m(p.discountAmount),
    source: p.source,
    bankStatementId: p.bankStatementId,
    counterparty: p.counterparty,
    appliedAt: p.appliedAt?.toISOString() ?? null,
    allocations: allocations.map((a) => ({
      id: a.id,
      seq: a.seq,
      invoiceId: a.invoiceId,
      invoiceNumber: a.invoiceNumber,
      amount: m(a.amount),
      discount: m(a.discountAmount),
      rule: a.rule,
      fundedFrom: a.fundedFrom,
      journalKey: a.idempotencyKey,
      createdBy: a.createdBy,
      createdAt: a.createdAt.toISOString(),
    })),
    remittanceOutcome: outcomes.map((o) => ({
      invoiceNumber: o.invoiceNumber,
      stated: o.stated,
      applied: m(o.applied),
      outcome: o.outcome,
      detail: o.detail,
    })),
    workflowId: workflowIds.payment(p.id),
    version: p.version,
    createdBy: p.createdBy,
    createdAt: p.createdAt.toISOString(),
  };
}

export const paymentRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;

  /**
   * Everything malformed about a new payment that the schema cannot see, with the pointer of each field. What the
   * remittance says is never a reason to refuse the receipt: the money arrived. Cash application applies what fits
   * (the same rule as for bank statement entries) and `remittanceOutcome` explains the rest.
   */
  async function paymentProblems(
    body: Static<typeof CreatePaymentBody>,
  ): Promise<{ status: number; errors: FieldError[] }> {
    const errors: FieldError[] = [];
    if (!isCurrencyCode(body.amount.currency))
      errors.push({ pointer: '/amount/currency', in: 'body', detail: `is not an ISO 4217 currency` });
    (body.remittance ?? []).forEach((line, n) => {
      if (!isCurrencyCode(line.amount.currency))
        errors.push({ pointer: `/remittance/${n}/amount/currency`, in: 'body', detail: 'is not an ISO 4217 currency' });
    });
    if (Date.parse(body.receivedAt) > Date.now() + FUTURE_TOLERANCE_MS)
      errors.push({ pointer: '/receivedAt', in: 'body', detail: 'is in the future' });
    if (errors.length) return { status: 422, errors };
    if (body.customerId) {
      const [customer] = await orm.em
        .fork()
        .execute<{ id: string }[]>('SELECT id FROM customer WHERE id = ?', [body.customerId]);
      if (!customer)
        return {
          status: 404,
          errors: [{ pointer: '/customerId', in: 'body', detail: `customer ${body.customerId} does not exist` }],
        };
    }
    return { status: 422, errors };
  }

  /** The payment with its allocations and what became of each remittance line. */
  async function fullView(em: EntityManager, payment: PaymentRecord): Promise<PaymentView> {
    const allocations = await allocationsOf(em, [payment.id]);
    return paymentView(
      payment,
      allocations,
      remittanceOutcomes(payment, allocations, await invoicesNamedBy(em, payment)),
    );
  }

  /**
   * Cash application starts with the payment and normally commits within a second; the answer waits that long so it
   * can say what was applied and what stays as credit or unapplied cash. A slower run answers `received` (pending).
   */
  async function awaitApplication(em: EntityManager, id: string): Promise<PaymentRecord> {
    const until = Date.now() + APPLICATION_WAIT_MS;
    for (;;) {
      const payment = (await findPayment(em.fork(), id))!;
      if (payment.appliedAt || Date.now() >= until) return payment;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  app.post(
    '/payments',
    {
      config: { idempotency: true },
      schema: {
        tags: ['payments'],
        summary: 'Record a received payment; cash application runs at once in its payment-<id> workflow',
        headers: IdempotencyHeaders,
        body: CreatePaymentBody,
        response: { 201: PaymentSchema, ...effectSeeOther, ...problemResponses(400, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const found = await paymentProblems(body);
      if (found.errors.length) {
        if (found.status === 404)
          throw new ProblemError(404, 'not-found', 'Not found', found.errors[0]!.detail, { errors: found.errors });
        throw problems.unprocessable(found.errors, 'The payment cannot be recorded as sent.');
      }
      const id = randomUUID();
      const receivedAt = new Date(body.receivedAt);
      const em = orm.em.fork();
      // The cash application's start is recorded with the payment and carried out after the commit.
      const startCtx = { client: temporal, taskQueue: config.temporal.taskQueue, requestId: request.id };
      const applicationStart = await em.transactional(async (tx) => {
        noteEffectLocation(`/payments/${id}`);
        await insertPayment(tx, {
          id,
          customerId: body.customerId ?? null,
          amount: body.amount.amount,
          currency: body.amount.currency,
          method: body.method as PaymentRecord['method'],
          receivedAt,
          reference: body.reference,
          remittance: (body.remittance ?? []).map((l) => ({
            invoiceNumber: l.invoiceNumber,
            amount: l.amount.amount,
            ...(l.amount.currency === body.amount.currency ? {} : { currency: l.amount.currency }),
          })),
          createdBy: actorOf(request),
        });
        return recordWorkflowStart(
          tx,
          workflowStarts.cashApplication(startCtx, {
            paymentId: id,
            customerId: body.customerId ?? null,
            receivedAt,
            policy: config.policy.cashApplication,
          }),
        );
      });
      await startRecorded(orm.em, temporal, [applicationStart], request.log);
      // The payment is committed: reading the answer back outlasts a database blip rather than answer 503 for it.
      const view = await retryWhileUnavailable(async () => fullView(em, await awaitApplication(em, id)));
      return reply.status(201).header('location', `/payments/${id}`).send(view);
    },
  );

  app.get(
    '/payments/:id',
    {
      schema: {
        tags: ['payments'],
        summary: 'A payment with its allocations and the rule that chose each one',
        params: UuidParams,
        response: { 200: PaymentSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const payment = await findPayment(em, request.params.id);
      if (!payment) throw problems.notFound('Payment', request.params.id);
      return fullView(em, payment);
    },
  );

  app.get(
    '/payments',
    {
      schema: {
        tags: ['payments'],
        summary: 'Payments, newest first, optionally by customer or status (cursor-paginated)',
        querystring: PaymentListQuery,
        response: { 200: pageSchema(PaymentListItemSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { customerId, status, limit = 50, cursor } = request.query;
      const after = decodeCursor(cursor, 2) as [string, string] | undefined;
      const where: string[] = [];
      const params: unknown[] = [];
      const filter = (clause: string, ...values: unknown[]) => {
        where.push(clause);
        params.push(...values);
      };
      if (customerId) filter('customer_id = ?', customerId);
      if (status) filter('status = ?', status);
      if (after) filter('(created_at, id) < (?::timestamptz, ?::uuid)', after[0], after[1]);
      const rows = await orm.em
        .fork()
        .execute<
          Record<string, unknown>[]
        >(`SELECT * FROM payment ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`, [...params, limit + 1]);
      const records = rows.map(toPaymentRecord);
      return toPage(
        records,
        limit,
        (p) => [p.createdAt.toISOString(), p.id],
        (p) => {
          const { allocations: _a, remittance: _r, remittanceOutcome: _o, ...item } = paymentView(p, [], []);
          return item;
        },
      );
    },
  );

  app.post(
    '/payments/:id/allocations',
    {
      config: { idempotency: true },
      schema: {
        tags: ['payments'],
        summary: 'Apply the unapplied part of a payment (customer credit or unapplied cash) to open invoices',
        params: UuidParams,
        headers: IdempotencyHeaders,
        body: AllocateBody,
        response: { 201: PaymentSchema, ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { allocations } = request.body;
      const em = orm.em.fork();
      const payment = await findPayment(em, request.params.id);
      if (!payment) throw problems.notFound('Payment', request.params.id);
      const wrongCurrency = allocations.flatMap((a, n) =>
        a.amount.currency === payment.currency
          ? []
          : [
              {
                pointer: `/allocations/${n}/amount/currency`,
                in: 'body' as const,
                detail: `must be the payment currency ${payment.currency}`,
              },
            ],
      );
      if (wrongCurrency.length)
        throw problems.unprocessable(wrongCurrency, 'Allocations must be in the payment currency.');
      const actor = actorOf(request);
      let outcome;
      try {
        outcome = await allocateRemaining(em, {
          paymentId: payment.id,
          lines: allocations.map((a) => ({ invoiceId: a.invoiceId, amount: a.amount.amount })),
          actor,
          effectiveDate: dateOf(new Date()),
        });
      } catch (error) {
        if (error instanceof PaymentNotFoundError) throw problems.notFound('Payment', request.params.id);
        if (!(error instanceof AllocationRefusedError)) throw error;
        const errors = [{ pointer: error.pointer, in: 'body' as const, detail: error.message }];
        if (error.status === 404) throw new ProblemError(404, 'not-found', 'Not found', error.message, { errors });
        if (error.status === 409) throw problems.conflict(error.message, { errors });
        throw problems.unprocessable(errors, error.message);
      }
      // After the commit: the payment workflow stops waiting to raise (or closes) its research task; invoices mirror.
      // A failed signal must not turn a committed allocation into an error the client would retry: the workflows
      // re-read the database (research re-check, invoice settlement check), so it is logged and the answer stays 201.
      const log = { warn: (message: string, meta?: Record<string, unknown>) => request.log.warn(meta ?? {}, message) };
      const notices: [string, Promise<boolean>][] = [
        [
          workflowIds.payment(payment.id),
          signalIfRunning(
            temporal,
            workflowIds.payment(payment.id),
            paymentAllocatedSignal,
            [{ unappliedAmount: outcome.payment.unappliedAmount, by: actor }],
            log,
          ),
        ],
        ...outcome.signals.map(({ invoiceId, signal }): [string, Promise<boolean>] => [
          workflowIds.invoice(invoiceId),
          signalIfRunning(temporal, workflowIds.invoice(invoiceId), invoiceBalanceChangedSignal, [signal], log),
        ]),
      ];
      for (const [workflowId, notice] of notices)
        await notice.catch((err: unknown) =>
          request.log.error({ err, workflowId }, 'signal after a committed allocation failed'),
        );
      // Collections re-evaluate once per customer, not once per invoice.
      await notifyCollectionOfBalanceChange(
        temporal,
        await customersOfInvoices(
          em,
          outcome.signals.map((s) => s.invoiceId),
        ),
        { reason: 'payment', source: `payment:${payment.id}` },
        log,
      );
      return reply.status(201).send(await fullView(em, outcome.payment));
    },
  );
};
