// Issues invoices straight through the issuing service, for workflow and ledger tests that start workflows themselves.
import type { Orm } from '../../src/db/orm.js';
import { applyToInvoice } from '../../src/invoices/store/balance.js';
import { postJournalEntry } from '../../src/ledger/store/post.js';
import { insertInvoice, prepareInvoice, type IssueInvoiceRequest } from '../../src/invoices/store/issue.js';

export async function issueInvoiceDirectly(orm: Orm, request: IssueInvoiceRequest, today: string) {
  return orm.em.fork().transactional(async (tx) => {
    const prepared = await prepareInvoice(tx, request, { today, actor: 'test' });
    const stored = await insertInvoice(tx, prepared);
    return { ...stored, prepared };
  });
}

export const consultingLines = (currency: string) => [
  { description: 'Consulting, November', quantity: 10, unitPrice: { amount: 12_000, currency }, taxRate: '19' },
  { description: 'Travel expenses', quantity: 1.5, unitPrice: { amount: 3333, currency }, taxRate: '7' },
];

/**
 * What the payments side commits for a payment on one invoice: Dr cash / Cr AR and the invoice's lower open amount,
 * in one transaction. The signals that follow are the caller's (a test of a lost signal sends none).
 */
export async function commitPaymentDirectly(
  orm: Orm,
  input: {
    invoiceId: string;
    customerId: string;
    amount: number;
    currency: string;
    key: string;
    effectiveDate: string;
  },
) {
  const { invoiceId, customerId, amount, currency, key, effectiveDate } = input;
  return orm.em.fork().transactional(async (tx) => {
    await postJournalEntry(tx, {
      idempotencyKey: key,
      kind: 'payment_applied',
      effectiveDate,
      sourceType: 'payment',
      sourceId: key,
      lines: [
        { account: 'cash', debit: amount, credit: 0, currency },
        { account: 'accounts_receivable', customerId, debit: 0, credit: amount, currency },
      ],
    });
    return applyToInvoice(tx, { invoiceId, amount, cause: 'payment', source: `payment:${key}` });
  });
}
