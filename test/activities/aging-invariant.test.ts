// The aging report against the ledger on real PostgreSQL: at several as-of dates, with partial payments, an
// overpayment left as customer credit, credit notes, a cancellation and a write-off in the data, the buckets sum to
// the receivable and credit balances of the ledger at that date, per currency and per customer, and a past as-of
// date still shows what was open then.
import { randomUUID } from 'node:crypto';
import { DEFAULT_CASH_APPLICATION_POLICY } from '../../src/payments/rules/cash-application-policy.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { applyToInvoice } from '../../src/invoices/store/balance.js';
import { issueCreditNote } from '../../src/invoices/store/credit-notes.js';
import { postJournalEntry, reverseJournalEntry } from '../../src/ledger/store/post.js';
import { trialBalance } from '../../src/ledger/store/queries.js';
import { applyPaymentCash } from '../../src/payments/store/apply.js';
import { insertPayment } from '../../src/payments/store/receive.js';
import { agingCsv, agingReport, planAging, streamAgingRows, withReportSession } from '../../src/reports/store/aging.js';
import { customerOpenItems } from '../../src/reports/store/open-items.js';
import { insertCustomer } from '../support/customers.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { issueInvoiceDirectly } from '../support/invoices.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const lines = (amount: number, currency: string) => [
  { description: 'Services', quantity: 1, unitPrice: { amount, currency }, taxRate: '0' },
];

async function invoice(customerId: string, currency: string, amount: number, issueDate: string) {
  return issueInvoiceDirectly(
    db.orm,
    { customerId, lines: lines(amount, currency), issueDate, dueDate: addDays(issueDate, 30) },
    issueDate,
  );
}

async function pay(customerId: string, currency: string, amount: number, date: string, invoiceNumber?: string) {
  const id = randomUUID();
  await insertPayment(db.orm.em.fork(), {
    id,
    customerId,
    amount,
    currency,
    method: 'wire',
    receivedAt: new Date(`${date}T12:00:00Z`),
    reference: invoiceNumber ?? '',
    remittance: invoiceNumber ? [{ invoiceNumber, amount }] : [],
    createdBy: 'test',
  });
  return applyPaymentCash(db.orm.em.fork(), {
    paymentId: id,
    workflowId: `payment-${id}`,
    match: { ...DEFAULT_CASH_APPLICATION_POLICY.match, oldestFirst: false },
  });
}

/** Write-off as collections posts it: Dr bad-debt expense / Cr receivable, the invoice closes as written_off. */
async function writeOff(
  invoiceId: string,
  number: string,
  customerId: string,
  currency: string,
  amount: number,
  date: string,
) {
  return db.orm.em.fork().transactional(async (tx) => {
    const posted = await postJournalEntry(tx, {
      idempotencyKey: `invoice-${invoiceId}:write-off`,
      kind: 'write_off',
      effectiveDate: date,
      sourceType: 'invoice',
      sourceId: invoiceId,
      lines: [
        { account: 'bad_debt_expense', debit: amount, credit: 0, currency },
        { account: 'accounts_receivable', customerId, debit: 0, credit: amount, currency, memo: number },
      ],
    });
    await applyToInvoice(tx, { invoiceId, amount, cause: 'write_off', source: 'write-off' });
    return posted;
  });
}

