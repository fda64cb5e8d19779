// Reports: aging as of any date (JSON, or CSV streamed), KPIs for a period and the stored monthly KPI snapshots.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isIsoDate, MAX_AGING_BUCKETS, parseAgingBounds } from '../../src/reports/rules/aging.js';
import { agingCsv, agingReport } from '../../src/reports/store/aging.js';
import { kpiReport } from '../../src/reports/store/kpis.js';
import { listKpiSnapshots } from '../../src/reports/store/snapshots.js';
import type { ApiDeps } from '../http/deps.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { assertDateRange } from '../http/date-range.js';
import { problems } from '../http/problem.js';
import { IsoDate, MoneySchema, problemResponses } from '../http/common-schemas.js';
import { today } from '../../src/shared/calendar-date.js';

const DateString = (description: string) => IsoDate({ description });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
/** Whole days (up to 4 digits), comma-separated; their order is checked by the domain (400 naming `buckets`). */
const BUCKETS_PATTERN = `^( *\\d{1,4} *(, *\\d{1,4} *){0,${MAX_AGING_BUCKETS - 3}})?$`;
const money = (amount: number, currency: string) => ({ amount, currency });

const BucketSchema = Type.Object({
  key: Type.String(),
  label: Type.String(),
  fromDays: Type.Union([Type.Integer(), Type.Null()]),
  toDays: Type.Union([Type.Integer(), Type.Null()]),
});
const AgingRowSchema = Type.Object({
  customerId: Type.String({ format: 'uuid' }),
  customerName: Type.String(),
  buckets: Type.Array(MoneySchema, { description: 'one amount per bucket, in the order of `buckets`' }),
  total: MoneySchema,
  receivable: MoneySchema,
  credits: MoneySchema,
});
const AgingSchema = Type.Object({
  asOf: Type.String(),
  basis: Type.Union([Type.Literal('due'), Type.Literal('issue')]),
  buckets: Type.Array(BucketSchema),
  currencies: Type.Array(
    Type.Object({
      currency: Type.String(),
      totals: Type.Object({
        buckets: Type.Array(MoneySchema),
        total: MoneySchema,
        receivable: MoneySchema,
        credits: MoneySchema,
      }),
      customers: Type.Array(AgingRowSchema),
    }),
  ),
});

const FigureSchema = Type.Object({
  value: Type.Union([Type.Number(), Type.Null()]),
  unit: Type.String(),
  method: Type.String(),
  period: Type.Object({ from: Type.String(), to: Type.String(), days: Type.Integer() }),
  currency: Type.String(),
});
const KpiCurrencySchema = Type.Object({
  currency: Type.String(),
  inputs: Type.Record(Type.String(), Type.Unknown()),
  figures: Type.Record(Type.String(), FigureSchema),
  countBackExhausted: Type.Boolean(),
});
const KpiSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  currencies: Type.Array(KpiCurrencySchema),
  disputes: Type.Object({
    available: Type.Boolean(),
    method: Type.String(),
    period: Type.Object({ from: Type.String(), to: Type.String() }),
    byCategory: Type.Array(
      Type.Object({
        category: Type.String(),
        opened: Type.Integer(),
        resolved: Type.Integer(),
        averageDaysToResolve: Type.Union([Type.Number(), Type.Null()]),
      }),
    ),
  }),
  promises: Type.Object({
    available: Type.Boolean(),
    method: Type.String(),
    period: Type.Object({ from: Type.String(), to: Type.String() }),
    kept: Type.Integer(),
    broken: Type.Integer(),
    keptRate: Type.Union([Type.Number(), Type.Null()]),
    amounts: Type.Array(Type.Object({ currency: Type.String(), kept: MoneySchema, broken: MoneySchema })),
  }),
});
const SnapshotSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  periodFrom: Type.String(),
  periodTo: Type.String(),
  currency: Type.String(),
  figures: Type.Record(Type.String(), Type.Unknown()),
  takenBy: Type.String(),
  createdAt: Type.String(),
});

function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  if (format) return format === 'csv';
  const accept = request.headers.accept ?? '';
  return /\btext\/csv\b/.test(accept) && !/\bapplication\/json\b/.test(accept.split('text/csv')[0] ?? '');
}

