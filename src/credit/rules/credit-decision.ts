// Pure credit decisions around the scorecard: who must approve a limit (authority matrix), what an approver may
// enter, whether a new invoice is held (exposure against the limit, account hold), and when deterioration calls for
// an early review. Amounts are integer minor units of the customer's currency.
import type { AuthorityLevel, CreditPolicy } from './credit-policy.js';
import type { TaskCompletion } from '../../tasks/rules/tasks.js';
import type { FieldProblem } from '../../shared/field-problem.js';

export type Approver = AuthorityLevel['approver'];

export function authorityLevels(policy: CreditPolicy, currency: string): AuthorityLevel[] {
  return policy.authority[currency] ?? policy.authority['*']!;
}

/** The lowest level whose `upTo` covers the amount decides who approves it. */
export function approverFor(
  amount: number,
  currency: string,
  policy: CreditPolicy,
): { approver: Approver; upTo: number | null } {
  const levels = authorityLevels(policy, currency);
  const level = levels.find((l) => l.upTo === null || amount <= l.upTo) ?? levels[levels.length - 1]!;
  return { approver: level.approver, upTo: level.upTo };
}

/** The highest amount an approver may grant (null: no ceiling). */
export function authorityOf(approver: Approver, currency: string, policy: CreditPolicy): number | null {
  const level = authorityLevels(policy, currency).find((l) => l.approver === approver);
  return level ? level.upTo : 0;
}

export const CREDIT_APPROVAL_OUTCOMES = ['approve', 'reject'] as const;

/** What the approval task's workflow keeps to validate a completion. */
export interface ApprovalContext {
  approver: Approver;
  /** Ceiling of the approver's authority (null: none). */
  maxAmount: number | null;
  recommended: number;
}

/**
 * `approve` may set `data.limit` (defaults to the recommendation), which must stay within the approver's authority;
 * `reject` needs a comment or `data.reason`.
 */
export function approvalProblems(
  completion: Pick<TaskCompletion, 'outcome' | 'data' | 'comment' | 'authority'>,
  context: ApprovalContext,
): FieldProblem[] {
  if (!(CREDIT_APPROVAL_OUTCOMES as readonly string[]).includes(completion.outcome)) {
    return [{ pointer: '/outcome', detail: `must be one of ${CREDIT_APPROVAL_OUTCOMES.join(', ')}` }];
  }
  if (completion.outcome === 'reject') {
    const reason = completion.data.reason ?? completion.comment;
    return typeof reason === 'string' && reason.trim()
      ? []
      : [{ pointer: '/comment', detail: 'a rejection needs a reason (comment or data.reason)' }];
  }
  const limit = completion.data.limit;
  if (limit === undefined) return [];
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0)
    return [{ pointer: '/data/limit', detail: 'must be a whole number of minor units, 0 or more' }];
  // The decider's own authority (passed by the API) wins over the level the task opened at: a task routed up, or
  // approved twice above the highest ceiling, may grant more than its first queue could.
  const max = completion.authority ? completion.authority.ceiling : context.maxAmount;
  const who = completion.authority ? (completion.authority.role ?? 'approver') : context.approver;
  if (max !== null && limit > max) {
    return [
      { pointer: '/data/limit', detail: `exceeds the ${who} authority of ${max}; a higher approver must decide` },
    ];
  }
  return [];
}

/** Outcomes of a held invoice's override task. */
export const CREDIT_OVERRIDE_OUTCOMES = ['approve', 'reject'] as const;

export function overrideProblems(completion: Pick<TaskCompletion, 'outcome' | 'data' | 'comment'>): FieldProblem[] {
  if (!(CREDIT_OVERRIDE_OUTCOMES as readonly string[]).includes(completion.outcome)) {
    return [{ pointer: '/outcome', detail: `must be one of ${CREDIT_OVERRIDE_OUTCOMES.join(', ')}` }];
  }
  const reason = completion.data.reason ?? completion.comment;
  if (completion.outcome === 'reject' && !(typeof reason === 'string' && reason.trim()))
    return [{ pointer: '/comment', detail: 'a rejection needs a reason (comment or data.reason)' }];
  return [];
}