/** Receivable minus customer credit per currency in the ledger as of a date (what the buckets must add up to). */
async function ledgerNet(asOf: string): Promise<Map<string, { ar: number; credit: number }>> {
  const balances = await trialBalance(db.orm.em.fork(), asOf);
  const result = new Map<string, { ar: number; credit: number }>();
  for (const b of balances) {
    const entry = result.get(b.currency.trim()) ?? { ar: 0, credit: 0 };
    if (b.role === 'accounts_receivable') entry.ar += b.balance;
    if (b.role === 'customer_credit') entry.credit += b.balance;
    result.set(b.currency.trim(), entry);
  }
  return result;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
let acme: string;
let globex: string;
let eurCustomer: string;
let initech: string;
const facts: Record<string, { id: string; number: string }> = {};

beforeAll(async () => {
  acme = (await insertCustomer(db.orm, { currency: 'USD', legalName: 'Acme Corp' })).id;
  globex = (await insertCustomer(db.orm, { currency: 'USD', legalName: 'Globex' })).id;
  eurCustomer = (await insertCustomer(db.orm, { currency: 'EUR', legalName: 'Euro GmbH' })).id;

  facts.a1 = await invoice(acme, 'USD', 100_000, '2026-01-05'); // partially paid in February, rest in April
  facts.a2 = await invoice(acme, 'USD', 50_000, '2026-02-10'); // partial credit note in March
  facts.a3 = await invoice(acme, 'USD', 30_000, '2026-03-01'); // written off in May
  facts.g1 = await invoice(globex, 'USD', 70_000, '2026-01-20'); // paid with an overpayment in March (credit left)
  facts.g2 = await invoice(globex, 'USD', 20_000, '2026-04-15'); // cancelled in April
  facts.e1 = await invoice(eurCustomer, 'EUR', 40_000, '2026-02-01');

  await pay(acme, 'USD', 40_000, '2026-02-15', facts.a1!.number);
  await db.orm.em.fork().transactional((tx) =>
    issueCreditNote(tx, {
      invoiceId: facts.a2!.id,
      amount: { amount: 10_000, currency: 'USD' },
      reason: 'Damaged goods',
      cancellation: false,
      actor: 'test',
      today: '2026-03-10',
    }),
  );
  await pay(globex, 'USD', 75_000, '2026-03-20', facts.g1!.number);
  await pay(acme, 'USD', 60_000, '2026-04-02', facts.a1!.number);
  await db.orm.em.fork().transactional((tx) =>
    issueCreditNote(tx, {
      invoiceId: facts.g2!.id,
      reason: 'Ordered twice',
      cancellation: true,
      actor: 'test',
      today: '2026-04-20',
    }),
  );
  await writeOff(facts.a3!.id, facts.a3!.number, acme, 'USD', 30_000, '2026-05-31');

  // Initech: an invoice written off in May, the write-off reversed in June (the receivable is back).
  initech = (await insertCustomer(db.orm, { currency: 'USD', legalName: 'Initech' })).id;
  facts.i1 = await invoice(initech, 'USD', 25_000, '2026-04-01');
  const written = await writeOff(facts.i1!.id, facts.i1!.number, initech, 'USD', 25_000, '2026-05-15');
  await db.orm.em.fork().transactional((tx) =>
    reverseJournalEntry(tx, {
      entryId: written.entryId,
      idempotencyKey: `invoice-${facts.i1!.id}:write-off:reversal`,
      effectiveDate: '2026-06-10',
    }),
  );
});

const AS_OF = [
  '2026-01-31',
  '2026-02-28',
  '2026-03-15',
  '2026-03-31',
  '2026-04-16',
  '2026-04-30',
  '2026-06-30',
  '2027-01-01',
];

it.each(AS_OF)(
  'as of %s the buckets sum to the ledger balance per currency and per customer (due and issue basis)',
  async (asOf) => {
    const ledger = await ledgerNet(asOf);
    for (const basis of ['due', 'issue'] as const) {
      const report = await agingReport(db.orm.em.fork(), { asOf, basis, bounds: [30, 60, 90] });
      expect(report).toMatchObject({ asOf, basis });
      expect(report.buckets.map((b) => b.key)).toEqual(['current', '1-30', '31-60', '61-90', '91+']);
      for (const currency of report.currencies) {
        const net = ledger.get(currency.currency) ?? { ar: 0, credit: 0 };
        expect(sum(currency.buckets)).toBe(currency.total);
        expect(currency.total).toBe(net.ar + net.credit);
        expect(currency.receivable).toBe(net.ar);
        expect(currency.credits).toBe(net.credit);
        for (const row of currency.customers) expect(sum(row.buckets)).toBe(row.total);
        expect(sum(currency.customers.map((c) => c.total))).toBe(currency.total);
      }
      // Every currency with a balance in the ledger appears in the report.
      for (const [currency, net] of ledger) {
        if (net.ar + net.credit !== 0 || net.ar !== 0)
          expect(report.currencies.map((c) => c.currency)).toContain(currency);
      }
    }
  },
);

it('the maintained open items agree with the ledger per customer, account and currency, and with their movements', async () => {
  const em = db.orm.em.fork();
  const disagreements = await em.execute(
    `WITH ledger AS (
       SELECT l.customer_id, l.account_code, l.currency, sum(l.debit - l.credit) AS balance
         FROM journal_line l JOIN ledger_account a ON a.code = l.account_code
        WHERE a.role IN ('accounts_receivable', 'customer_credit') GROUP BY 1, 2, 3
     ),
     items AS (SELECT customer_id, account_code, currency, sum(balance) AS balance FROM ar_open_item GROUP BY 1, 2, 3)
     SELECT * FROM ledger FULL JOIN items USING (customer_id, account_code, currency)
      WHERE coalesce(ledger.balance, 0) <> coalesce(items.balance, 0)`,
  );
  expect(disagreements).toEqual([]);
  const movementMismatches = await em.execute(
    `SELECT o.id FROM ar_open_item o LEFT JOIN (SELECT item_id, sum(amount) AS amount FROM ar_item_movement GROUP BY item_id) m ON m.item_id = o.id
      WHERE o.balance <> coalesce(m.amount, 0)`,
  );
  expect(movementMismatches).toEqual([]);
  // Every kind of posting in the data reached the items: payments, credit notes, a cancellation, write-offs, a reversal.
  const kinds = (await em.execute<{ kind: string }[]>('SELECT DISTINCT kind FROM ar_item_movement ORDER BY kind')).map(
    (r) => r.kind,
  );
  expect(kinds).toEqual(
    expect.arrayContaining(['invoice_issued', 'payment_applied', 'credit_note', 'write_off', 'reversal:write_off']),
  );
});

it('as of today or later the report reads the maintained items alone; a past date rewinds the movements, with the same answer', async () => {
  const plan = (asOf: string) =>
    withReportSession(db.orm.em.fork(), (client) => planAging(client, { asOf, basis: 'due', bounds: [30, 60, 90] }));
  expect((await plan('2027-01-01')).rewind).toBe(false);
  expect((await plan('2026-06-30')).rewind).toBe(false);
  expect((await plan('2026-06-09')).rewind).toBe(true);
  // Initech: written off on 05-15, reversed on 06-10; due 05-01.
  const initechAt = async (asOf: string) =>
    (await agingReport(db.orm.em.fork(), { asOf, basis: 'due', bounds: [30, 60, 90], customerId: initech }))
      .currencies[0]?.customers[0]?.buckets;
  expect(await initechAt('2026-05-10')).toEqual([0, 25_000, 0, 0, 0]);
  expect(await initechAt('2026-05-31')).toBeUndefined();
  expect(await initechAt('2026-06-30')).toEqual([0, 0, 25_000, 0, 0]);
});

it('a past as-of date shows what was open then, in the bucket it was in then', async () => {
  // 2026-03-15: a1 has 60,000 open (due 02-04: 39 days past due), a2 40,000 after its credit note (due 03-12: 3 days),
  // a3 30,000 (due 03-31: current), g1 70,000 (due 02-19: 24 days), e1 in EUR.
  const report = await agingReport(db.orm.em.fork(), {
    asOf: '2026-03-15',
    basis: 'due',
    bounds: [30, 60, 90],
    currency: 'USD',
  });
  const [usd] = report.currencies;
  expect(usd!.buckets).toEqual([30_000, 40_000 + 70_000, 60_000, 0, 0]);
  const rows = Object.fromEntries(usd!.customers.map((c) => [c.customerName, c.buckets]));
  expect(rows).toEqual({ 'Acme Corp': [30_000, 40_000, 60_000, 0, 0], Globex: [0, 70_000, 0, 0, 0] });

  // Later payments do not change it: the same as-of date after everything happened gives the same answer twice.
  expect(
    await agingReport(db.orm.em.fork(), { asOf: '2026-03-15', basis: 'due', bounds: [30, 60, 90], currency: 'USD' }),
  ).toEqual(report);
});

it('unapplied credit is aged by its posting date as a negative amount; closed items disappear', async () => {
  const report = await agingReport(db.orm.em.fork(), {
    asOf: '2026-06-30',
    basis: 'due',
    bounds: [30, 60, 90],
    customerId: globex,
  });
  // Globex: g1 paid (5,000 overpaid on 03-20, 102 days before), g2 cancelled.
  expect(report.currencies).toHaveLength(1);
  expect(report.currencies[0]!.customers).toEqual([
    expect.objectContaining({
      customerId: globex,
      buckets: [0, 0, 0, 0, -5_000],
      total: -5_000,
      receivable: 0,
      credits: -5_000,
    }),
  ]);
  const acmeNow = await agingReport(db.orm.em.fork(), {
    asOf: '2026-06-30',
    basis: 'due',
    bounds: [30, 60, 90],
    customerId: acme,
  });
  // Acme: a1 paid, a3 written off; a2 has 40,000 left, due 03-12 (110 days).
  expect(acmeNow.currencies[0]!.customers[0]).toMatchObject({ buckets: [0, 0, 0, 0, 40_000], total: 40_000 });
  const items = await customerOpenItems(db.orm.em.fork(), { customerId: acme, asOf: '2026-06-30' });
  expect(items).toEqual([
    expect.objectContaining({
      itemType: 'invoice',
      reference: facts.a2!.number,
      amount: 40_000,
      dueDate: '2026-03-12',
    }),
  ]);
});

it('custom buckets, the issue basis and the filters', async () => {
  const issue = await agingReport(db.orm.em.fork(), {
    asOf: '2026-02-28',
    basis: 'issue',
    bounds: [15, 45],
    currency: 'USD',
  });
  expect(issue.buckets.map((b) => b.key)).toEqual(['current', '1-15', '16-45', '46+']);
  // a1 60,000 issued 01-05 (54 days), a2 50,000 issued 02-10 (18 days), g1 70,000 issued 01-20 (39 days).
  expect(issue.currencies[0]!.buckets).toEqual([0, 0, 50_000 + 70_000, 60_000]);
  const eur = await agingReport(db.orm.em.fork(), { asOf: '2026-02-28', basis: 'due', bounds: [30], currency: 'EUR' });
  expect(eur.currencies.map((c) => [c.currency, c.buckets])).toEqual([['EUR', [40_000, 0, 0]]]);
  await db.orm.em.fork().execute(`UPDATE customer SET risk_segment = 'high' WHERE id = ?`, [globex]);
  const high = await agingReport(db.orm.em.fork(), {
    asOf: '2026-02-28',
    basis: 'due',
    bounds: [30, 60, 90],
    segment: 'high',
  });
  expect(high.currencies.flatMap((c) => c.customers.map((r) => r.customerId))).toEqual([globex]);
  const before = await agingReport(db.orm.em.fork(), { asOf: '2025-12-31', basis: 'due', bounds: [30, 60, 90] });
  expect(before.currencies).toEqual([]);
});

it('streams the rows through a cursor in small batches and as CSV with the same figures', async () => {
  const query = { asOf: '2026-03-15', basis: 'due', bounds: [30, 60, 90] } as const;
  const streamed = [];
  for await (const row of streamAgingRows(db.orm.em.fork(), query, 1)) streamed.push(row);
  const report = await agingReport(db.orm.em.fork(), query);
  expect(streamed).toEqual(report.currencies.flatMap((c) => c.customers));
  let csv = '';
  for await (const chunk of agingCsv(db.orm.em.fork(), query)) csv += chunk;
  const [header, ...rows] = csv.trim().split('\n');
  expect(header).toBe(
    'as_of,basis,currency,customer_id,customer_name,current,1-30,31-60,61-90,91+,total,receivable,credits',
  );
  expect(rows).toHaveLength(streamed.length);
  expect(rows).toContain(`2026-03-15,due,USD,${acme},Acme Corp,30000,40000,60000,0,0,130000,130000,0`);
});
