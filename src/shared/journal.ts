// Pure rules for journal entries: every entry balances per currency, amounts are positive integer minor units,
// and a correction is a reversal (the same lines with debit and credit swapped), never an edit.
import type { AccountRole } from '../reports/rules/chart.js';

export type EntryKind =
  | 'invoice_issued'
  | 'credit_note'
  | 'payment_received'
  | 'payment_applied'
  | 'credit_applied'
  | 'discount_allowed'
  | 'late_fee'
  | 'write_off'
  | 'bad_debt_recovery'
  | 'refund'
  | 'reversal'
  | 'opening_balance'
  | 'merge_transfer';

export interface JournalLineInput {
  account: AccountRole;
  customerId?: string | null;
  debit: number;
  credit: number;
  currency: string;
  memo?: string;
}

export interface JournalEntryInput {
  /** Deterministic key from workflow id + step (or API idempotency key): the same key posts once. */
  idempotencyKey: string;
  kind: EntryKind;
  /** Accounting date (YYYY-MM-DD) the entry belongs to; reports as of a date use it. */
  effectiveDate: string;
  sourceType: string;
  sourceId: string;
  description?: string;
  /** For a reversal, the entry it reverses. */
  reversesEntryId?: string;
  lines: JournalLineInput[];
}

export class UnbalancedEntryError extends Error {
  constructor(detail: string) {
    super(`journal entry does not balance: ${detail}`);
    this.name = 'UnbalancedEntryError';
  }
}

/** Throws unless every line is one-sided, positive, integral, and debits equal credits per currency. */
export function assertBalanced(lines: readonly JournalLineInput[]): void {
  if (lines.length < 2) throw new UnbalancedEntryError('an entry needs at least two lines');
  const totals = new Map<string, number>();
  for (const line of lines) {
    if (!Number.isSafeInteger(line.debit) || !Number.isSafeInteger(line.credit) || line.debit < 0 || line.credit < 0) {
      throw new UnbalancedEntryError(`amounts must be non-negative integer minor units (${line.account})`);
    }
    if ((line.debit === 0) === (line.credit === 0))
      throw new UnbalancedEntryError(`each line is either a debit or a credit (${line.account})`);
    totals.set(line.currency, (totals.get(line.currency) ?? 0) + line.debit - line.credit);
  }
  for (const [currency, difference] of totals) {
    if (difference !== 0) throw new UnbalancedEntryError(`${currency} debits minus credits = ${difference}`);
  }
}

/** The lines of the reversing entry: the same accounts with debit and credit swapped. */
export function reversalLines(lines: readonly JournalLineInput[]): JournalLineInput[] {
  return lines.map((line) => ({ ...line, debit: line.credit, credit: line.debit }));
}

export function isIsoDate(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
    new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
  );
}
