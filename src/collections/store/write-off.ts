// Writing off what collections could not recover, and booking money that arrives later. A write-off posts Dr bad-debt
// expense / Cr accounts receivable for the invoice's open amount and closes it as `written_off` through
// `applyToInvoice` (cause write_off) in one transaction. A later recovery posts Dr cash / Cr bad-debt recovery: the
// receivable is gone, so the money is income, limited to what was written off.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isOpenStatus } from '../../invoices/rules/invoice-status.js';
import { recordEvent } from '../../events/store/outbox.js';
import { applyToInvoice, lockInvoice, type AppliedChange } from '../../invoices/store/balance.js';
import { postJournalEntry } from '../../ledger/store/post.js';

export interface WriteOffInput {
  invoiceId: string;
  /** Journal key (collection workflow id + write-off step + invoice). */
  idempotencyKey: string;
  approvedBy: string;
  taskId: string | null;
  effectiveDate: string;
}

/** Writes the invoice off, or returns undefined when it is already closed or disputed (nothing written). */
export async function writeOffInvoice(em: EntityManager, input: WriteOffInput): Promise<AppliedChange | undefined> {
  return em.transactional(async (tx) => {
    const invoice = await lockInvoice(tx, input.invoiceId);
    if (!isOpenStatus(invoice.status) || invoice.status === 'disputed' || invoice.openAmount === 0) return undefined;
    const amount = invoice.openAmount;
    const posted = await postJournalEntry(tx, {
      idempotencyKey: input.idempotencyKey,
      kind: 'write_off',
      effectiveDate: input.effectiveDate,
      sourceType: 'invoice',
      sourceId: invoice.id,
      description: `Write-off of ${invoice.number} (bad debt)`,
      lines: [
        { account: 'bad_debt_expense', debit: amount, credit: 0, currency: invoice.currency, memo: invoice.number },
        {
          account: 'accounts_receivable',
          customerId: invoice.customerId,
          debit: 0,
          credit: amount,
          currency: invoice.currency,
          memo: invoice.number,
        },
      ],
    });
    if (!posted.created) return undefined;
    const applied = await applyToInvoice(tx, {
      invoiceId: invoice.id,
      amount,
      cause: 'write_off',
      source: `write-off:${input.idempotencyKey}`,
      actor: input.approvedBy,
    });
    await tx.execute(
      `INSERT INTO write_off (id, invoice_id, customer_id, currency, amount, entry_id, approved_by, task_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        randomUUID(),
        invoice.id,
        invoice.customerId,
        invoice.currency,
        amount,
        posted.entryId,
        input.approvedBy,
        input.taskId,
      ],
    );
    await recordEvent(tx, {
      type: 'invoice.written_off',
      entityType: 'invoice',
      entityId: invoice.id,
      customerId: invoice.customerId,
      actor: input.approvedBy,
      data: { number: invoice.number, amount: { amount, currency: invoice.currency }, taskId: input.taskId },
      dedupeKey: input.idempotencyKey,
    });
    return applied;
  });
}

export class RecoveryRefusedError extends Error {
  constructor(
    readonly status: 404 | 422,
    readonly pointer: string,
    message: string,
  ) {
    super(message);
    this.name = 'RecoveryRefusedError';
  }
}

export interface Recovery {
  id: string;
  invoiceId: string;
  amount: number;
  currency: string;
  recoveredTotal: number;
  writtenOff: number;
  entryId: string;
}

/** Books money received for a written-off invoice: Dr cash / Cr bad-debt recovery, up to the amount written off. */
export async function recordRecovery(
  em: EntityManager,
  input: {
    customerId: string;
    invoiceId: string;
    amount: number;
    currency: string;
    receivedOn: string;
    reference: string | null;
    by: string;
    idempotencyKey: string;
  },
): Promise<Recovery> {
  return em.transactional(async (tx) => {
    const [w] = await tx.execute<
      { id: string; amount: string; recovered_amount: string; currency: string; number: string }[]
    >(
      `SELECT w.id, w.amount, w.recovered_amount, w.currency, i.number FROM write_off w JOIN invoice i ON i.id = w.invoice_id
        WHERE w.invoice_id = ? AND w.customer_id = ? FOR UPDATE OF w`,
      [input.invoiceId, input.customerId],
    );
    if (!w)
      throw new RecoveryRefusedError(
        404,
        '/invoiceId',
        `invoice ${input.invoiceId} of this customer was not written off`,
      );
    if (input.currency !== w.currency)
      throw new RecoveryRefusedError(422, '/amount/currency', `must be ${w.currency}, the currency of the write-off`);
    const left = Number(w.amount) - Number(w.recovered_amount);
    if (input.amount > left)
      throw new RecoveryRefusedError(422, '/amount/amount', `is above what is still written off (${left})`);
    const posted = await postJournalEntry(tx, {
      idempotencyKey: input.idempotencyKey,
      kind: 'bad_debt_recovery',
      effectiveDate: input.receivedOn,
      sourceType: 'write_off',
      sourceId: w.id,
      description: `Recovery of written-off ${w.number}${input.reference ? ` (${input.reference})` : ''}`,
      lines: [
        { account: 'cash', debit: input.amount, credit: 0, currency: w.currency, memo: w.number },
        { account: 'bad_debt_recovery', debit: 0, credit: input.amount, currency: w.currency, memo: w.number },
      ],
    });
    const id = randomUUID();
    await tx.execute(
      `INSERT INTO write_off_recovery (id, write_off_id, amount, entry_id, received_on, reference, by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [id, w.id, input.amount, posted.entryId, input.receivedOn, input.reference, input.by],
    );
    await tx.execute('UPDATE write_off SET recovered_amount = recovered_amount + ? WHERE id = ?', [input.amount, w.id]);
    return {
      id,
      invoiceId: input.invoiceId,
      amount: input.amount,
      currency: w.currency,
      recoveredTotal: Number(w.recovered_amount) + input.amount,
      writtenOff: Number(w.amount),
      entryId: posted.entryId,
    };
  });
}
