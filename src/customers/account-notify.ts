// Facts the customer account decides on (open invoices, overdue days, payments) changed: its workflow re-reads them
// at once instead of at the next scheduled refresh, so the delinquency flag and the live aggregates follow the event
// that changed them. One signal per customer and change; the rows stay the record of truth, so a failed signal is
// logged, never thrown (the scheduled refresh still comes), and a customer without a running account has nothing to do.
import type { Client } from '@temporalio/client';
import { refreshAccountSignal } from '../../workflows/customers/messages.js';
import { signalIfRunning } from '../payments/notify.js';
import { workflowIds } from '../temporal/ids.js';

type Log = { warn(message: string, meta?: Record<string, unknown>): void };
const quietLog: Log = { warn: () => undefined };

/** Reasons a refresh is asked for: the event that changed the account's facts. */
export type AccountFactsChange =
  | 'invoice_issued'
  | 'invoice_imported'
  | 'invoice_overdue'
  | 'invoice_paid'
  | 'invoice_written_off'
  | 'payment_applied'
  | 'balance_changed';

export async function notifyAccountsOfChange(
  client: Client,
  customerIds: readonly string[],
  reason: AccountFactsChange | string,
  log: Log = quietLog,
): Promise<void> {
  await Promise.all(
    [...new Set(customerIds)].map((customerId) =>
      signalIfRunning(
        client,
        workflowIds.customerAccount(customerId),
        refreshAccountSignal,
        [{ reason }],
        quietLog,
      ).catch((error: unknown) =>
        log.warn('could not ask the account to refresh', { customerId, reason, error: String(error) }),
      ),
    ),
  );
}
