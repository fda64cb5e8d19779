// Issued invoices written straight to the database (the row plus its balanced issue entry), for customer tests that
// need open documents and receivable balances without going through the invoice workflow.
import { randomUUID } from 'node:crypto';
import type { Orm } from '../../src/db/orm.js';
import { postJournalEntry } from '../../src/ledger/store/post.js';

let sequence = 0;

export async function insertOpenInvoice(
  orm: Orm,
  input: {
    customerId: string;
    currency: string;
    issueDate: string;
    dueDate: string;
    amount: number;
    termsCode?: string;
  },
): Promise<string> {
  const id = randomUUID();
  await orm.em.fork().transactional(async (tx) => {
    const entry = await postJournalEntry(tx, {
      idempotencyKey: `test-invoice-${id}:issue`,
      kind: 'invoice_issued',
      effectiveDate: input.issueDate,
      sourceType: 'invoice',
      sourceId: id,
      lines: [
        {
          account: 'accounts_receivable',
          customerId: input.customerId,
          debit: input.amount,
          credit: 0,
          currency: input.currency,
        },
        { account: 'revenue', debit: 0, credit: input.amount, currency: input.currency },
      ],
    });
    await tx.execute(
      `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, terms_code, subtotal_amount, tax_amount, total_amount, open_amount, status, issue_entry_id)
       VALUES (?, ?, 'TEST', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 'issued', ?)`,
      [
        id,
        `TEST-${id}`,
        ++sequence + Math.floor(Math.random() * 1e9),
        input.customerId,
        input.currency,
        input.issueDate,
        input.dueDate,
        input.termsCode ?? null,
        input.amount,
        input.amount,
        input.amount,
        entry.entryId,
      ],
    );
  });
  return id;
}

/** A payment received but not applied: cash in, customer credit (what we owe the customer) up. */
export async function postCustomerCredit(
  orm: Orm,
  input: { customerId: string; currency: string; amount: number; date: string },
): Promise<void> {
  await orm.em.fork().transactional((tx) =>
    postJournalEntry(tx, {
      idempotencyKey: `test-credit-${randomUUID()}`,
      kind: 'payment_received',
      effectiveDate: input.date,
      sourceType: 'payment',
      sourceId: randomUUID(),
      lines: [
        { account: 'cash', debit: input.amount, credit: 0, currency: input.currency },
        {
          account: 'customer_credit',
          customerId: input.customerId,
          debit: 0,
          credit: input.amount,
          currency: input.currency,
        },
      ],
    }),
  );
}
