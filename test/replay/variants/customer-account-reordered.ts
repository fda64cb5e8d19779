// A deliberately incompatible edit of the customer account workflow (it no longer sends the opening notice before
// its first wait), used to prove the replay test catches a change that was not put behind `patched()`.
import { condition, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AccountActivities } from '../../../activities/customers/account.js';

const { loadAccountSnapshot } = proxyActivities<AccountActivities>({ startToCloseTimeout: '1 minute' });

export async function customerAccountWorkflow(input: { customerId: string }): Promise<void> {
  setHandler(defineQuery('accountState'), () => null);
  await loadAccountSnapshot(input.customerId);
  await condition(() => false);
}
