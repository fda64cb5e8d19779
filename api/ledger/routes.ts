// The ledger's read side: the AR invariant check, a customer's sub-ledger with running balance, entries by source.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accountFor } from '../../src/reports/rules/chart.js';
import { checkLedger, customerLedger, journalEntries } from '../../src/ledger/store/reports.js';
import type { ApiDeps } from '../http/deps.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { problems } from '../http/problem.js';
import { problemResponses, MoneySchema, UuidParams } from '../http/common-schemas.js';

const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const money = (amount: number, currency: string) => ({ amount, currency });

const LedgerCheckSchema = Type.Object({
  ok: Type.Boolean(),
  checkedAt: Type.String(),
  currencies: Type.Array(
    Type.Object({
      currency: Type.String(),
      arControl: MoneySchema,
      openInvoices: MoneySchema,
      customerCredit: MoneySchema,
      netReceivable: MoneySchema,
      ok: Type.Boolean(),
    }),
  ),
  customerMismatches: Type.Array(
    Type.Object({ customerId: Type.String(), subLedger: MoneySchema, openInvoices: MoneySchema }),
  ),
  unbalancedEntries: Type.Array(Type.Object({ entryId: Type.String(), difference: MoneySchema })),
});

const CustomerLedgerLineSchema = Type.Object({
  entryId: Type.String({ format: 'uuid' }),
  kind: Type.String(),
  effectiveDate: Type.String(),
  postedAt: Type.String(),
  source: Type.String({ description: '<sourceType>:<sourceId>, usable as GET /journal-entries?source=' }),
  description: Nullable(Type.String()),
  memo: Nullable(Type.String()),
  debit: MoneySchema,
  credit: MoneySchema,
  runningBalance: MoneySchema,
});

const JournalEntrySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  idempotencyKey: Type.String(),
  kind: Type.String(),
  effectiveDate: Type.String(),
  source: Type.String(),
  description: Nullable(Type.String()),
  reversesEntryId: Nullable(Type.String()),
  postedAt: Type.String(),
  lines: Type.Array(
    Type.Object({
      lineNo: Type.Integer(),
      accountCode: Type.String(),
      account: Type.String(),
      customerId: Nullable(Type.String()),
      debit: MoneySchema,
      credit: MoneySchema,
      memo: Nullable(Type.String()),
    }),
  ),
});

const ACCOUNTS = { receivable: 'accounts_receivable', credit: 'customer_credit' } as const;

export const ledgerRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm } = deps;

  app.get(
    '/ledger/check',
    {
      schema: {
        tags: ['ledger'],
        summary: 'AR invariant: control account = open invoices (per currency and per customer); every entry balances',
        response: { 200: LedgerCheckSchema },
      },
    },
    async () => {
      const check = await checkLedger(orm.em.fork());
      return {
        ok: check.ok,
        checkedAt: check.checkedAt,
        currencies: check.currencies.map((c) => ({
          currency: c.currency,
          arControl: money(c.arControl, c.currency),
          openInvoices: money(c.openInvoices, c.currency),
          customerCredit: money(c.customerCredit, c.currency),
          netReceivable: money(c.netReceivable, c.currency),
          ok: c.ok,
        })),
        customerMismatches: check.customerMismatches.map((m) => ({
          customerId: m.customerId,
          subLedger: money(m.subLedger, m.currency),
          openInvoices: money(m.openInvoices, m.currency),
        })),
        unbalancedEntries: check.unbalancedEntries.map((u) => ({
          entryId: u.entryId,
          difference: money(u.difference, u.currency),
        })),
      };
    },
  );

  app.get(
    '/customers/:id/ledger',
    {
      schema: {
        tags: ['ledger'],
        summary: "A customer's sub-ledger activity in posting order with the running balance",
        params: UuidParams,
        querystring: Type.Object(
          {
            account: Type.Optional(
              Type.Union([Type.Literal('receivable'), Type.Literal('credit')], {
                default: 'receivable',
                description: 'receivable (1100) or customer credit (2200)',
              }),
            ),
            currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: pageSchema(CustomerLedgerLineSchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const [customer] = await em.execute<{ id: string }[]>('SELECT id FROM customer WHERE id = ?', [
        request.params.id,
      ]);
      if (!customer) throw problems.notFound('Customer', request.params.id);
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 3) as [string, number, number] | undefined;
      const rows = await customerLedger(em, {
        customerId: customer.id,
        accountCode: accountFor(ACCOUNTS[request.query.account ?? 'receivable']).code,
        currency: request.query.currency,
        after,
        limit: limit + 1,
      });
      return toPage(
        rows,
        limit,
        (r) => [r.effectiveDate, r.entrySeq, r.lineId],
        (r) => ({
          entryId: r.entryId,
          kind: r.kind,
          effectiveDate: r.effectiveDate,
          postedAt: r.postedAt,
          source: `${r.sourceType}:${r.sourceId}`,
          description: r.description,
          memo: r.memo,
          debit: money(r.debit, r.currency),
          credit: money(r.credit, r.currency),
          runningBalance: money(r.runningBalance, r.currency),
        }),
      );
    },
  );

  app.get(
    '/journal-entries',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Journal entries in posting order, by source document (e.g. source=invoice:<id>) and kind',
        querystring: Type.Object(
          {
            source: Type.Optional(
              Type.String({
                pattern: '^[a-z_]+(:[^\\s]+)?$',
                maxLength: 300,
                description: '<sourceType> or <sourceType>:<sourceId>',
              }),
            ),
            kind: Type.Optional(Type.String({ pattern: '^[a-z_]+$', maxLength: 50 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: pageSchema(JournalEntrySchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 1);
      const source = request.query.source;
      const separator = source?.indexOf(':') ?? -1;
      const rows = await journalEntries(orm.em.fork(), {
        sourceType: source === undefined ? undefined : separator < 0 ? source : source.slice(0, separator),
        sourceId: source !== undefined && separator >= 0 ? source.slice(separator + 1) : undefined,
        kind: request.query.kind,
        afterSeq: after ? Number(after[0]) : undefined,
        limit: limit + 1,
      });
      return toPage(
        rows,
        limit,
        (r) => [r.seq],
        (r) => ({
          id: r.id,
          idempotencyKey: r.idempotencyKey,
          kind: r.kind,
          effectiveDate: r.effectiveDate,
          source: `${r.sourceType}:${r.sourceId}`,
          description: r.description,
          reversesEntryId: r.reversesEntryId,
          postedAt: r.postedAt,
          lines: r.lines.map((l) => ({
            lineNo: l.lineNo,
            accountCode: l.accountCode,
            account: l.account,
            customerId: l.customerId,
            debit: money(l.debit, l.currency),
            credit: money(l.credit, l.currency),
            memo: l.memo,
          })),
        }),
      );
    },
  );
};