export const reportRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm } = deps;

  app.get(
    '/reports/aging',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Aged receivables as of a date, per currency: bucket totals and one row per customer (JSON, or CSV with Accept: text/csv or format=csv)',
        querystring: Type.Object(
          {
            asOf: Type.Optional(
              DateString(
                'as-of date (default today); computed from ledger effective dates, so past dates are reproducible',
              ),
            ),
            basis: Type.Optional(Type.Union([Type.Literal('due'), Type.Literal('issue')], { default: 'due' })),
            buckets: Type.Optional(
              Type.String({
                maxLength: 100,
                pattern: BUCKETS_PATTERN,
                description: `upper bounds in days, e.g. 30,60,90 (default): at most ${MAX_AGING_BUCKETS - 2}, strictly increasing, the first at least 1`,
              }),
            ),
            customerId: Type.Optional(Type.String({ format: 'uuid' })),
            segment: Type.Optional(
              Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')], {
                description: 'customer risk segment',
              }),
            ),
            currency: Type.Optional(Currency),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          },
          { additionalProperties: false },
        ),
        response: { 200: AgingSchema, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const asOf = q.asOf ?? today();
      if (!isIsoDate(asOf))
        throw problems.validation([{ pointer: '/asOf', in: 'query', detail: 'must be a calendar date YYYY-MM-DD' }]);
      const parsed = parseAgingBounds(q.buckets);
      if ('problem' in parsed)
        throw problems.validation([{ ...parsed.problem, in: 'query' }], `buckets ${parsed.problem.detail}.`);
      const query = {
        asOf,
        basis: q.basis ?? 'due',
        bounds: parsed.bounds,
        customerId: q.customerId,
        segment: q.segment,
        currency: q.currency,
      } as const;
      if (wantsCsv(request, q.format)) {
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="aging-${asOf}-${query.basis}.csv"`);
        return reply.send(Readable.from(agingCsv(orm.em.fork(), query)) as never);
      }
      const report = await agingReport(orm.em.fork(), query);
      return {
        asOf: report.asOf,
        basis: report.basis,
        buckets: report.buckets,
        currencies: report.currencies.map((c) => ({
          currency: c.currency,
          totals: {
            buckets: c.buckets.map((a) => money(a, c.currency)),
            total: money(c.total, c.currency),
            receivable: money(c.receivable, c.currency),
            credits: money(c.credits, c.currency),
          },
          customers: c.customers.map((r) => ({
            customerId: r.customerId,
            customerName: r.customerName,
            buckets: r.buckets.map((a) => money(a, c.currency)),
            total: money(r.total, c.currency),
            receivable: money(r.receivable, c.currency),
            credits: money(r.credits, c.currency),
          })),
        })),
      };
    },
  );

  app.get(
    '/reports/kpis',
    {
      schema: {
        tags: ['reports'],
        summary:
          'DSO (simple, count-back), best possible DSO, ADD, CEI, AR turnover, collection period, bad-debt ratio, share over 90 days, disputes and promises; each figure with its method and period',
        querystring: Type.Object(
          {
            from: DateString('first day of the period'),
            to: DateString('last day of the period'),
            currency: Type.Optional(Currency),
          },
          { additionalProperties: false },
        ),
        response: { 200: KpiSchema, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { from, to, currency } = request.query;
      assertDateRange(from, to);
      const report = await kpiReport(orm.em.fork(), { from, to, currency });
      return {
        ...report,
        promises: {
          ...report.promises,
          amounts: report.promises.amounts.map((a) => ({
            currency: a.currency,
            kept: money(a.kept, a.currency),
            broken: money(a.broken, a.currency),
          })),
        },
      };
    },
  );

  app.get(
    '/reports/kpis/snapshots',
    {
      schema: {
        tags: ['reports'],
        summary: 'Monthly KPI snapshots taken by the schedule, newest period first',
        querystring: Type.Object({ currency: Type.Optional(Currency), ...PageQuery }, { additionalProperties: false }),
        response: { 200: pageSchema(SnapshotSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 3) as [string, string, string] | undefined;
      const rows = await listKpiSnapshots(orm.em.fork(), { currency: request.query.currency, after, limit: limit + 1 });
      return toPage(
        rows,
        limit,
        (r) => [r.periodTo, r.currency, r.id],
        (r) => r,
      );
    },
  );
};
