// Bank statement import through the real app: payments created once per bank entry however often a file arrives,
// cash application on each, and hostile or malformed files refused with problem+json and nothing stored.
import { bankFixture as fixture } from '../support/bank-fixtures.js';
import { customerAccountBalance } from '../../src/ledger/store/queries.js';
import { insertCustomer } from '../support/customers.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { appliedPayment, invoiceRow, issueInvoice } from '../support/payments.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const importFile = (body: string, contentType: string, query = '') =>
  engine.app.inject({
    method: 'POST',
    url: `/bank-statements${query}`,
    headers: { 'content-type': contentType },
    payload: body,
  });
const count = async (sql: string) => Number((await engine.db.orm.em.fork().execute<{ n: string }[]>(sql))[0]!.n);

it('imports a camt.053 file once: the second import creates nothing, and each payment is cash-applied', async () => {
  const customer = await insertCustomer(engine.db.orm, { currency: 'USD' });
  const invoice = await issueInvoice(engine, { customerId: customer.id, total: 123_450 });
  // The statement's first entry says "Payment INV-CAMT-0001": point it at the invoice just issued.
  const xml = fixture('camt053-basic.xml').replace('INV-CAMT-0001', invoice.number);

  const first = await importFile(xml, 'application/xml');
  expect(first.statusCode).toBe(201);
  expect(first.json()).toMatchObject({
    created: true,
    format: 'camt053',
    account: 'DE89370400440532013000',
    currency: 'USD',
    counts: { entries: 4, created: 3, duplicates: 0, skipped: 1 },
  });
  const again = await importFile(xml, 'application/xml');
  expect(again.statusCode).toBe(200);
  expect(again.json()).toMatchObject({ id: first.json().id, created: false, counts: { created: 3 } });
  expect(again.json().entries.map((e: { paymentId: string }) => e.paymentId)).toEqual(
    first.json().entries.map((e: { paymentId: string }) => e.paymentId),
  );
  expect(await count('SELECT count(*) AS n FROM payment')).toBe(3);
  expect(await count('SELECT count(*) AS n FROM bank_statement')).toBe(1);

  // The same entries inside another file (e.g. a re-sent statement with a new header) are duplicates too.
  const resent = await importFile(xml.replace('MSG-20261120-001', 'MSG-20261120-002'), 'application/xml');
  expect(resent.statusCode).toBe(201);
  expect(resent.json().counts).toEqual({ entries: 4, created: 0, duplicates: 3, skipped: 1 });
  expect(await count('SELECT count(*) AS n FROM payment')).toBe(3);

  // The reference "Payment INV-CAMT-0001" identifies the payer and settles the invoice.
  const paymentId = first.json().entries[0].paymentId as string;
  const payment = await appliedPayment(engine, paymentId);
  expect(payment).toMatchObject({
    customerId: customer.id,
    status: 'applied',
    source: 'bank_statement',
    counterparty: { name: 'Acme Corp', iban: 'GB29NWBK60161331926819' },
  });
  expect(payment.allocations).toEqual([expect.objectContaining({ invoiceId: invoice.id, rule: 'reference' })]);
  expect(await invoiceRow(engine.db.orm, invoice.id)).toEqual({ openAmount: 0, status: 'paid' });
  expect(await customerAccountBalance(engine.db.orm.em.fork(), customer.id, 'accounts_receivable', 'USD')).toBe(0);
  // The batch payments name no known invoice: their cash waits as unapplied cash.
  const others = await Promise.all(
    first
      .json()
      .entries.slice(2)
      .map((e: { paymentId: string }) => appliedPayment(engine, e.paymentId)),
  );
  expect(others.map((p) => [p.amount.amount, p.status, p.unappliedHeldAs])).toEqual([
    [10_025, 'unapplied', 'unapplied_cash'],
    [19_975, 'unapplied', 'unapplied_cash'],
  ]);
});

it('imports a CSV export idempotently, with identical rows kept apart', async () => {
  const csv = fixture('statement.csv');
  const first = await importFile(csv, 'text/csv', '?currency=USD&method=ach');
  expect(first.statusCode).toBe(201);
  expect(first.json().counts).toEqual({ entries: 4, created: 3, duplicates: 0, skipped: 1 });
  const again = await importFile(csv, 'text/csv', '?currency=USD&method=ach');
  expect([again.statusCode, again.json().created]).toEqual([200, false]);
  const rows = await engine.db.orm.em
    .fork()
    .execute<
      { method: string; amount: string }[]
    >(`SELECT method, amount FROM payment WHERE source_key LIKE 'bank:unknown-account:%' ORDER BY amount`);
  expect(rows.map((r) => [r.method, Number(r.amount)])).toEqual([
    ['ach', 7_500],
    ['ach', 7_500],
    ['ach', 123_450],
  ]);
});

it.each<[string, string, string, number, string]>([
  ['entity declarations', 'camt053-billion-laughs.xml', 'application/xml', 400, '/'],
  ['a truncated file', 'camt053-truncated.xml', 'text/xml', 400, '/'],
  [
    'an entry in another currency than the account',
    'camt053-wrong-currency.xml',
    'application/xml',
    422,
    '/Document/BkToCstmrStmt/Stmt/0/Ntry/0/Amt/@Ccy',
  ],
])('refuses %s with problem+json and stores nothing', async (_name, file, contentType, status, pointer) => {
  const before = await count('SELECT count(*) AS n FROM bank_statement');
  const res = await importFile(fixture(file), contentType);
  expect([res.statusCode, res.headers['content-type']]).toEqual([status, 'application/problem+json; charset=utf-8']);
  expect(res.json().errors[0].pointer).toBe(pointer);
  expect(await count('SELECT count(*) AS n FROM bank_statement')).toBe(before);
});

it('refuses other media types, empty bodies and a currency the account is not in', async () => {
  expect((await importFile('%PDF-1.7', 'application/pdf')).statusCode).toBe(415);
  expect((await importFile('', 'text/csv')).statusCode).toBe(400);
  const wrong = await importFile(
    fixture('camt053-basic.xml').replace(/BANKREF/g, 'OTHERREF'),
    'application/xml',
    '?currency=EUR',
  );
  expect(wrong.statusCode).toBe(422);
  expect(wrong.json().errors[0]).toMatchObject({ pointer: '/currency', in: 'query' });
  const csvWrong = await importFile('booking_date,amount,currency\n2026-11-20,1.00,USD\n', 'text/csv', '?currency=EUR');
  expect([csvWrong.statusCode, csvWrong.json().errors[0].pointer]).toEqual([422, '/rows/0/currency']);
});
