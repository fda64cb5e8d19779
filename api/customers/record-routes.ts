// Keeping the customer book clean and traceable: the audit trail, terms history, the duplicate scan, and merge.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { scanDuplicates } from '../../src/customers/store/duplicates.js';
import { listHistory } from '../../src/customers/store/history.js';
import { mergeCustomers, MergeRefused } from '../../src/customers/store/merge.js';
import { findCustomer } from '../../src/customers/store/customers.js';
import { termsAssignments } from '../../src/customers/store/terms.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { accountProfileChangedSignal, closeAccountSignal } from '../../workflows/customers/messages.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { ProblemError, problems } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import { CustomerSchema } from './schemas.js';
import { PaymentTermsSchema } from './payment-terms-schemas.js';
import { customerEtag, toView } from './routes.js';

const HistoryEntrySchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  field: Type.String(),
  old: Type.Unknown(),
  new: Type.Unknown(),
  requestId: Type.Union([Type.String(), Type.Null()]),
});

const ReasonSchema = Type.Object({ signal: Type.String(), weight: Type.Number(), detail: Type.String() });
const ClusterSchema = Type.Object({
  customerIds: Type.Array(Type.String({ format: 'uuid' })),
  score: Type.Number(),
  pairs: Type.Array(
    Type.Object({ a: Type.String(), b: Type.String(), score: Type.Number(), reasons: Type.Array(ReasonSchema) }),
  ),
});
const DecisionSchema = Type.Object({
  reason: Type.Union([Type.String(), Type.Null()]),
  by: Type.String(),
  at: Type.String({ format: 'date-time' }),
});
const ScanSchema = Type.Object({
  scannedCustomers: Type.Integer(),
  probablePairs: Type.Integer({ description: 'probable pairs nobody has decided on' }),
  acceptedPairs: Type.Array(
    Type.Object({
      a: Type.String(),
      b: Type.String(),
      score: Type.Number(),
      reasons: Type.Array(ReasonSchema),
      decision: DecisionSchema,
    }),
    {
      description:
        'probable pairs a clerk kept on purpose (who, why, when); never raised again and not in any cluster. On the first page only.',
    },
  ),
  clusterCount: Type.Integer(),
  duplicateRecords: Type.Integer({ description: 'records that would disappear if every cluster were merged' }),
  duplicatePercentage: Type.Number({ description: 'duplicateRecords / scannedCustomers x 100' }),
  scannedAt: Type.String({ format: 'date-time' }),
  items: Type.Array(ClusterSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

const MergeSchema = Type.Object({
  survivorId: Type.String({ format: 'uuid' }),
  duplicateId: Type.String({ format: 'uuid' }),
  mergedAt: Type.String({ format: 'date-time' }),
  mergedBy: Type.String(),
  journalEntryId: Type.Union([Type.String(), Type.Null()]),
  moved: Type.Object({
    documents: Type.Record(Type.String(), Type.Integer()),
    balances: Type.Array(Type.Object({ role: Type.String(), currency: Type.String(), amount: Type.Integer() })),
  }),
  created: Type.Boolean({ description: 'false: this merge had already been done; nothing changed now' }),
  survivor: CustomerSchema,
});

export const customerRecordRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal } = deps;

  app.get(
    '/customers/:id/history',
    {
      schema: {
        tags: ['customers'],
        summary: 'Audit trail of a customer: field, old, new, who, when (newest first)',
        params: UuidParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: pageSchema(HistoryEntrySchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      if (!(await findCustomer(em, request.params.id))) throw problems.notFound('Customer', request.params.id);
      const limit = request.query.limit ?? 50;
      const before = decodeCursor(request.query.cursor, 1)?.[0];
      const rows = await listHistory(em, request.params.id, limit + 1, typeof before === 'number' ? before : undefined);
      return toPage(
        rows,
        limit,
        (r) => [r.id],
        (r) => r,
      );
    },
  );

  app.get(
    '/customers/:id/terms',
    {
      schema: {
        tags: ['customers'],
        summary:
          'Which payment terms the customer was on since when (an invoice takes the terms in force at its issue)',
        params: UuidParams,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                termsCode: Type.String(),
                terms: PaymentTermsSchema,
                templateVersion: Type.Integer(),
                effectiveFrom: Type.String(),
                assignedBy: Type.String(),
              }),
            ),
          }),
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      if (!(await findCustomer(em, request.params.id))) throw problems.notFound('Customer', request.params.id);
      return { items: await termsAssignments(em, request.params.id) };
    },
  );

  app.get(
    '/customers/duplicates',
    {
      schema: {
        tags: ['customers'],
        summary: 'Scan the whole book for probable duplicates: clusters with scores and the duplicate percentage',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: ScanSchema, ...problemResponses(400) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 1)?.[0];
      const scan = await scanDuplicates(orm.em.fork());
      const clusters =
        typeof after === 'string' ? scan.clusters.filter((c) => c.customerIds[0]! > after) : scan.clusters;
      const page = toPage(
        clusters,
        limit,
        (c) => [c.customerIds[0]!],
        (c) => c,
      );
      return {
        scannedCustomers: scan.scannedCustomers,
        probablePairs: scan.probablePairs,
        acceptedPairs: typeof after === 'string' ? [] : scan.acceptedPairs,
        clusterCount: scan.clusters.length,
        duplicateRecords: scan.duplicateRecords,
        duplicatePercentage: scan.duplicatePercentage,
        scannedAt: new Date().toISOString(),
        ...page,
      };
    },
  );

  app.post(
    '/customers/:id/merge',
    {
      config: { idempotency: true },
      schema: {
        tags: ['customers'],
        summary: 'Merge a duplicate into this customer: documents and balances move, the duplicate closes (idempotent)',
        params: UuidParams,
        headers: IdempotencyHeaders,
        body: Type.Object({ duplicateId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: { 200: MergeSchema, ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      let outcome;
      try {
        outcome = await mergeCustomers(orm.em.fork(), {
          survivorId: request.params.id,
          duplicateId: request.body.duplicateId,
          by: actor,
          requestId: request.id,
          effectiveDate: new Date().toISOString().slice(0, 10),
        });
      } catch (error) {
        if (error instanceof MergeRefused) {
          const pointer =
            error.status === 422
              ? [{ pointer: '/duplicateId', in: 'body' as const, detail: error.message }]
              : undefined;
          throw new ProblemError(
            error.status,
            error.status === 404 ? 'not-found' : error.status === 409 ? 'conflict' : 'unprocessable',
            error.status === 404 ? 'Not found' : error.status === 409 ? 'Conflict' : 'Unprocessable request',
            error.message,
            pointer ? { errors: pointer } : {},
          );
        }
        throw error;
      }
      if (outcome.created) {
        // After the commit: the duplicate's process ends, the survivor's records the merge. Both are best effort: the
        // records are already right, and a refresh reconciles a workflow that missed the message.
        const reason = `merged into ${outcome.survivorId}`;
        await temporal.workflow
          .getHandle(workflowIds.customerAccount(outcome.duplicateId))
          .signal(closeAccountSignal, { by: actor, reason })
          .catch((err) => request.log.warn({ err }, 'duplicate account workflow already ended'));
        const survivor = (await findCustomer(orm.em.fork(), outcome.survivorId))!;
        await temporal.workflow
          .getHandle(workflowIds.customerAccount(outcome.survivorId))
          .signal(accountProfileChangedSignal, {
            changes: [{ field: 'mergedFrom', from: null, to: outcome.duplicateId }],
            by: actor,
            version: survivor.version,
          })
          .catch((err) => request.log.warn({ err }, 'survivor account workflow did not take the merge notice'));
      }
      const survivor = (await findCustomer(orm.em.fork(), outcome.survivorId))!;
      return reply.header('etag', customerEtag(survivor)).send({ ...outcome, survivor: toView(survivor) });
    },
  );
};
