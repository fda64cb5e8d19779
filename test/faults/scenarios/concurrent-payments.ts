// A race on one invoice: 50 payments that each name it in their remittance arrive at once. Cash application runs them
// concurrently (one workflow per payment); the invoice must end exactly settled, never over-applied, and everything
// beyond its total must sit on the customer's credit.
import { accountFor } from '../../../src/reports/rules/chart.js';
import {
  allPaymentsSettled,
  beginScenario,
  createCustomer,
  finishScenario,
  issueInvoice,
  paymentBody,
  postPayment,
} from '../support/business.js';
import type { Stand } from '../support/stand.js';

export async function concurrentPaymentsOnOneInvoice(stand: Stand): Promise<void> {
  const run = beginScenario(stand, '5. 50 concurrent payments against one invoice');
  const customerId = await createCustomer(stand);
  const invoice = await issueInvoice(stand, { customerId, total: 100_000 });
  const each = 5_000; // 50 x 5,000 = 250,000: the invoice takes 100,000, 150,000 is credit
  const ids = await Promise.all(
    Array.from({ length: 50 }, (_, i) => postPayment(stand, paymentBody(customerId, each, invoice, `race ${i}`))),
  );
  expect(new Set(ids).size).toBe(50);
  await allPaymentsSettled(stand, 180_000);

  const [row] = await stand.sql<{ open_amount: string; status: string; applied: string }>(
    `SELECT i.open_amount, i.status, (SELECT coalesce(sum(amount + discount_amount), 0) FROM payment_allocation WHERE invoice_id = i.id) AS applied FROM invoice i WHERE i.id = ?`,
    [invoice.id],
  );
  expect({ open: Number(row!.open_amount), status: row!.status, applied: Number(row!.applied) }).toEqual({
    open: 0,
    status: 'paid',
    applied: invoice.total,
  });
  const [{ unapplied }] = await stand.sql<{ unapplied: string }>(
    'SELECT coalesce(sum(unapplied_amount), 0) AS unapplied FROM payment WHERE id = ANY(?::uuid[])',
    [`{${ids.join(',')}}`],
  );
  expect(Number(unapplied)).toBe(50 * each - invoice.total);
  const [{ credit }] = await stand.sql<{ credit: string }>(
    'SELECT coalesce(sum(credit - debit), 0) AS credit FROM journal_line WHERE account_code = ? AND customer_id = ?',
    [accountFor('customer_credit').code, customerId],
  );
  expect(Number(credit)).toBe(50 * each - invoice.total);
  await finishScenario(stand, run, { operations: 52 });
}
