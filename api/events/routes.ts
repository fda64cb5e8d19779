// `GET /events`: the outbox as a pull stream for integrations. The cursor is safe against transactions that commit
// out of order (see src/events/store/stream.ts): a reader that keeps passing `nextCursor` sees every event exactly once.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EVENT_TYPES } from '../../src/events/store/outbox.js';
import { decodeStreamCursor, encodeStreamCursor, readStream } from '../../src/events/store/stream.js';
import { eventEnvelope } from '../../src/webhooks/store/dispatch.js';
import type { ApiDeps } from '../http/deps.js';
import { Cursor, MAX_PAGE_SIZE } from '../http/pagination.js';
import { problems } from '../http/problem.js';
import { problemResponses } from '../http/common-schemas.js';

export const EventSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String(),
  occurredAt: Type.String({ format: 'date-time' }),
  entity: Type.Object({ type: Type.String(), id: Type.String() }),
  customerId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  actor: Type.Union([Type.String(), Type.Null()]),
  data: Type.Record(Type.String(), Type.Unknown()),
  cursor: Type.String({ description: 'pass as `after` to continue right after this event' }),
});

/** Event type patterns: an exact type, `area.*`, or `*`; listed, so the document names every one the engine knows. */
const EVENT_TYPE_PATTERNS = ['*', ...new Set(EVENT_TYPES.map((t) => `${t.split('.')[0]}.*`)), ...EVENT_TYPES];
export const EventTypePattern = Type.Unsafe<string>({ type: 'string', enum: EVENT_TYPE_PATTERNS });
const ONE_TYPE = `(${EVENT_TYPE_PATTERNS.map((p) => p.replace(/[.*]/g, (c) => `\\${c}`)).join('|')})`;
/** A comma-separated list of those patterns (spaces around the commas allowed). */
const TYPE_LIST_PATTERN = `^ *${ONE_TYPE} *(, *${ONE_TYPE} *)*$`;

export function unknownEventTypes(patterns: readonly string[]): string[] {
  const known = new Set<string>(EVENT_TYPES);
  const areas = new Set(EVENT_TYPES.map((t) => t.split('.')[0]));
  return patterns.filter((p) => p !== '*' && !(p.endsWith('.*') ? areas.has(p.slice(0, -2)) : known.has(p)));
}

export const eventRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm } = deps;

  app.get(
    '/events',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Read domain events in commit-safe order, after a cursor (pull integration)',
        description:
          'Start without `after` (from the beginning) and keep passing `nextCursor`. `nextCursor` is returned even when the page is empty, so a poller can wait and ask again with it. `types` is a comma-separated list of event types or `area.*` patterns.',
        querystring: Type.Object(
          {
            after: Type.Optional(Cursor('cursor of an event or nextCursor of the previous page')),
            types: Type.Optional(
              Type.String({ maxLength: 2000, pattern: TYPE_LIST_PATTERN, description: 'e.g. invoice.paid,customer.*' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(EventSchema), nextCursor: Type.String() }),
          ...problemResponses(400),
        },
      },
    },
    async (request) => {
      const { after, types, limit = 100 } = request.query;
      const cursor = after === undefined ? undefined : decodeStreamCursor(after);
      if (after !== undefined && !cursor)
        throw problems.validation(
          [{ pointer: '/after', in: 'query', detail: 'is not a cursor returned by GET /events' }],
          'Invalid cursor.',
        );
      const patterns = types
        ? types
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : undefined;
      if (patterns) {
        const bad = patterns.filter((p) => !/^(\*|[a-z_]+\.\*|[a-z_]+\.[a-z_]+)$/.test(p));
        const unknown = unknownEventTypes(patterns.filter((p) => !bad.includes(p)));
        if (bad.length || unknown.length) {
          throw problems.validation(
            [{ pointer: '/types', in: 'query', detail: `unknown event type(s): ${[...bad, ...unknown].join(', ')}` }],
            'Unknown event types.',
          );
        }
      }
      const { events, next } = await readStream(orm.em.fork(), { after: cursor, types: patterns, limit });
      return {
        items: events.map((e) => ({ ...eventEnvelope(e), cursor: encodeStreamCursor(e.cursor) })),
        nextCursor: encodeStreamCursor(next),
      };
    },
  );
};
