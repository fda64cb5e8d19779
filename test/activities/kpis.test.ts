// KPIs read from a real ledger on PostgreSQL: a month with a sale, a payment, a write-off, an old invoice past 90 days,
// disputes and promises; every figure checked against the hand computation in the comments.
import { randomUUID } from 'node:crypto';
import { postJournalEntry } from '../../src/ledger/store/post.js';
import { kpiReport } from '../../src/reports/store/kpis.js';
import { listKpiSnapshots, takeKpiSnapshot } from '../../src/reports/store/snapshots.js';
import { insertCustomer } from '../support/customers.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertOpenInvoice } from '../support/invoice-rows.js';

let db: TestDatabase;
let customerId: string;
const invoices: Record<string, string> = {};

async function settle(invoiceId: string, kind: 'payment_applied' | 'write_off', amount: number, date: string) {
  await db.orm.em.fork().transactional((tx) =>
    postJournalEntry(tx, {
      idempotencyKey: `${kind}-${randomUUID()}`,
      kind,
      effectiveDate: date,
      sourceType: kind === 'write_off' ? 'invoice' : 'payment',
      sourceId: kind === 'write_off' ? invoiceId : randomUUID(),
      lines: [
        { account: kind === 'write_off' ? 'bad_debt_expense' : 'cash', debit: amount, credit: 0, currency: 'USD' },
        {
          account: 'accounts_receivable',
          customerId,
          debit: 0,
          credit: amount,
          currency: 'USD',
          memo: `TEST-${invoiceId}`,
        },
      ],
    }),
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  customerId = (await insertCustomer(db.orm, { currency: 'USD' })).id;
  const invoice = (amount: number, issueDate: string, dueDate: string) =>
    insertOpenInvoice(db.orm, { customerId, currency: 'USD', amount, issueDate, dueDate });
  invoices.d = await invoice(30_000, '2025-11-01', '2025-12-01'); // 120 days past due at 03-31
  invoices.a = await invoice(100_000, '2026-01-10', '2026-02-09');
  invoices.b = await invoice(80_000, '2026-02-10', '2026-03-12');
  invoices.c = await invoice(120_000, '2026-03-05', '2026-04-04'); // the only sale in March, current at 03-31
  await settle(invoices.a, 'payment_applied', 100_000, '2026-03-15');
  await settle(invoices.b, 'write_off', 20_000, '2026-03-20');
  await invoice(55_000, '2026-04-02', '2026-05-02'); // after the period: changes nothing in March

  const em = db.orm.em.fork();
  const dispute = (category: string, openedAt: string, resolvedAt: string | null) =>
    em.execute(
      `INSERT INTO dispute (id, invoice_id, customer_id, category, status, amount, currency, reason, opened_at, resolved_at, opened_by, workflow_id)
       VALUES (?, ?, ?, ?, ?, 1000, 'USD', 'price differs', ?, ?, 'test', ?)`,
      [
        randomUUID(),
        invoices.b,
        customerId,
        category,
        resolvedAt ? 'resolved' : 'open',
        openedAt,
        resolvedAt,
        `dispute-${randomUUID()}`,
      ],
    );
  await dispute('pricing', '2026-03-02T09:00:00Z', '2026-03-12T09:00:00Z'); // 10 days
  await dispute('pricing', '2026-03-10T09:00:00Z', null);
  await dispute('quality', '2026-02-20T09:00:00Z', '2026-03-05T09:00:00Z'); // opened before, resolved in March: 13 days
  const promise = (status: string, amount: number, resolvedAt: string) =>
    em.execute(
      `INSERT INTO promise_to_pay (id, customer_id, amount, currency, promised_date, status, baseline_amount, deadline_at, created_by, resolved_at)
       VALUES (?, ?, ?, 'USD', ?, ?, ?, ?, 'test', ?)`,
      [randomUUID(), customerId, amount, resolvedAt.slice(0, 10), status, amount, resolvedAt, resolvedAt],
    );
  await promise('kept', 5_000, '2026-03-10T12:00:00Z');
  await promise('broken', 7_000, '2026-03-20T12:00:00Z');
  await promise('kept', 9_000, '2026-04-02T12:00:00Z');
});
afterAll(async () => {
  await db?.drop();
});

