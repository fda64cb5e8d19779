// Policy data of the invoice workflow (ISO-8601 durations, so a staging policy can compress days into seconds), and
// the pure functions that turn a due date into the instants the workflow waits for.
import { addDuration, InvalidDurationError, isDuration, parseDuration } from '../../shared/duration.js';

export interface InvoicePolicy {
  /** Courtesy reminder this long before the due date (start of the due day, UTC). `P0D` sends it on the due day. */
  reminderBefore: string;
  /** Grace after the due day ends before the invoice counts as overdue. `P0D`: overdue from the day after the due date. */
  overdueAfter: string;
  /** Version label recorded in the workflow history, so a replay shows which policy decided each step. */
  version: string;
  /**
   * How often an overdue invoice that is only watching its balance re-reads its row. Balance changes arrive as
   * signals sent after each commit; one lost with the process that was to send it is caught up at the next read.
   * Absent: the workflow waits for signals alone (policies recorded before this existed).
   */
  reconcileEvery?: string;
}

export const DEFAULT_INVOICE_POLICY: InvoicePolicy = {
  reminderBefore: 'P3D',
  overdueAfter: 'P0D',
  version: 'default-1',
  reconcileEvery: 'P1D',
};

export function validateInvoicePolicy(policy: InvoicePolicy): void {
  for (const value of [
    policy.reminderBefore,
    policy.overdueAfter,
    ...(policy.reconcileEvery === undefined ? [] : [policy.reconcileEvery]),
  ]) {
    if (!isDuration(value)) throw new InvalidDurationError(value);
  }
}

/** Start of the due day in UTC: invoices fall due on a calendar day. */
function startOfDay(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/** Subtracts an ISO duration from an instant (calendar-aware: P1M before Mar 31 is Feb 28/29). */
function subtractDuration(from: Date, duration: string): Date {
  const d = parseDuration(duration);
  const negated = {
    years: -d.years,
    months: -d.months,
    weeks: -d.weeks,
    days: -d.days,
    hours: -d.hours,
    minutes: -d.minutes,
    seconds: -d.seconds,
  };
  return addDuration(from, negated);
}

/** When the courtesy reminder goes out. */
export function reminderAt(dueDate: string, policy: InvoicePolicy): Date {
  return subtractDuration(startOfDay(dueDate), policy.reminderBefore);
}

/** When an unpaid invoice becomes overdue: the end of its due day plus the grace period. */
export function overdueAt(dueDate: string, policy: InvoicePolicy): Date {
  const endOfDueDay = new Date(startOfDay(dueDate).getTime() + 86_400_000);
  return addDuration(endOfDueDay, policy.overdueAfter);
}
