// The credit watch the customer account workflow keeps: when the next periodic credit review is due (from the last
// decision's risk class), which review is running, and the deterioration baseline (days beyond terms, broken
// promises at the last review) that early reviews compare against. Pure rules; the workflow keeps the state.
import {
  daysBeyondTerms,
  earlyReviewReasons,
  type CreditWatchBaseline,
  type EarlyReviewReason,
} from './credit-decision.js';
import type { CreditPolicy, RiskClass } from './credit-policy.js';
import type { AccountFacts } from '../../collections/rules/delinquency.js';
import { addDuration } from '../../shared/duration.js';

/** The latest credit decision as the account workflow learns it (refresh snapshot or profile-change signal). */
export interface CreditDecisionNotice {
  reviewId: string;
  nextReviewDate: string;
  riskClass: RiskClass;
}

export interface AccountCreditWatch {
  lastReviewId: string | null;
  riskClass: RiskClass | null;
  /** YYYY-MM-DD; null until a first decision. */
  nextReviewDate: string | null;
  /** The review started and not decided yet; no second review starts meanwhile. */
  reviewInFlight: string | null;
  /** The periodic review already started for this due date (so the timer does not fire twice for it). */
  periodicStartedFor: string | null;
  baseline: CreditWatchBaseline | null;
  reviewsStarted: number;
  /** When the account workflow last started a review (ISO instant); absent before the first. */
  lastStartedAt?: string | null;
}

export const NO_CREDIT_WATCH: AccountCreditWatch = {
  lastReviewId: null,
  riskClass: null,
  nextReviewDate: null,
  reviewInFlight: null,
  periodicStartedFor: null,
  baseline: null,
  reviewsStarted: 0,
};

/** Takes a decision in: the next review date moves on and the decided review is no longer in flight. */
export function withCreditDecision(
  watch: AccountCreditWatch,
  decision: CreditDecisionNotice | null | undefined,
): AccountCreditWatch {
  if (!decision || decision.reviewId === watch.lastReviewId) return watch;
  return {
    ...watch,
    lastReviewId: decision.reviewId,
    riskClass: decision.riskClass,
    nextReviewDate: decision.nextReviewDate,
    reviewInFlight: watch.reviewInFlight === decision.reviewId ? null : watch.reviewInFlight,
  };
}

/** The instant the periodic review falls due (start of its day, UTC), or null when none is pending. */
export function periodicReviewAt(watch: AccountCreditWatch): Date | null {
  if (!watch.nextReviewDate || watch.reviewInFlight || watch.periodicStartedFor === watch.nextReviewDate) return null;
  return new Date(`${watch.nextReviewDate}T00:00:00Z`);
}

export interface ReviewPlan {
  trigger: 'periodic' | 'early';
  reasons: (EarlyReviewReason | 'periodic')[];
}

export function currentMeasures(facts: AccountFacts, today: string): CreditWatchBaseline {
  return { daysBeyondTerms: daysBeyondTerms(facts.oldestOpenDueDate, today), brokenPromises: facts.brokenPromises };
}

/** Default for policies recorded before `earlyReviewMinInterval` existed. */
export const DEFAULT_EARLY_REVIEW_MIN_INTERVAL = 'P30D';

/**
 * Whether to start a review now: periodic when its date has come, early when the account deteriorated since the
 * baseline (or a signal says a promise broke or an invoice went far over the limit). Only accounts under credit
 * management (with a decision) are reviewed; nothing while a review runs. Days beyond terms keep rising while an
 * invoice stays unpaid, so that reason counts at most once per `earlyReviewMinInterval`.
 */
export function planCreditReview(
  watch: AccountCreditWatch,
  /** `refreshed`: the facts were just read (deterioration is judged only on fresh facts). */
  input: { facts: AccountFacts; today: string; now: Date; signals: readonly string[]; refreshed?: boolean },
  policy: Pick<CreditPolicy, 'earlyReviewDbtRiseDays' | 'earlyReviewBrokenPromises' | 'earlyReviewMinInterval'>,
): ReviewPlan | null {
  if (watch.reviewInFlight || !watch.lastReviewId) return null;
  const current = currentMeasures(input.facts, input.today);
  const recent = watch.lastStartedAt
    ? addDuration(
        new Date(watch.lastStartedAt),
        policy.earlyReviewMinInterval ?? DEFAULT_EARLY_REVIEW_MIN_INTERVAL,
      ).getTime() > input.now.getTime()
    : false;
  const early =
    input.refreshed === false
      ? []
      : earlyReviewReasons({ baseline: watch.baseline ?? current, current, signals: input.signals }, policy).filter(
          (r) => !(recent && r === 'days_beyond_terms_rising'),
        );
  const due = periodicReviewAt(watch);
  if (due && input.now.getTime() >= due.getTime()) return { trigger: 'periodic', reasons: ['periodic', ...early] };
  if (early.length) return { trigger: 'early', reasons: early };
  return null;
}

/** After starting (or finding) a review: it is in flight, and the baseline moves to today's measures. */
export function afterReviewStarted(
  watch: AccountCreditWatch,
  input: { workflowId: string; plan: ReviewPlan; facts: AccountFacts; today: string; now: Date },
): AccountCreditWatch {
  return {
    ...watch,
    lastStartedAt: input.now.toISOString(),
    reviewInFlight: input.workflowId || null,
    periodicStartedFor: input.plan.trigger === 'periodic' ? watch.nextReviewDate : watch.periodicStartedFor,
    baseline: currentMeasures(input.facts, input.today),
    reviewsStarted: watch.reviewsStarted + 1,
  };
}

/** The first look at the account sets the baseline, so today's level alone never counts as deterioration. */
export function withBaseline(watch: AccountCreditWatch, facts: AccountFacts, today: string): AccountCreditWatch {
  return watch.baseline ? watch : { ...watch, baseline: currentMeasures(facts, today) };
}