it('computes every figure of March from the ledger, the aging, disputes and promises', async () => {
  const report = await kpiReport(db.orm.em.fork(), { from: '2026-03-01', to: '2026-03-31' });
  expect(report.currencies).toHaveLength(1);
  const usd = report.currencies[0]!;
  // Beginning AR (end of 02-28): 30,000 + 100,000 + 80,000; ending: + 120,000 - 100,000 - 20,000.
  expect(usd.inputs).toMatchObject({
    beginningAr: 210_000,
    endingAr: 210_000,
    endingCurrentAr: 120_000,
    endingOver90: 30_000,
    grossCreditSales: 120_000,
    salesReductions: 0,
    writeOffs: 20_000,
  });
  const values = Object.fromEntries(Object.entries(usd.figures).map(([name, f]) => [name, f.value]));
  expect(values).toEqual({
    dsoSimple: 54.25, // 210,000 / 120,000 x 31
    dsoCountBack: 62.1, // 31 (March 120k) + 28 (February 80k) + 10/100 x 31 (January)
    bestPossibleDso: 31, // 120,000 / 120,000 x 31
    averageDaysDelinquent: 23.25,
    cei: 57.14, // (210 + 120 - 210) / (210 + 120 - 120)
    ceiMultiMonth: null, // one month only
    arTurnover: 0.57, // 120,000 / 210,000
    averageCollectionPeriod: 54.25,
    badDebtRatio: 16.67, // 20,000 / 120,000
    shareOver90: 14.29, // 30,000 / 210,000
  });
  expect(usd.figures.dsoSimple).toMatchObject({
    unit: 'days',
    period: { from: '2026-03-01', to: '2026-03-31', days: 31 },
    currency: 'USD',
    method: expect.stringMatching(/simple/),
  });
  expect(usd.countBackExhausted).toBe(false);

  expect(report.disputes).toMatchObject({
    available: true,
    byCategory: [
      { category: 'pricing', opened: 2, resolved: 1, averageDaysToResolve: 10 },
      { category: 'quality', opened: 0, resolved: 1, averageDaysToResolve: 13 },
    ],
  });
  expect(report.promises).toMatchObject({
    available: true,
    kept: 1,
    broken: 1,
    keptRate: 50,
    amounts: [{ currency: 'USD', kept: 5_000, broken: 7_000 }],
  });
});

it('a two-month period offers the labelled multi-month CEI and counts both months of sales', async () => {
  const report = await kpiReport(db.orm.em.fork(), { from: '2026-02-01', to: '2026-03-31', currency: 'USD' });
  const usd = report.currencies[0]!;
  expect(usd.inputs.grossCreditSales).toBe(200_000);
  expect(usd.inputs.beginningAr).toBe(130_000);
  expect(usd.figures.ceiMultiMonth.method).toMatch(/multi-month/);
  // (130 + 200/2 - 210) / (130 + 200/2 - 120) x 100
  expect(usd.figures.ceiMultiMonth.value).toBe(18.18);
});

it('a snapshot stores the period once per currency and lists newest first', async () => {
  expect(await takeKpiSnapshot(db.orm.em.fork(), { from: '2026-02-01', to: '2026-02-28', takenBy: 'test' })).toEqual({
    currencies: ['USD'],
    created: 1,
  });
  expect(await takeKpiSnapshot(db.orm.em.fork(), { from: '2026-03-01', to: '2026-03-31', takenBy: 'test' })).toEqual({
    currencies: ['USD'],
    created: 1,
  });
  expect(await takeKpiSnapshot(db.orm.em.fork(), { from: '2026-03-01', to: '2026-03-31', takenBy: 'again' })).toEqual({
    currencies: ['USD'],
    created: 0,
  });
  const listed = await listKpiSnapshots(db.orm.em.fork(), { limit: 10 });
  expect(listed.map((s) => [s.periodFrom, s.takenBy])).toEqual([
    ['2026-03-01', 'test'],
    ['2026-02-01', 'test'],
  ]);
  expect(listed[0]!.figures).toMatchObject({ dsoSimple: { value: 54.25 }, shareOver90: { value: 14.29 } });
  const page = await listKpiSnapshots(db.orm.em.fork(), {
    limit: 10,
    after: [listed[0]!.periodTo, listed[0]!.currency, listed[0]!.id],
  });
  expect(page.map((s) => s.periodFrom)).toEqual(['2026-02-01']);
});
