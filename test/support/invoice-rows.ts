// Open invoices for payment tests, stored the way issuing stores them (the row plus its balanced `invoice-<id>:issue`
// entry, Dr receivable / Cr revenue) without going through the invoice API or workflow.
import { randomUUID } from 'node:crypto';
import type { Orm } from '../../src/db/orm.js';
import { postJournalEntry } from '../../src/ledger/post.js';

let sequence = 0;

export interface SeededInvoice {
  id: string;
  number: string;
  customerId: string;
  total: number;
}

export async function seedInvoice(
  orm: Orm,
  input: { customerId: string; total: number; currency?: string; number?: string; issueDate?: string; dueDate?: string; discount?: { deadline: string; amount: number } },
): Promise<SeededInvoice> {
  const id = randomUUID();
  const seq = ++sequence;
  const number = input.number ?? `INV-T${process.pid}-${String(seq).padStart(5, '0')}`;
  const currency = input.currency ?? 'USD';
  const issueDate = input.issueDate ?? '2026-11-01';
  await orm.em.fork().transactional(async (tx) => {
    const entry = await postJournalEntry(tx, {
      idempotencyKey: `invoice-${id}:issue`,
      kind: 'invoice_issued',
      effectiveDate: issueDate,
      sourceType: 'invoice',
      sourceId: id,
      lines: [
        { account: 'accounts_receivable', customerId: input.customerId, debit: input.total, credit: 0, currency },
        { account: 'revenue', debit: 0, credit: input.total, currency },
      ],
    });
    await tx.execute(
      `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, subtotal_amount, tax_amount, total_amount,
                            open_amount, discount_deadline, discount_amount, issue_entry_id)
       VALUES (?, ?, 'TEST', ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
      [id, number, process.pid * 100_000 + seq, input.customerId, currency, issueDate, input.dueDate ?? '2026-12-01', input.total, input.total, input.total,
        input.discount?.deadline ?? null, input.discount?.amount ?? null, entry.entryId],
    );
  });
  return { id, number, customerId: input.customerId, total: input.total };
}

export async function invoiceRow(orm: Orm, id: string): Promise<{ openAmount: number; status: string }> {
  const [row] = await orm.em.fork().execute<{ open_amount: string; status: string }[]>('SELECT open_amount, status FROM invoice WHERE id = ?', [id]);
  return { openAmount: Number(row!.open_amount), status: row!.status };
}
