// Other areas tell a customer's collection about changes it must react to at once. A customer without a running
// collection has nothing to re-evaluate, so a missing workflow is not an error.
import type { Client } from '@temporalio/client';
import { invoiceDisputeSignal } from '../../workflows/collection-messages.js';
import { signalIfRunning } from '../payments/notify.js';
import { workflowIds } from '../temporal/ids.js';

const quietLog = { warn: () => undefined };

export async function notifyCollectionOfDispute(
  client: Client,
  input: { customerId: string; invoiceId: string; disputeId: string; disputed: boolean },
): Promise<void> {
  await signalIfRunning(
    client,
    workflowIds.collection(input.customerId),
    invoiceDisputeSignal,
    [{ invoiceId: input.invoiceId, disputeId: input.disputeId, disputed: input.disputed }],
    quietLog,
  );
}
