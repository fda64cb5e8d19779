// The invoice side of every change to what a customer owes on an invoice (payment allocation, credit note, discount,
// write-off). Callers run it inside the transaction that posts the matching journal entry, so the document and the
// ledger change together; the row lock serializes concurrent allocations to the same invoice.
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  isOpenStatus,
  statusAfterBalanceChange,
  statusAfterReopen,
  type InvoiceStatus,
} from '../rules/invoice-status.js';
import type { InvoiceBalanceChange } from '../../../workflows/invoices/messages.js';
import { recordEvent, type EventType } from '../../events/store/outbox.js';

export class InvoiceNotFoundError extends Error {
  constructor(readonly invoiceId: string) {
    super(`invoice ${invoiceId} does not exist`);
    this.name = 'InvoiceNotFoundError';
  }
}

export class InvoiceClosedError extends Error {
  constructor(
    readonly invoiceId: string,
    readonly status: InvoiceStatus,
  ) {
    super(`invoice ${invoiceId} is ${status}: nothing more can be applied to it`);
    this.name = 'InvoiceClosedError';
  }
}

export class AmountExceedsOpenError extends Error {
  constructor(
    readonly invoiceId: string,
    readonly amount: number,
    readonly openAmount: number,
  ) {
    super(`amount ${amount} exceeds the open amount ${openAmount} of invoice ${invoiceId}`);
    this.name = 'AmountExceedsOpenError';
  }
}

export interface LockedInvoice {
  id: string;
  number: string;
  customerId: string;
  currency: string;
  status: InvoiceStatus;
  totalAmount: number;
  openAmount: number;
  creditedAmount: number;
  subtotalAmount: number;
  taxAmount: number;
  issueEntryId: string;
  discountDeadline: string | null;
  discountAmount: number | null;
  overdueSince: string | null;
  version: number;
}

/** Reads and row-locks an invoice until the caller's transaction ends (`SELECT ... FOR UPDATE`). */
export async function lockInvoice(em: EntityManager, invoiceId: string): Promise<LockedInvoice> {
  const [row] = await em.execute<Record<string, string | number | null>[]>(
    `SELECT id, number, customer_id, currency, status, total_amount, open_amount, credited_amount, subtotal_amount, tax_amount,
            issue_entry_id, to_char(discount_deadline, 'YYYY-MM-DD') AS discount_deadline, discount_amount,
            to_char(overdue_since, 'YYYY-MM-DD') AS overdue_since, version
       FROM invoice WHERE id = ? FOR UPDATE`,
    [invoiceId],
  );
  if (!row) throw new InvoiceNotFoundError(invoiceId);
  return {
    id: String(row.id),
    number: String(row.number),
    customerId: String(row.customer_id),
    currency: String(row.currency),
    status: row.status as InvoiceStatus,
    totalAmount: Number(row.total_amount),
    openAmount: Number(row.open_amount),
    creditedAmount: Number(row.credited_amount),
    subtotalAmount: Number(row.subtotal_amount),
    taxAmount: Number(row.tax_amount),
    issueEntryId: String(row.issue_entry_id),
    discountDeadline: (row.discount_deadline as string | null) ?? null,
    discountAmount: row.discount_amount === null ? null : Number(row.discount_amount),
    overdueSince: (row.overdue_since as string | null) ?? null,
    version: Number(row.version),
  };
}

export interface AppliedChange {
  invoiceId: string;
  customerId: string;
  currency: string;
  openAmount: number;
  status: InvoiceStatus;
  /** What to send with `invoiceBalanceChangedSignal` to `invoice-<id>` after the transaction commits. */
  signal: InvoiceBalanceChange;
}

/**
 * Lowers the open amount of an invoice by `amount` (minor units, > 0) and moves its status: to `paid` (or
 * `written_off`/`cancelled`) at zero, to `partially_paid` after a part payment unless it is already overdue.
 * Must run in the transaction that posts the matching journal entry. Throws the typed errors above on refusal.
 */
