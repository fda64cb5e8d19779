// Credit management: hold and release an account, credit applications (each starts a credit review workflow), the
// reviews with their scorecards and decisions, and the credit position of a customer (limit, exposure, available).
import { IsolationLevel } from '@mikro-orm/core';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { storedDecision } from '../../src/credit/store/decisions.js';
import { customerExposure } from '../../src/credit/store/exposure.js';
import { HoldRefused, placeHold, releaseHold, type HoldResult } from '../../src/credit/store/holds.js';
import { findReview, listReviews, type CreditApplication } from '../../src/credit/store/reviews.js';
import { openReview } from '../../src/credit/store/start-review.js';
import { startRecorded } from '../../src/temporal/start-after-commit.js';
import { findCustomer } from '../../src/customers/store/customers.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { accountProfileChangedSignal } from '../../workflows/customers/messages.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { problems } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  CreditApplicationBody,
  CreditPositionSchema,
  CreditReviewSchema,
  HoldBody,
  HoldResultSchema,
} from './schemas.js';

const tags = ['credit'];

export const creditRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;
  const policy = config.policy.credit;

  /** After the commit: the account workflow takes the hold change; the record is already right if this fails. */
  async function notifyAccount(
    customerId: string,
    result: HoldResult,
    by: string,
    log: FastifyBaseLogger,
  ): Promise<void> {
    if (!result.changed) return;
    try {
      await temporal.workflow
        .getHandle(workflowIds.customerAccount(customerId))
        .signal(accountProfileChangedSignal, { changes: result.changes, by, version: result.version });
    } catch (err) {
      log.warn({ err, customerId }, 'account workflow did not take the hold change; its next refresh reads it');
    }
  }

  function refusal(error: unknown, customerId: string): never {
    if (error instanceof HoldRefused) {
      if (error.code === 'not_found') throw problems.notFound('Customer', customerId);
      throw problems.conflict(error.message);
    }
    throw error;
  }

  for (const action of ['hold', 'release'] as const) {
    app.post(
      `/customers/:id/${action}`,
      {
        config: { idempotency: true },
        schema: {
          tags,
          summary:
            action === 'hold'
              ? 'Put the account on credit hold (new invoices are held for a credit override)'
              : 'Release the credit hold of the account',
          params: UuidParams,
          headers: IdempotencyHeaders,
          body: HoldBody,
          response: { 200: HoldResultSchema, ...problemResponses(400, 404, 409) },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        const input = {
          customerId: request.params.id,
          reason: request.body.reason.trim(),
          by: actor,
          requestId: request.id,
        };
        if (!input.reason) throw problems.validation([{ pointer: '/reason', in: 'body', detail: 'must not be blank' }]);
        const result = await orm.em
          .fork()
          .transactional((tx) =>
            action === 'hold' ? placeHold(tx, { ...input, source: 'staff' }) : releaseHold(tx, input),
          )
          .catch((error: unknown) => refusal(error, request.params.id));
        await notifyAccount(request.params.id, result, actor, request.log);
        return {
          customerId: request.params.id,
          changed: result.changed,
          status: result.status,
          hold: result.hold,
          version: result.version,
        };
      },
    );
  }

  app.post(
    '/customers/:id/credit-applications',
    {
      config: { idempotency: true },
      schema: {
        tags,
        summary: 'Apply for credit: stores the figures and starts the credit review credit-review-<customerId>-<n>',
        description:
          "Amounts in minor units of `currency` (the customer currency). The review scores the 5 C's, routes the recommended limit through the authority matrix and records the decision on the customer.",
        params: UuidParams,
        headers: IdempotencyHeaders,
        body: CreditApplicationBody,
        response: { 202: CreditReviewSchema, ...problemResponses(400, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const review = await orm.em.fork().transactional(async (tx) => {
        const customer = await findCustomer(tx, request.params.id);
        if (!customer) throw problems.notFound('Customer', request.params.id);
        if (customer.status === 'closed')
          throw problems.conflict(`Customer ${customer.id} is closed; it cannot apply for credit.`);
        const errors = [];
        if (body.currency !== customer.currency)
          errors.push({
            pointer: '/currency',
            in: 'body' as const,
            detail: `must be the customer currency ${customer.currency}`,
          });
        if (body.collateral && body.collateral.value > 0 && !body.collateral.description.trim())
          errors.push({
            pointer: '/collateral/description',
            in: 'body' as const,
            detail: 'must describe the collateral',
          });
        if (errors.length) throw problems.unprocessable(errors, 'The application does not fit the customer.');
        const application: CreditApplication = {
          requestedLimit: body.requestedLimit,
          currency: body.currency,
          financials: body.financials,
          tradeReferences: body.tradeReferences ?? [],
          ...(body.bureauScore !== undefined ? { bureauScore: body.bureauScore } : {}),
          ...(body.collateral ? { collateral: body.collateral } : {}),
          ...(body.industry ? { industry: body.industry } : {}),
        };
        const opened = await openReview(
          tx,
          { client: temporal, taskQueue: config.temporal.taskQueue, requestId: request.id },
          {
            customerId: customer.id,
            currency: customer.currency,
            trigger: 'application',
            reasons: ['application'],
            application,
            requestedBy: actorOf(request),
          },
          policy,
        );
        return opened;
      });
      await startRecorded(orm.em, temporal, [review.workflowId], request.log);
      const view = await findReview(orm.em.fork(), review.workflowId);
      return reply.status(202).header('location', `/credit-reviews/${review.workflowId}`).send(view!);
    },
  );

  app.get(
    '/customers/:id/credit-reviews',
    {
      schema: {
        tags,
        summary: 'Credit reviews of a customer, newest first, with scorecard, approver and decision',
        params: UuidParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: pageSchema(CreditReviewSchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      if (!(await findCustomer(em, request.params.id))) throw problems.notFound('Customer', request.params.id);
      const limit = request.query.limit ?? 50;
      const before = decodeCursor(request.query.cursor, 1)?.[0];
      const rows = await listReviews(em, request.params.id, limit + 1, typeof before === 'number' ? before : undefined);
      return toPage(
        rows,
        limit,
        (r) => [r.seq],
        (r) => r,
      );
    },
  );

  app.get(
    '/credit-reviews/:workflowId',
    {
      schema: {
        tags,
        summary: 'One credit review: inputs, every scorecard line with points and weight, approver and decision',
        params: Type.Object(
          { workflowId: Type.String({ pattern: '^credit-review-[0-9a-f-]{36}-[0-9]+$' }) },
          { additionalProperties: false },
        ),
        response: { 200: CreditReviewSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const review = await findReview(orm.em.fork(), request.params.workflowId);
      if (!review) throw problems.notFound('Credit review', request.params.workflowId);
      return review;
    },
  );

  app.get(
    '/customers/:id/credit',
    {
      schema: {
        tags,
        summary:
          'Credit position: limit, exposure (open AR + invoices awaiting release), available credit, risk class, reviews and decisions',
        params: UuidParams,
        response: { 200: CreditPositionSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      // One snapshot for every figure: a decision committing between two reads must not show a decision next to the
      // limit it replaced.
      const read = await orm.em.fork().transactional(
        async (tx) => {
          const customer = await findCustomer(tx, request.params.id);
          if (!customer) return undefined;
          const exposure = await customerExposure(tx, customer.id, customer.currency);
          const decision = await storedDecision(tx, customer.id);
          const decided = await listReviews(tx, customer.id, 20, undefined, { decidedOnly: true });
          const [running] = await listReviews(tx, customer.id, 1);
          return { customer, exposure, decision, decided, running };
        },
        { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
      );
      if (!read) throw problems.notFound('Customer', request.params.id);
      const { customer, exposure, decision, decided, running } = read;
      const m = (amount: number) => ({ amount, currency: customer.currency });
      const limit = customer.creditLimit?.amount ?? null;
      return {
        customerId: customer.id,
        currency: customer.currency,
        limit: limit === null ? null : m(limit),
        exposure: {
          openReceivables: m(exposure.openReceivables),
          awaitingRelease: m(exposure.awaitingRelease),
          total: m(exposure.total),
          heldInvoices: exposure.heldInvoices,
        },
        available: limit === null ? null : m(Math.max(0, limit - exposure.total)),
        overLimit: limit !== null && exposure.total > limit,
        hold: customer.hold,
        riskClass: decision?.riskClass ?? customer.riskSegment,
        lastReview: decision
          ? {
              reviewId: decision.reviewId,
              decidedAt: decision.decidedAt,
              outcome: decision.outcome,
              approver: decision.approver,
              decidedBy: decision.decidedBy,
            }
          : null,
        nextReviewDate: decision?.nextReviewDate ?? null,
        runningReview:
          running && running.status !== 'decided' && running.status !== 'failed' ? running.workflowId : null,
        decisions: decided.map((r) => ({
          reviewId: r.workflowId,
          trigger: r.trigger,
          reasons: r.reasons,
          outcome: r.outcome!,
          riskClass: r.riskClass,
          recommendedLimit: r.recommendedLimit === null ? null : m(r.recommendedLimit),
          approvedLimit: r.approvedLimit === null ? null : m(r.approvedLimit),
          previousLimit: r.previousLimit === null ? null : m(r.previousLimit),
          approver: r.approver,
          decidedBy: r.decidedBy,
          comment: r.decisionComment,
          decidedAt: r.decidedAt,
          nextReviewDate: r.nextReviewDate,
          policyVersion: r.policyVersion,
        })),
      };
    },
  );
};
