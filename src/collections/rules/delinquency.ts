// When an account is delinquent, as a pure decision on facts read from the database. The thresholds are policy
// data (ISO-8601 durations and counts) recorded in the account workflow's history with each decision.
import { addDuration, parseDuration } from '../../shared/duration.js';

export interface DelinquencyPolicy {
  /** An open invoice due longer ago than this makes the account delinquent (e.g. P30D). */
  overdueAfter: string;
  /** This many broken promises to pay (unresolved) make the account delinquent; 0 disables the rule. */
  brokenPromisesAtLeast: number;
}

export const DEFAULT_DELINQUENCY_POLICY: DelinquencyPolicy = { overdueAfter: 'P30D', brokenPromisesAtLeast: 1 };

/** What the account workflow knows about the customer's documents at a refresh. */
export interface AccountFacts {
  openInvoiceCount: number;
  /** Open amount in minor units of the customer's currency. */
  openAmount: number;
  /** Earliest due date (YYYY-MM-DD) among open invoices; null when none is open. */
  oldestOpenDueDate: string | null;
  /** Open invoices past due as of the refresh day. */
  overdueInvoiceCount: number;
  overdueAmount: number;
  brokenPromises: number;
}

export const NO_FACTS: AccountFacts = {
  openInvoiceCount: 0,
  openAmount: 0,
  oldestOpenDueDate: null,
  overdueInvoiceCount: 0,
  overdueAmount: 0,
  brokenPromises: 0,
};

export interface DelinquencyReason {
  code: 'invoice_overdue' | 'broken_promise';
  detail: string;
}

export interface DelinquencyAssessment {
  delinquent: boolean;
  reasons: DelinquencyReason[];
}

export function validateDelinquencyPolicy(policy: DelinquencyPolicy): void {
  parseDuration(policy.overdueAfter);
  if (!Number.isInteger(policy.brokenPromisesAtLeast) || policy.brokenPromisesAtLeast < 0) {
    throw new RangeError(`brokenPromisesAtLeast must be a non-negative integer, got ${policy.brokenPromisesAtLeast}`);
  }
}

/** Decides delinquency on `today` (YYYY-MM-DD); every reason says which fact and which threshold. */
export function assessDelinquency(
  facts: AccountFacts,
  policy: DelinquencyPolicy,
  today: string,
): DelinquencyAssessment {
  const reasons: DelinquencyReason[] = [];
  if (facts.oldestOpenDueDate) {
    const limit = addDuration(new Date(`${facts.oldestOpenDueDate}T00:00:00Z`), policy.overdueAfter)
      .toISOString()
      .slice(0, 10);
    if (today > limit) {
      reasons.push({
        code: 'invoice_overdue',
        // Stable wording (no running day count), so the recorded reason changes only when the facts do.
        detail: `open invoice due ${facts.oldestOpenDueDate} is unpaid more than ${policy.overdueAfter} after its due date (${facts.overdueInvoiceCount} overdue)`,
      });
    }
  }
  if (policy.brokenPromisesAtLeast > 0 && facts.brokenPromises >= policy.brokenPromisesAtLeast) {
    reasons.push({
      code: 'broken_promise',
      detail: `${facts.brokenPromises} broken promise(s) to pay (policy: at least ${policy.brokenPromisesAtLeast})`,
    });
  }
  return { delinquent: reasons.length > 0, reasons };
}

/**
 * When the oldest open invoice crosses `overdueAfter` (the first day `assessDelinquency` flags it), if that is still
 * ahead of `now`: the account workflow wakes then, so the flag follows the threshold, not the next scheduled refresh.
 */
export function delinquencyThresholdAt(
  facts: Pick<AccountFacts, 'oldestOpenDueDate'>,
  policy: Pick<DelinquencyPolicy, 'overdueAfter'>,
  now: Date,
): Date | undefined {
  if (!facts.oldestOpenDueDate) return undefined;
  const limit = addDuration(new Date(`${facts.oldestOpenDueDate}T00:00:00Z`), policy.overdueAfter)
    .toISOString()
    .slice(0, 10);
  const at = new Date(`${limit}T00:00:00.000Z`);
  at.setUTCDate(at.getUTCDate() + 1);
  return at.getTime() > now.getTime() ? at : undefined;
}
