// Other areas tell a customer's collection about changes it must react to at once. A customer without a running
// collection has nothing to re-evaluate, so a missing workflow is not an error.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { collectionAccountChangedSignal, invoiceDisputeSignal } from '../../../workflows/collections/messages.js';
import { notifyAccountsOfChange } from '../../customers/account-notify.js';
import { signalIfRunning } from '../../payments/notify.js';
import { workflowIds } from '../../temporal/ids.js';

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

/**
 * What a customer owes changed (payment applied, credit note, cancellation): its collection, if one runs, and its
 * account re-read their facts at once. One signal per customer and change, never one per invoice, so a customer with thousands of
 * invoices does not flood its collection. The row is the record of truth: a failed signal is logged, never thrown,
 * since the collection reads the facts again at its next step anyway.
 */
export async function notifyCollectionOfBalanceChange(
  client: Client,
  customerIds: readonly string[],
  change: { reason: string; source?: string },
  log: { warn(message: string, meta?: Record<string, unknown>): void } = quietLog,
): Promise<void> {
  await Promise.all([
    ...[...new Set(customerIds)].map((customerId) =>
      signalIfRunning(
        client,
        workflowIds.collection(customerId),
        collectionAccountChangedSignal,
        [change],
        quietLog,
      ).catch((error: unknown) =>
        log.warn('could not tell the collection about a balance change', { customerId, error: String(error) }),
      ),
    ),
    // The same change moves the account's facts (open invoices, overdue, paid): its live state follows at once.
    notifyAccountsOfChange(client, customerIds, change.reason, log),
  ]);
}

/** The customers of the given invoices (to notify their collections once each). */
export async function customersOfInvoices(em: EntityManager, invoiceIds: readonly string[]): Promise<string[]> {
  if (invoiceIds.length === 0) return [];
  const rows = await em.execute<{ customer_id: string }[]>(
    'SELECT DISTINCT customer_id FROM invoice WHERE id = ANY (?::uuid[])',
    [`{${invoiceIds.join(',')}}`],
  );
  return rows.map((r) => r.customer_id);
}
