// The hand-off from an overdue invoice to its customer's collection `collection-<customerId>`, shared by the invoice
// workflow's overdue step and the separate `startCollection` activity of older invoice histories.
import { Context, log } from '@temporalio/activity';
import { policyForCustomer } from '../../src/collections/store/policies.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { invoiceOverdueSignal } from '../../workflows/collections/messages.js';
import type { collectionWorkflow } from '../../workflows/collections/collection.js';
import type { ActivityDeps } from '../deps.js';

export interface CollectionStart {
  started: boolean;
  /** `code@version` of the policy a new collection starts with; null when no policy applies to the customer. */
  policy: string | null;
}

/**
 * Stamps `overdue_at` (the workflow's instant) and signals-with-start the customer's collection with the policy that
 * applies to the customer now (recorded in the new workflow's input; a running collection keeps its own). No policy
 * assigned: no collection. Idempotent: the stamp keeps the first instant, and the collection reads its overdue items
 * from the database, so a repeated signal changes nothing.
 */
export async function startCustomerCollection(
  deps: ActivityDeps,
  input: { invoiceId: string; customerId: string; overdueAt: string },
): Promise<CollectionStart> {
  const em = deps.orm.em.fork();
  await em.execute('UPDATE invoice SET overdue_at = coalesce(overdue_at, ?) WHERE id = ?', [
    input.overdueAt,
    input.invoiceId,
  ]);
  const resolved = await policyForCustomer(em, input.customerId);
  if (!resolved) {
    log.warn('no dunning policy applies to the customer; no collection started', { customerId: input.customerId });
    return { started: false, policy: null };
  }
  const { client, info } = Context.current();
  await client.workflow.signalWithStart<typeof collectionWorkflow, [{ invoiceId: string; overdueAt: string }]>(
    'collectionWorkflow',
    {
      workflowId: workflowIds.collection(input.customerId),
      taskQueue: info.taskQueue,
      args: [{ customerId: input.customerId, policy: resolved.policy }],
      signal: invoiceOverdueSignal,
      signalArgs: [{ invoiceId: input.invoiceId, overdueAt: input.overdueAt }],
    },
  );
  return { started: true, policy: `${resolved.policy.code}@${resolved.policy.version}` };
}
