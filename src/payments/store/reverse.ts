// A payment the bank takes back (a returned cheque or direct debit, a card chargeback): every journal entry the
// payment posted is reversed (its allocations, discounts, the credit it left), the invoices it paid are open again
// for what it paid, and the payment is `reversed`. One transaction, like the application it undoes: the payment row
// lock serializes it against a later allocation, the invoice locks against other payments on the same invoices.
import type { EntityManager } from '@mikro-orm/postgresql';
import { pastDueFrom, type AgeableInvoice } from '../../invoices/rules/invoice-age.js';
import { recordEvent } from '../../events/store/outbox.js';
import { InvoiceClosedError, reopenInvoice, type AppliedChange } from '../../invoices/store/balance.js';
import { reverseJournalEntry } from '../../ledger/store/post.js';
import type { OpenAgain } from '../../temporal/invoice-lifecycle.js';
import { PaymentNotFoundError } from './apply.js';
import { allocationsOf, findPayment } from './payments.js';

export class ReversalRefusedError extends Error {
  constructor(
    readonly status: 409,
    readonly pointer: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'ReversalRefusedError';
  }
}

/** An invoice open again, with what its workflow needs to pick up its lifecycle where the row says it is. */
/** An invoice a reversal opened again: what its workflow resumes from, and its number for the answer. */
export type ReopenedInvoice = OpenAgain & { number: string; change: AppliedChange['signal'] };

export interface PaymentReversal {
  paymentId: string;
  customerId: string | null;
  reversedOn: string;
  reason: string;
  reversedEntries: number;
  invoices: ReopenedInvoice[];
}

export async function reversePayment(
  em: EntityManager,
  input: { paymentId: string; reason: string; reversedOn: string; actor: string },
): Promise<PaymentReversal> {
  return em.transactional(async (tx) => {
    const payment = await findPayment(tx, input.paymentId, { lock: true });
    if (!payment) throw new PaymentNotFoundError(input.paymentId);
    if (payment.status === 'reversed') throw new ReversalRefusedError(409, '/', 'the payment was reversed already');
    if (!payment.appliedAt)
      throw new ReversalRefusedError(
        409,
        '/',
        'the payment is still being applied; reverse it once its application has finished',
      );
    const source = `payment:${payment.id}:reversal`;

    // Every entry the payment posted, oldest first; reversing all of them takes back exactly what it did.
    const entries = await tx.execute<{ id: string }[]>(
      `SELECT e.id FROM journal_entry e WHERE e.source_type = 'payment' AND e.source_id = ? AND e.kind <> 'reversal'
          AND NOT EXISTS (SELECT 1 FROM journal_entry r WHERE r.reverses_entry_id = e.id) ORDER BY e.seq`,
      [payment.id],
    );
    for (const entry of entries) {
      await reverseJournalEntry(tx, {
        entryId: entry.id,
        idempotencyKey: `payment-${payment.id}:reversal:${entry.id}`,
        effectiveDate: input.reversedOn,
        description: `Payment ${payment.id} reversed: ${input.reason}`,
      });
    }

    // What each invoice had from the payment (cash, credit and discount alike) goes back onto it, in id order (locks).
    const perInvoice = new Map<string, number>();
    for (const a of await allocationsOf(tx, [payment.id]))
      perInvoice.set(a.invoiceId, (perInvoice.get(a.invoiceId) ?? 0) + a.amount + a.discountAmount);
    const changes: AppliedChange[] = [];
    for (const [invoiceId, amount] of [...perInvoice].sort(([a], [b]) => a.localeCompare(b))) {
      if (amount === 0) continue;
      try {
        changes.push(await reopenInvoice(tx, { invoiceId, amount, source }));
      } catch (error) {
        if (error instanceof InvoiceClosedError)
          throw new ReversalRefusedError(409, '/', `invoice ${invoiceId} is ${error.status} since; undo that first`);
        throw error;
      }
    }
    const invoices = await reopenedRows(tx, changes);

    await tx.execute(`UPDATE payment SET status = 'reversed', version = version + 1, updated_at = now() WHERE id = ?`, [
      payment.id,
    ]);
    await recordEvent(tx, {
      type: 'payment.reversed',
      entityType: 'payment',
      entityId: payment.id,
      customerId: payment.customerId,
      actor: input.actor,
      data: {
        reason: input.reason,
        reversedOn: input.reversedOn,
        amount: { amount: payment.amount, currency: payment.currency },
        invoices: invoices.map((i) => ({
          id: i.invoiceId,
          number: i.number,
          openAmount: { amount: i.openAmount, currency: i.currency },
          status: i.status,
        })),
      },
    });
    return {
      paymentId: payment.id,
      customerId: payment.customerId,
      reversedOn: input.reversedOn,
      reason: input.reason,
      reversedEntries: entries.length,
      invoices,
    };
  });
}

async function reopenedRows(tx: EntityManager, changes: readonly AppliedChange[]): Promise<ReopenedInvoice[]> {
  if (changes.length === 0) return [];
  const rows = await tx.execute<
    { id: string; number: string; total_amount: string; due_date: string; instalments: AgeableInvoice['instalments'] }[]
  >(
    `SELECT id, number, total_amount, to_char(due_date, 'YYYY-MM-DD') AS due_date, instalments FROM invoice WHERE id = ANY (?::uuid[])`,
    [`{${changes.map((c) => c.invoiceId).join(',')}}`],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return changes.map((c) => {
    const row = byId.get(c.invoiceId)!;
    const totalAmount = Number(row.total_amount);
    const ageable = { dueDate: row.due_date, totalAmount, openAmount: c.openAmount, instalments: row.instalments };
    return {
      invoiceId: c.invoiceId,
      number: row.number,
      customerId: c.customerId,
      currency: c.currency,
      totalAmount,
      openAmount: c.openAmount,
      status: c.status,
      dueDate: row.due_date,
      ...((row.instalments?.length ?? 0) > 1 ? { pastDueFrom: pastDueFrom(ageable) } : {}),
      change: c.signal,
    };
  });
}
