// Dunning policies as data: versioned (a PUT adds the next version, never edits one), assigned per risk segment, and
// overridable per customer. A new version reaches only collections started afterwards, unless a running collection
// is migrated explicitly (POST /collections/:customerId/migrate-policy).
import { existsSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  assignSegmentPolicy,
  policyExists,
  policyForCustomer,
  policyVersions,
  putPolicyVersion,
  segmentAssignments,
  setCustomerPolicy,
  type StoredPolicy,
} from '../../src/collections/store/policies.js';
import { dunningPolicyProblems, type DunningPolicyBody } from '../../src/collections/rules/dunning-policy.js';
import { TEMPLATE_DIR } from '../../src/templates/render.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { problems, type FieldError } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  AssignmentBody,
  AssignmentSchema,
  CustomerPolicyBody,
  CustomerPolicySchema,
  DunningPolicyBodySchema,
  DunningPolicySchema,
  PolicyCodeParams,
  PolicyVersionsSchema,
  SegmentParams,
} from './schemas.js';

export function policyView(stored: StoredPolicy) {
  const { policy } = stored;
  return { ...policy, createdBy: stored.createdBy, createdAt: stored.createdAt.toISOString() };
}

/** Rules the schema cannot express (durations, order of levels, fee sanity, templates that exist) answer 422. */
function checkPolicy(body: DunningPolicyBody): void {
  const errors: FieldError[] = dunningPolicyProblems(body).map((p) => ({
    pointer: p.pointer,
    in: 'body' as const,
    detail: p.detail,
  }));
  body.levels.forEach((level, i) => {
    const missing = ['subject', 'html', 'text'].filter(
      (part) => !existsSync(new URL(`${level.template}.${part}.hbs`, TEMPLATE_DIR)),
    );
    if (/^[a-z0-9-]+$/.test(level.template) && missing.length)
      errors.push({
        pointer: `/levels/${i}/template`,
        in: 'body',
        detail: `no template "${level.template}" (missing ${missing.join(', ')})`,
      });
  });
  if (errors.length) throw problems.unprocessable(errors, 'The dunning policy is not consistent.');
}

export const dunningPolicyRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm } = deps;

  app.put(
    '/policies/dunning/:code',
    {
      config: { idempotency: true },
      schema: {
        tags: ['collections'],
        summary: 'Store the next version of a dunning policy (a new code starts at version 1)',
        headers: IdempotencyHeaders,
        params: PolicyCodeParams,
        body: DunningPolicyBodySchema,
        response: { 201: DunningPolicySchema, ...problemResponses(400, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body as DunningPolicyBody;
      checkPolicy(body);
      const stored = await putPolicyVersion(orm.em.fork(), request.params.code, body, actorOf(request));
      return reply.status(201).header('location', `/policies/dunning/${stored.policy.code}`).send(policyView(stored));
    },
  );

  app.get(
    '/policies/dunning/:code',
    {
      schema: {
        tags: ['collections'],
        summary: 'Every version of a dunning policy, newest first',
        params: PolicyCodeParams,
        response: { 200: PolicyVersionsSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const versions = await policyVersions(orm.em.fork(), request.params.code);
      if (versions.length === 0) throw problems.notFound('Dunning policy', request.params.code);
      return { code: request.params.code, versions: versions.map(policyView) };
    },
  );

  app.get(
    '/policies/dunning-assignments',
    {
      schema: {
        tags: ['collections'],
        summary: 'Which dunning policy each risk segment uses (default: customers without a segment policy)',
        response: { 200: Type.Array(AssignmentSchema) },
      },
    },
    async () => (await segmentAssignments(orm.em.fork())).map((a) => ({ ...a, updatedAt: a.updatedAt.toISOString() })),
  );

  app.put(
    '/policies/dunning-assignments/:segment',
    {
      config: { idempotency: true },
      schema: {
        tags: ['collections'],
        summary: 'Assign a dunning policy to a risk segment',
        headers: IdempotencyHeaders,
        params: SegmentParams,
        body: AssignmentBody,
        response: { 200: AssignmentSchema, ...problemResponses(400, 422) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      if (!(await policyExists(em, request.body.policyCode))) {
        throw problems.unprocessable(
          [{ pointer: '/policyCode', in: 'body', detail: `no dunning policy "${request.body.policyCode}"` }],
          'Unknown policy code.',
        );
      }
      await assignSegmentPolicy(em, request.params.segment, request.body.policyCode, actorOf(request));
      const assigned = (await segmentAssignments(em)).find((a) => a.segment === request.params.segment)!;
      return { ...assigned, updatedAt: assigned.updatedAt.toISOString() };
    },
  );

  app.put(
    '/customers/:id/dunning-policy',
    {
      config: { idempotency: true },
      schema: {
        tags: ['collections'],
        summary:
          "Override the customer's dunning policy (null returns it to its segment's policy); applies to collections started afterwards",
        headers: IdempotencyHeaders,
        params: UuidParams,
        body: CustomerPolicyBody,
        response: { 200: CustomerPolicySchema, ...problemResponses(400, 404, 422) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const [customer] = await em.execute<{ id: string }[]>('SELECT id FROM customer WHERE id = ?', [
        request.params.id,
      ]);
      if (!customer) throw problems.notFound('Customer', request.params.id);
      const code = request.body.policyCode;
      if (code !== null && !(await policyExists(em, code)))
        throw problems.unprocessable(
          [{ pointer: '/policyCode', in: 'body', detail: `no dunning policy "${code}"` }],
          'Unknown policy code.',
        );
      await setCustomerPolicy(em, request.params.id, code, actorOf(request));
      const resolved = await policyForCustomer(em, request.params.id);
      if (!resolved)
        throw problems.unprocessable(
          [
            {
              pointer: '/policyCode',
              in: 'body',
              detail: 'no policy applies to the customer any more (assign one to the default segment)',
            },
          ],
          'No policy applies.',
        );
      return {
        customerId: request.params.id,
        policyCode: resolved.policy.code,
        version: resolved.policy.version,
        source: resolved.source,
      };
    },
  );
};
