// Duplicates: the same POST /payments and POST /invoices sent 5 times at once with one Idempotency-Key (a client
// retrying over a flaky network) have one effect and get identical answers; the same key with another body is a 422
// that changes nothing.
import { randomUUID } from 'node:crypto';
import {
  allPaymentsSettled,
  beginScenario,
  createCustomer,
  finishScenario,
  issueInvoice,
  paymentBody,
} from '../support/business.js';
import type { Stand } from '../support/stand.js';

export async function idempotentDuplicates(stand: Stand): Promise<void> {
  const run = beginScenario(
    stand,
    '4. one Idempotency-Key sent 5x at once (POST /payments, POST /invoices), then with another body',
  );
  const count = async (table: string) =>
    Number((await stand.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
  let operations = 0;
  const customerId = await createCustomer(stand);
  const invoice = await issueInvoice(stand, { customerId, total: 50_000 });
  operations += 2;

  const invoiceKey = randomUUID();
  const invoiceBody = {
    customerId,
    lines: [{ description: 'Licence', quantity: 2, unitPrice: { amount: 12_345, currency: 'USD' } }],
  };
  const invoicesBefore = await count('invoice');
  const invoiceAnswers = await Promise.all(
    Array.from({ length: 5 }, () => stand.http('POST', '/invoices', { body: invoiceBody, idempotencyKey: invoiceKey })),
  );
  operations += 5;
  expect(invoiceAnswers.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
  expect(new Set(invoiceAnswers.map((r) => r.text)).size).toBe(1);
  expect(await count('invoice')).toBe(invoicesBefore + 1);

  const paymentKey = randomUUID();
  const body = paymentBody(customerId, 20_000, invoice, 'one payment sent five times');
  const paymentsBefore = await count('payment');
  const paymentAnswers = await Promise.all(
    Array.from({ length: 5 }, () => stand.http('POST', '/payments', { body, idempotencyKey: paymentKey })),
  );
  operations += 5;
  expect(paymentAnswers.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
  expect(new Set(paymentAnswers.map((r) => r.text)).size).toBe(1);
  expect(await count('payment')).toBe(paymentsBefore + 1);

  // The same keys with another body: 422 naming the header, and nothing is created (measured once the one payment
  // has been applied, so cash application's own postings do not count).
  await allPaymentsSettled(stand, 60_000);
  const entriesBefore = await count('journal_entry');
  const otherPayment = await stand.http('POST', '/payments', {
    body: { ...body, amount: { amount: 20_001, currency: 'USD' } },
    idempotencyKey: paymentKey,
  });
  const otherInvoice = await stand.http('POST', '/invoices', {
    body: { ...invoiceBody, lines: [{ ...invoiceBody.lines[0], quantity: 3 }] },
    idempotencyKey: invoiceKey,
  });
  operations += 2;
  for (const res of [otherPayment, otherInvoice]) {
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.errors).toEqual([expect.objectContaining({ pointer: '/idempotency-key' })]);
  }
  expect([await count('payment'), await count('invoice'), await count('journal_entry')]).toEqual([
    paymentsBefore + 1,
    invoicesBefore + 1,
    entriesBefore,
  ]);

  // A replay after the first answer completed is the same answer again, marked as replayed.
  const later = await stand.http('POST', '/payments', { body, idempotencyKey: paymentKey });
  operations += 1;
  expect([later.status, later.text, later.headers.get('idempotent-replayed')]).toEqual([
    201,
    paymentAnswers[0]!.text,
    'true',
  ]);

  await allPaymentsSettled(stand, 60_000);
  const payment = (await stand.http('GET', `/payments/${paymentAnswers[0]!.json.id}`)).json;
  expect(payment.allocations).toEqual([
    expect.objectContaining({ invoiceId: invoice.id, amount: { amount: 20_000, currency: 'USD' } }),
  ]);
  await finishScenario(stand, run, { operations });
}
