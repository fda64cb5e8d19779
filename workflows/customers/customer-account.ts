// The customer account entity workflow `customer-<id>`: keeps the live account state (status, hold, delinquency,
// terms, credit limit, aggregates), refreshes it from the record of truth on a durable timer (policy data), flags
// and clears delinquency by policy, records who changed what, and ends when the account is closed.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountActivities } from '../../activities/customers/account.js';
import type { CreditActivities } from '../../activities/credit/credit.js';
import {
  afterReviewStarted,
  NO_CREDIT_WATCH,
  periodicReviewAt,
  planCreditReview,
  withBaseline,
  withCreditDecision,
  type CreditDecisionNotice,
} from '../../src/credit/rules/account-credit.js';
import { DEFAULT_CREDIT_POLICY } from '../../src/credit/rules/credit-policy.js';
import {
  applyProfileChanges,
  applySnapshot,
  closeAccount,
  delinquencyAfter,
  delinquencyChanged,
  isClosed,
  openAccount,
  upgradeState,
  validateAccountPolicy,
  type AccountPolicy,
  type AccountState,
  type StoredAccountState,
} from '../../src/customers/rules/account.js';
import {
  assessDelinquency,
  DEFAULT_DELINQUENCY_POLICY,
  delinquencyThresholdAt,
} from '../../src/collections/rules/delinquency.js';
import {
  accountProfileChangedSignal,
  accountStateQuery,
  closeAccountSignal,
  refreshAccountSignal,
} from './messages.js';
import { RECORD_STEP } from '../shared/activity-options.js';

const { loadAccountFacts, recordDelinquency, sendAccountOpenedNotice } =
  proxyActivities<AccountActivities>(RECORD_STEP);

const { startCreditReview } = proxyActivities<CreditActivities>(RECORD_STEP);

export interface CustomerAccountInput {
  customerId: string;
  currency: string;
  policy: AccountPolicy;
  /** Present when the workflow continued as new: the state it carries over. */
  state?: StoredAccountState;
}

export async function customerAccountWorkflow(input: CustomerAccountInput): Promise<AccountState> {
  validateAccountPolicy(input.policy);
  let state = input.state
    ? upgradeState(input.state)
    : openAccount({ customerId: input.customerId, currency: input.currency, now: new Date(), policy: input.policy });
  let refreshRequested = false;
  /** Reasons of refresh requests since the last credit check (e.g. `promise_broken` from collections). */
  let refreshReasons: string[] = [];

  setHandler(accountStateQuery, () => state);
  setHandler(refreshAccountSignal, ({ reason }) => {
    refreshRequested = true;
    if (refreshReasons.length < 20) refreshReasons.push(reason);
  });
  setHandler(closeAccountSignal, ({ by }) => {
    state = closeAccount(state, new Date(), by);
  });
  setHandler(accountProfileChangedSignal, (change) => {
    state = applyProfileChanges(state, change, new Date());
    const decided = change.changes.find((c) => c.field === 'creditReview');
    // A decision can arrive before the loop first ran (while the opening notice is sent): start the watch with it.
    if (decided)
      state = {
        ...state,
        credit: withCreditDecision(state.credit ?? NO_CREDIT_WATCH, decided.to as CreditDecisionNotice),
      };
  });

  if (!input.state) {
    await sendAccountOpenedNotice({ workflowId: workflowInfo().workflowId, customerId: input.customerId });
  }

  while (!isClosed(state)) {
    const reviewAt = state.credit ? periodicReviewAt(state.credit) : null;
    // The account also wakes the day its oldest open invoice crosses the delinquency threshold.
    const thresholdAt = delinquencyThresholdAt(
      state.facts,
      input.policy.delinquency ?? DEFAULT_DELINQUENCY_POLICY,
      new Date(),
    );
    const wakeAt = Math.min(
      Date.parse(state.nextRefreshAt),
      reviewAt?.getTime() ?? Infinity,
      thresholdAt?.getTime() ?? Infinity,
    );
    const untilRefresh = Math.max(1, wakeAt - Date.now());
    await condition(() => refreshRequested || isClosed(state) || workflowInfo().continueAsNewSuggested, untilRefresh);
    if (isClosed(state)) break;
    let refreshed = false;
    if (
      refreshRequested ||
      Date.now() >= Date.parse(state.nextRefreshAt) ||
      (thresholdAt && Date.now() >= thresholdAt.getTime())
    ) {
      refreshRequested = false;
      refreshed = true;
      await refreshWithFacts();
    }
    if (!isClosed(state)) await creditCheckpoint(refreshed);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof customerAccountWorkflow>({ ...input, state });
    }
  }
  await condition(allHandlersFinished);
  return state;

  /**
   * Starts a periodic review when its date has come, or an early one when the account deteriorated since the last
   * review (measured on the facts of a refresh) or a signal reported a broken promise or a large excess over the limit.
   */
  async function creditCheckpoint(refreshed: boolean): Promise<void> {
    const policy = input.policy.credit ?? DEFAULT_CREDIT_POLICY;
    const today = new Date().toISOString().slice(0, 10);
    const signals = refreshed ? refreshReasons : [];
    if (refreshed) refreshReasons = [];
    // Accounts without a credit decision are not under credit management: nothing to watch.
    if (!state.credit?.lastReviewId) return;
    // The baseline comes from facts a refresh read, never from the empty facts of a workflow that has not refreshed yet.
    const watch = refreshed
      ? withBaseline(state.credit ?? NO_CREDIT_WATCH, state.facts, today)
      : (state.credit ?? NO_CREDIT_WATCH);
    const plan = planCreditReview(watch, { facts: state.facts, today, now: new Date(), signals, refreshed }, policy);
    state = { ...state, credit: watch };
    if (!plan) return;
    const started = await startCreditReview({
      workflowId: workflowInfo().workflowId,
      step: `credit-review-${watch.reviewsStarted + 1}`,
      customerId: input.customerId,
      trigger: plan.trigger,
      reasons: plan.reasons,
      policy,
    });
    state = {
      ...state,
      credit: afterReviewStarted(state.credit ?? watch, {
        workflowId: started.workflowId,
        plan,
        facts: state.facts,
        today,
        now: new Date(),
      }),
    };
  }

  /** Reads profile and facts, lets the policy decide delinquency, and writes a changed decision back to the record. */
  async function refreshWithFacts(): Promise<void> {
    const today = new Date().toISOString().slice(0, 10);
    const snapshot = await loadAccountFacts({ customerId: input.customerId, asOf: today });
    state = applySnapshot(state, snapshot, new Date(), input.policy);
    if (state.credit && snapshot.creditReview !== undefined)
      state = { ...state, credit: withCreditDecision(state.credit, snapshot.creditReview) };
    if (isClosed(state) || !snapshot.facts) return;
    const policy = input.policy.delinquency ?? DEFAULT_DELINQUENCY_POLICY;
    const next = delinquencyAfter(state, assessDelinquency(snapshot.facts, policy, today), new Date());
    if (!delinquencyChanged(state, next)) return;
    const by = `policy:delinquency(${policy.overdueAfter},${policy.brokenPromisesAtLeast})`;
    const recorded = await recordDelinquency({
      workflowId: workflowInfo().workflowId,
      step: `delinquency-${state.refreshCount}`,
      customerId: input.customerId,
      delinquency: next,
      by,
    });
    state = applyProfileChanges(
      state,
      { changes: [{ field: 'delinquency', from: state.delinquency, to: next }], by, version: recorded.version },
      new Date(),
    );
  }
}
