// Exports for the general ledger and reconciliation: CSV, streamed page by page.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isIsoDate } from '../../src/shared/journal.js';
import { journalCsv, openItemsCsv } from '../../src/ledger/store/exports.js';
import type { ApiDeps } from '../http/deps.js';
import { assertDateRange } from '../http/date-range.js';
import { problems } from '../http/problem.js';
import { IsoDate, problemResponses } from '../http/common-schemas.js';

const CsvResponse = Type.String({ description: 'text/csv; header row first; amounts in integer minor units' });

export const exportRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm } = deps;

  app.get(
    '/exports/journal',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Journal lines with an effective date from..to (inclusive) as CSV, for the general ledger',
        querystring: Type.Object({ from: IsoDate(), to: IsoDate() }, { additionalProperties: false }),
        response: { 200: CsvResponse, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const { from, to } = request.query;
      assertDateRange(from, to);
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="journal-${from}-${to}.csv"`);
      return reply.send(Readable.from(journalCsv(orm.em.fork(), { from, to })) as unknown as string);
    },
  );

  app.get(
    '/exports/open-items',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Open invoices and unapplied payments as CSV (the receivables sub-ledger detail for reconciliation)',
        querystring: Type.Object(
          { asOf: Type.Optional(IsoDate({ description: 'for days past due; default today' })) },
          { additionalProperties: false },
        ),
        response: { 200: CsvResponse, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const asOf = request.query.asOf ?? new Date().toISOString().slice(0, 10);
      if (!isIsoDate(asOf))
        throw problems.validation([{ pointer: '/asOf', in: 'query', detail: 'must be a calendar date YYYY-MM-DD' }]);
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="open-items-${asOf}.csv"`);
      return reply.send(Readable.from(openItemsCsv(orm.em.fork(), asOf)) as unknown as string);
    },
  );
};