export async function applyToInvoice(
  em: EntityManager,
  input: {
    invoiceId: string;
    amount: number;
    cause: InvoiceBalanceChange['cause'];
    source: string;
    cancellation?: boolean;
    actor?: string;
  },
): Promise<AppliedChange> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
    throw new RangeError(`amount must be a positive integer of minor units, got ${input.amount}`);
  const invoice = await lockInvoice(em, input.invoiceId);
  if (!isOpenStatus(invoice.status)) throw new InvoiceClosedError(invoice.id, invoice.status);
  if (input.amount > invoice.openAmount) throw new AmountExceedsOpenError(invoice.id, input.amount, invoice.openAmount);
  const openAmount = invoice.openAmount - input.amount;
  const status = statusAfterBalanceChange({
    status: invoice.status,
    openAmount,
    overdue: invoice.overdueSince !== null,
    cause: input.cause,
    cancellation: input.cancellation ?? false,
  });
  await em.execute(
    `UPDATE invoice SET open_amount = ?, status = ?, credited_amount = credited_amount + ?,
            closed_at = CASE WHEN ? = 0 THEN now() ELSE closed_at END, version = version + 1, updated_at = now()
      WHERE id = ?`,
    [openAmount, status, input.cause === 'credit_note' ? input.amount : 0, openAmount, invoice.id],
  );
  // The closing change is an event of its own; a write-off records `invoice.written_off` where it is decided.
  const closing: Partial<Record<InvoiceStatus, EventType>> = { paid: 'invoice.paid', cancelled: 'invoice.cancelled' };
  const type = status !== invoice.status ? closing[status] : undefined;
  if (type) {
    await recordEvent(em, {
      type,
      entityType: 'invoice',
      entityId: invoice.id,
      customerId: invoice.customerId,
      actor: input.actor ?? null,
      data: {
        number: invoice.number,
        total: { amount: invoice.totalAmount, currency: invoice.currency },
        lastChange: { cause: input.cause, source: input.source, amount: input.amount },
      },
    });
  }
  return appliedChange(invoice, { openAmount, status, cause: input.cause, source: input.source });
}

/**
 * Raises the open amount of an invoice by `amount` again, because money that lowered it was taken back (a reversed
 * payment): a paid invoice is open again (`statusAfterReopen`). Must run in the transaction that posts the reversing
 * journal entry. An invoice since cancelled or written off is refused (`InvoiceClosedError`): that decision would
 * have to be undone first.
 */
export async function reopenInvoice(
  em: EntityManager,
  input: { invoiceId: string; amount: number; source: string },
): Promise<AppliedChange> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
    throw new RangeError(`amount must be a positive integer of minor units, got ${input.amount}`);
  const invoice = await lockInvoice(em, input.invoiceId);
  if (invoice.status === 'cancelled' || invoice.status === 'written_off')
    throw new InvoiceClosedError(invoice.id, invoice.status);
  const openAmount = invoice.openAmount + input.amount;
  if (openAmount > invoice.totalAmount)
    throw new RangeError(`reopening invoice ${invoice.id} by ${input.amount} exceeds its total ${invoice.totalAmount}`);
  const status = statusAfterReopen({
    status: invoice.status,
    openAmount,
    totalAmount: invoice.totalAmount,
    overdue: invoice.overdueSince !== null,
  });
  await em.execute(
    'UPDATE invoice SET open_amount = ?, status = ?, closed_at = NULL, version = version + 1, updated_at = now() WHERE id = ?',
    [openAmount, status, invoice.id],
  );
  return appliedChange(invoice, { openAmount, status, cause: 'reversal', source: input.source });
}

/** What a balance change answers: the invoice's new open amount and status, and the signal its workflow gets. */
function appliedChange(
  invoice: { id: string; customerId: string; currency: string },
  change: { openAmount: number; status: InvoiceStatus; cause: AppliedChange['signal']['cause']; source: string },
): AppliedChange {
  const { openAmount, status, cause, source } = change;
  return {
    invoiceId: invoice.id,
    customerId: invoice.customerId,
    currency: invoice.currency,
    openAmount,
    status,
    signal: { openAmount, cause, source, status },
  };
}
