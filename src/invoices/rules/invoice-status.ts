// The invoice lifecycle as pure rules: which statuses are open, how a balance change or a timer moves the status.
// The database row is the record of truth; the invoice workflow and the API use these same rules.

/** `held`: issued and posted, but waiting for a credit override before it is delivered (exposure above the limit or the account on hold). */
export const INVOICE_STATUSES = [
  'held',
  'issued',
  'sent',
  'due',
  'overdue',
  'partially_paid',
  'paid',
  'disputed',
  'written_off',
  'cancelled',
] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const CLOSED_STATUSES: readonly InvoiceStatus[] = ['paid', 'cancelled', 'written_off'];
export const OPEN_STATUSES: readonly InvoiceStatus[] = INVOICE_STATUSES.filter((s) => !CLOSED_STATUSES.includes(s));

export function isOpenStatus(status: InvoiceStatus): boolean {
  return !CLOSED_STATUSES.includes(status);
}

export type BalanceCause = 'payment' | 'credit' | 'credit_note' | 'discount' | 'write_off' | 'reversal';

/**
 * Status after the open amount changed. At zero the invoice closes: `written_off` for a write-off, `cancelled` for a
 * cancellation (full credit before any payment), otherwise `paid` (settled by payments, credits, discounts or a credit
 * note for the rest). A part payment marks `partially_paid`, except that an overdue invoice stays `overdue` (it is still
 * past due, and collections keys on that). Credit notes that leave a balance do not change the status.
 */
export function statusAfterBalanceChange(input: {
  status: InvoiceStatus;
  openAmount: number;
  overdue: boolean;
  cause: BalanceCause;
  cancellation: boolean;
}): InvoiceStatus {
  if (input.openAmount === 0) {
    if (input.cause === 'write_off') return 'written_off';
    if (input.cancellation) return 'cancelled';
    return 'paid';
  }
  if (input.status === 'disputed') return 'disputed';
  // Money on a held invoice does not release it: only the credit override does.
  if (input.status === 'held') return 'held';
  if (input.cause === 'payment' || input.cause === 'credit' || input.cause === 'discount')
    return input.overdue ? 'overdue' : 'partially_paid';
  return input.status;
}

/** Statuses the timer-driven steps may move forward from; never touches closed or disputed invoices. */
export const TIMER_FLIPS = {
  sent: ['issued'],
  due: ['issued', 'sent'],
  overdue: ['issued', 'sent', 'due', 'partially_paid'],
} as const satisfies Record<string, readonly InvoiceStatus[]>;

/**
 * Status of an invoice whose open amount rose again (the payment that paid it was reversed). It is open again: still
 * `disputed` or `held` if it was; `overdue` if it had been past due (collections keys on that); otherwise as
 * delivered, part paid or not: the invoice workflow's overdue step moves it on when its due date has passed.
 */
export function statusAfterReopen(input: {
  status: InvoiceStatus;
  openAmount: number;
  totalAmount: number;
  overdue: boolean;
}): InvoiceStatus {
  if (input.status === 'disputed' || input.status === 'held') return input.status;
  if (input.overdue) return 'overdue';
  return input.openAmount < input.totalAmount ? 'partially_paid' : 'sent';
}