export type HoldReason = 'account_on_hold' | 'over_credit_limit';

export interface InvoiceCreditCheck {
  held: boolean;
  reasons: HoldReason[];
  limit: number | null;
  exposureBefore: number;
  exposureAfter: number;
  /** How far exposure would go above the limit (0 when within or without a limit). */
  overLimitBy: number;
  /** The excess is large enough (policy) to review the customer's credit early. */
  earlyReview: boolean;
}

/**
 * A new invoice is held when the account is on hold, or when it takes exposure (open AR + invoices awaiting release)
 * above the credit limit. No limit set means no limit check.
 */
export function checkInvoiceCredit(
  input: { amount: number; exposure: number; limit: number | null; onHold: boolean },
  policy: Pick<CreditPolicy, 'earlyReviewOverLimitBp'>,
): InvoiceCreditCheck {
  const exposureAfter = input.exposure + input.amount;
  const overLimitBy = input.limit === null ? 0 : Math.max(0, exposureAfter - input.limit);
  const reasons: HoldReason[] = [];
  if (input.onHold) reasons.push('account_on_hold');
  if (overLimitBy > 0) reasons.push('over_credit_limit');
  const margin = input.limit === null ? 0 : Math.floor((input.limit * policy.earlyReviewOverLimitBp) / 10_000);
  return {
    held: reasons.length > 0,
    reasons,
    limit: input.limit,
    exposureBefore: input.exposure,
    exposureAfter,
    overLimitBy,
    earlyReview: overLimitBy > 0 && overLimitBy > margin,
  };
}

/** Why an invoice was held, stored on the invoice and passed to its workflow (which opens the override task). */
export interface InvoiceCreditHold {
  reasons: HoldReason[];
  limit: number | null;
  exposureBefore: number;
  exposureAfter: number;
  overLimitBy: number;
  accountHold: { reason: string; by: string; at: string } | null;
  policyVersion: string;
  /** SLA of the override task (policy), and its deadline. */
  overrideSla: string;
  /** Where the override task moves if still open at its deadline (policy); absent in holds recorded before. */
  escalateTo?: string;
  /** The excess is large enough for an early credit review. */
  earlyReview: boolean;
}

/** Days the oldest open invoice is past its due date on `asOf` (0 when nothing is past due). */
export function daysBeyondTerms(oldestOpenDueDate: string | null, asOf: string): number {
  if (!oldestOpenDueDate || oldestOpenDueDate >= asOf) return 0;
  return Math.round((Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${oldestOpenDueDate}T00:00:00Z`)) / 86_400_000);
}

/** Deterioration measures at the last review, to compare the current ones against. */
export interface CreditWatchBaseline {
  daysBeyondTerms: number;
  brokenPromises: number;
}

export type EarlyReviewReason = 'days_beyond_terms_rising' | 'promise_broken' | 'over_limit';

/** Why the account deteriorated enough since the baseline for an early review (empty: no early review). */
export function earlyReviewReasons(
  input: { baseline: CreditWatchBaseline; current: CreditWatchBaseline; signals: readonly string[] },
  policy: Pick<CreditPolicy, 'earlyReviewDbtRiseDays' | 'earlyReviewBrokenPromises'>,
): EarlyReviewReason[] {
  const reasons: EarlyReviewReason[] = [];
  if (
    policy.earlyReviewDbtRiseDays > 0 &&
    input.current.daysBeyondTerms - input.baseline.daysBeyondTerms >= policy.earlyReviewDbtRiseDays
  )
    reasons.push('days_beyond_terms_rising');
  const promisesRose =
    policy.earlyReviewBrokenPromises > 0 &&
    input.current.brokenPromises - input.baseline.brokenPromises >= policy.earlyReviewBrokenPromises;
  if (promisesRose || (policy.earlyReviewBrokenPromises > 0 && input.signals.includes('promise_broken')))
    reasons.push('promise_broken');
  if (input.signals.includes('credit_limit_exceeded')) reasons.push('over_limit');
  return reasons;
}
