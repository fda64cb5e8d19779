// The decision audit (src/tasks/store/decision-audit.ts) for auditors: every decision on a task or approval and every
// attempt refused for authority or four eyes, with who, roles, authority, amount, policy version and workflow run.
// Read from PostgreSQL, so it answers long after the workflow histories are gone.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decisionCursor, findDecision, listDecisions } from '../../src/tasks/store/decision-audit.js';
import type { ApiDeps } from '../http/deps.js';
import { decodeCursor, encodeCursor, pageSchema } from '../http/pagination.js';
import { problems } from '../http/problem.js';
import { DecisionListQuery, DecisionSchema } from './decision-audit-schemas.js';
import { problemResponses, TIMESTAMP_PATTERN, UuidParams } from '../http/common-schemas.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor of this list: a decision time and id; anything else names the `cursor` parameter (400). */
function afterOf(cursor: string | undefined): [string, string] | undefined {
  const key = decodeCursor(cursor, 2);
  if (!key) return undefined;
  const [at, id] = key;
  if (typeof at === 'string' && new RegExp(TIMESTAMP_PATTERN).test(at) && typeof id === 'string' && UUID.test(id))
    return [at, id];
  throw problems.validation(
    [{ pointer: '/cursor', in: 'query', detail: 'is not a cursor returned by this list' }],
    'Invalid cursor.',
  );
}

export const decisionAuditRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const tags = ['tasks'];

  app.get(
    '/audit',
    {
      schema: {
        tags,
        summary: 'Decisions on tasks and approvals, and refused attempts, newest first',
        description:
          'Each decision (credit limits, credit overrides, write-offs, credit notes, dispute resolutions, any task completion) with who decided, their roles, the approval ceiling that allowed it, amount, outcome, policy version, task and workflow run; attempts refused for authority or four eyes have outcome `refused`. Kept in PostgreSQL beyond the retention of workflow histories.',
        querystring: DecisionListQuery,
        response: { 200: pageSchema(DecisionSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      const em = deps.orm.em.fork();
      const rows = await listDecisions(em, filter, { limit: limit + 1, after: afterOf(cursor) });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor(await decisionCursor(em, last.id)) : null,
      };
    },
  );

  app.get(
    '/audit/:id',
    {
      schema: {
        tags,
        summary: 'One decision or refused attempt',
        params: UuidParams,
        response: { 200: DecisionSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const found = await findDecision(deps.orm.em.fork(), request.params.id);
      if (!found) throw problems.notFound('Decision', request.params.id);
      return found;
    },
  );
};
