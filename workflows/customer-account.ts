// The customer account entity workflow `customer-<id>`: keeps the live account state (status, hold, delinquency,
// terms, credit limit, aggregates), refreshes it from the record of truth on a durable timer (policy data), flags
// and clears delinquency by policy, records who changed what, and ends when the account is closed.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountActivities } from '../activities/account.js';
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
} from '../src/domain/account.js';
import { assessDelinquency, DEFAULT_DELINQUENCY_POLICY } from '../src/domain/delinquency.js';
import { accountProfileChangedSignal, accountStateQuery, closeAccountSignal, refreshAccountSignal } from './messages.js';

const { loadAccountSnapshot, loadAccountFacts, recordDelinquency, sendAccountOpenedNotice } = proxyActivities<AccountActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Patch id of the second version: refresh reads facts (invoices, promises) and the policy decides delinquency. */
export const DELINQUENCY_PATCH = 'account-facts-and-delinquency';

export interface CustomerAccountInput {
  customerId: string;
  currency: string;
  policy: AccountPolicy;
  /** Present when the workflow continued as new: the state it carries over. */
  state?: StoredAccountState;
}

export async function customerAccountWorkflow(input: CustomerAccountInput): Promise<AccountState> {
  validateAccountPolicy(input.policy);
  let state = input.state ? upgradeState(input.state) : openAccount({ customerId: input.customerId, currency: input.currency, now: new Date(), policy: input.policy });
  let refreshRequested = false;

  setHandler(accountStateQuery, () => state);
  setHandler(refreshAccountSignal, () => {
    refreshRequested = true;
  });
  setHandler(closeAccountSignal, ({ by }) => {
    state = closeAccount(state, new Date(), by);
  });
  setHandler(accountProfileChangedSignal, (change) => {
    state = applyProfileChanges(state, change, new Date());
  });

  if (!input.state) {
    await sendAccountOpenedNotice({ workflowId: workflowInfo().workflowId, customerId: input.customerId });
  }

  while (!isClosed(state)) {
    const untilRefresh = Math.max(1, Date.parse(state.nextRefreshAt) - Date.now());
    await condition(() => refreshRequested || isClosed(state) || workflowInfo().continueAsNewSuggested, untilRefresh);
    if (isClosed(state)) break;
    if (refreshRequested || Date.now() >= Date.parse(state.nextRefreshAt)) {
      refreshRequested = false;
      if (patched(DELINQUENCY_PATCH)) {
        await refreshWithFacts();
      } else {
        const snapshot = await loadAccountSnapshot(input.customerId);
        state = applySnapshot(state, snapshot, new Date(), input.policy);
      }
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof customerAccountWorkflow>({ ...input, state });
    }
  }
  await condition(allHandlersFinished);
  return state;

  /** Reads profile and facts, lets the policy decide delinquency, and writes a changed decision back to the record. */
  async function refreshWithFacts(): Promise<void> {
    const today = new Date().toISOString().slice(0, 10);
    const snapshot = await loadAccountFacts({ customerId: input.customerId, asOf: today });
    state = applySnapshot(state, snapshot, new Date(), input.policy);
    if (isClosed(state) || !snapshot.facts) return;
    const policy = input.policy.delinquency ?? DEFAULT_DELINQUENCY_POLICY;
    const next = delinquencyAfter(state, assessDelinquency(snapshot.facts, policy, today), new Date());
    if (!delinquencyChanged(state, next)) return;
    const by = `policy:delinquency(${policy.overdueAfter},${policy.brokenPromisesAtLeast})`;
    const recorded = await recordDelinquency({ workflowId: workflowInfo().workflowId, step: `delinquency-${state.refreshCount}`, customerId: input.customerId, delinquency: next, by });
    state = applyProfileChanges(state, { changes: [{ field: 'delinquency', from: state.delinquency, to: next }], by, version: recorded.version }, new Date());
  }
}
