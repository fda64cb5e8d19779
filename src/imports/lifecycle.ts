// After rows commit, the imported entities get the workflows the engine runs for them: an account workflow per
// customer, a lifecycle workflow per invoice. Regular invoices start from delivery like one issued through the API;
// opening balances were delivered by the previous system, so their workflow starts after delivery (reminder or
// overdue watch, by their due date). Rows are marked once started; a repeat start of a running workflow is ignored,
// so this is safe to run again after a crash.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountPolicy } from '../domain/account.js';
import type { ImportKind } from '../domain/import-rows.js';
import type { InvoicePolicy } from '../domain/invoice-policy.js';
import { afterDelivery, initialInvoiceState } from '../domain/invoice-workflow-state.js';
import type { InvoiceStatus } from '../domain/invoice-status.js';
import { startCustomerAccount, startInvoice } from '../temporal/starters.js';

export interface LifecyclePolicies {
  account: AccountPolicy;
  invoice: InvoicePolicy;
}

async function ignoreRunning(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError) && (error as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw error;
  }
}

export async function startImportedLifecycles(
  em: EntityManager,
  temporal: { client: Client; taskQueue: string },
  input: { importId: string; kind: ImportKind; policies: LifecyclePolicies; limit: number; now: Date },
): Promise<{ started: number; more: boolean }> {
  const rows = await em.execute<{ line_no: number; entity_id: string }[]>(
    `SELECT line_no, entity_id FROM import_row WHERE import_id = ? AND status = 'imported' AND NOT lifecycle_started ORDER BY line_no LIMIT ?`,
    [input.importId, input.limit],
  );
  const ctx = { client: temporal.client, taskQueue: temporal.taskQueue, requestId: `import-${input.importId}` };
  for (const row of rows) {
    if (input.kind === 'customers') {
      const [c] = await em.execute<{ id: string; currency: string }[]>('SELECT id, currency FROM customer WHERE id = ?', [row.entity_id]);
      if (c) await ignoreRunning(() => startCustomerAccount(ctx, { customerId: c.id, currency: c.currency, policy: input.policies.account }));
    } else {
      const [i] = await em.execute<{ id: string; customer_id: string; currency: string; total_amount: string; open_amount: string; status: InvoiceStatus; due: string; overdue_since: string | null }[]>(
        `SELECT id, customer_id, currency, total_amount, open_amount, status, to_char(due_date, 'YYYY-MM-DD') AS due, to_char(overdue_since, 'YYYY-MM-DD') AS overdue_since FROM invoice WHERE id = ?`,
        [row.entity_id],
      );
      if (i) {
        const base = { invoiceId: i.id, customerId: i.customer_id, currency: i.currency, totalAmount: Number(i.total_amount), dueDate: i.due, policy: input.policies.invoice };
        if (input.kind === 'invoices') {
          await ignoreRunning(() => startInvoice(ctx, base));
        } else {
          const initial = { ...initialInvoiceState(base), openAmount: Number(i.open_amount), status: i.status };
          const state = i.overdue_since ? { ...initial, phase: 'watch' as const, overdueSince: i.overdue_since, deliveredAt: input.now.toISOString() } : afterDelivery(initial, input.now);
          await ignoreRunning(() => startInvoice(ctx, { ...base, state }));
        }
      }
    }
    await em.execute('UPDATE import_row SET lifecycle_started = true WHERE import_id = ? AND line_no = ?', [input.importId, row.line_no]);
  }
  return { started: rows.length, more: rows.length === input.limit };
}
