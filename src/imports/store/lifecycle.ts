// After rows commit, the imported entities get the workflows the engine runs for them: an account workflow per
// customer, a lifecycle workflow per invoice. Regular invoices start from delivery like one issued through the API;
// opening balances were delivered by the previous system, so their workflow starts after delivery (reminder or
// overdue step, by their due date). Rows are marked once started; a repeat start of a running workflow is ignored,
// so this is safe to run again after a crash. None of this is in the rows' transactions: applying rows never waits on
// Temporal. Each call reads its whole batch in one query, starts up to START_CONCURRENCY workflows at a time (the dev
// server's single SQLite connection is the limit that matters, see docs/integrations.md) and marks the batch at once.
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountPolicy } from '../../customers/rules/account.js';
import type { ImportKind } from '../rules/import-rows.js';
import type { InvoicePolicy } from '../../invoices/rules/invoice-policy.js';
import { resumedInvoiceState } from '../../invoices/rules/invoice-workflow-state.js';
import type { InvoiceStatus } from '../../invoices/rules/invoice-status.js';
import { notifyAccountsOfChange } from '../../customers/account-notify.js';
import { startCustomerAccount, startInvoice } from '../../temporal/starters.js';
import { isAlreadyStarted } from '../../temporal/errors.js';

export interface LifecyclePolicies {
  account: AccountPolicy;
  invoice: InvoicePolicy;
}

async function ignoreRunning(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (!isAlreadyStarted(error)) throw error;
  }
}

/** Workflow starts in flight at once: enough to hide the round trip, few enough not to swamp the Temporal server. */
const START_CONCURRENCY = 16;

async function inPool<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

interface Started {
  line_no: number;
  id: string;
  customer_id: string;
  currency: string;
  total_amount: string | null;
  open_amount: string | null;
  status: InvoiceStatus | null;
  due: string | null;
}

export async function startImportedLifecycles(
  em: EntityManager,
  temporal: { client: Client; taskQueue: string },
  input: { importId: string; kind: ImportKind; policies: LifecyclePolicies; limit: number; now: Date },
): Promise<{ started: number; more: boolean }> {
  const rows = await em.execute<Started[]>(
    input.kind === 'customers'
      ? `SELECT r.line_no, c.id, c.id AS customer_id, c.currency, NULL AS total_amount, NULL AS open_amount, NULL AS status, NULL AS due
           FROM import_row r JOIN customer c ON c.id = r.entity_id
          WHERE r.import_id = ? AND r.status = 'imported' AND NOT r.lifecycle_started ORDER BY r.line_no LIMIT ?`
      : `SELECT r.line_no, i.id, i.customer_id, i.currency, i.total_amount, i.open_amount, i.status, to_char(i.due_date, 'YYYY-MM-DD') AS due
           FROM import_row r JOIN invoice i ON i.id = r.entity_id
          WHERE r.import_id = ? AND r.status = 'imported' AND NOT r.lifecycle_started ORDER BY r.line_no LIMIT ?`,
    [input.importId, input.limit],
  );
  const ctx = { client: temporal.client, taskQueue: temporal.taskQueue, requestId: `import-${input.importId}` };
  await inPool(rows, START_CONCURRENCY, async (i) => {
    if (input.kind === 'customers')
      return ignoreRunning(() =>
        startCustomerAccount(ctx, { customerId: i.id, currency: i.currency, policy: input.policies.account }),
      );
    const base = {
      invoiceId: i.id,
      customerId: i.customer_id,
      currency: i.currency,
      totalAmount: Number(i.total_amount),
      dueDate: i.due!,
      policy: input.policies.invoice,
    };
    if (input.kind === 'invoices') return ignoreRunning(() => startInvoice(ctx, base));
    // An opening balance already past due starts at the overdue step like any invoice whose due date passed: the
    // workflow's first step stamps it (the imported `overdue_since` is kept) and hands it to the customer's
    // collection, the one way an overdue item reaches dunning. Starting it at the balance watch skipped that hand-off.
    const state = resumedInvoiceState(base, { openAmount: Number(i.open_amount), status: i.status! }, input.now);
    return ignoreRunning(() => startInvoice(ctx, { ...base, state }));
  });
  // Imported invoices are open items of their customers' accounts from now on: the accounts re-read their facts
  // (open invoices, overdue days, delinquency) at once rather than at their next scheduled refresh.
  if (input.kind !== 'customers' && rows.length)
    await notifyAccountsOfChange(
      temporal.client,
      rows.map((r) => r.customer_id),
      'invoice_imported',
    );
  if (rows.length) {
    await em.execute(
      `UPDATE import_row SET lifecycle_started = true WHERE import_id = ? AND line_no = ANY(SELECT jsonb_array_elements_text(?::jsonb)::int)`,
      [input.importId, JSON.stringify(rows.map((r) => Number(r.line_no)))],
    );
  }
  return { started: rows.length, more: rows.length === input.limit };
}
