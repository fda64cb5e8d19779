// The customer account entity workflow `customer-<id>`: keeps the live account state, refreshes it from the
// record of truth on a durable timer (policy data), and ends when the account is closed.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccountActivities } from '../activities/account.js';
import {
  applySnapshot,
  closeAccount,
  isClosed,
  openAccount,
  validateAccountPolicy,
  type AccountPolicy,
  type AccountState,
} from '../src/domain/account.js';
import { accountStateQuery, closeAccountSignal, refreshAccountSignal } from './messages.js';

const { loadAccountSnapshot, sendAccountOpenedNotice } = proxyActivities<AccountActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export interface CustomerAccountInput {
  customerId: string;
  currency: string;
  policy: AccountPolicy;
  /** Present when the workflow continued as new: the state it carries over. */
  state?: AccountState;
}

export async function customerAccountWorkflow(input: CustomerAccountInput): Promise<AccountState> {
  validateAccountPolicy(input.policy);
  let state = input.state ?? openAccount({ customerId: input.customerId, currency: input.currency, now: new Date(), policy: input.policy });
  let refreshRequested = false;

  setHandler(accountStateQuery, () => state);
  setHandler(refreshAccountSignal, () => {
    refreshRequested = true;
  });
  setHandler(closeAccountSignal, ({ by }) => {
    state = closeAccount(state, new Date(), by);
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
      const snapshot = await loadAccountSnapshot(input.customerId);
      state = applySnapshot(state, snapshot, new Date(), input.policy);
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof customerAccountWorkflow>({ ...input, state });
    }
  }
  await condition(allHandlersFinished);
  return state;
}
