// The credit override of a held invoice: approve releases it to delivery (status `issued`), reject cancels it with a
// cancellation credit note (the exact reversal of its issue entry). Both record who decided on the invoice
// (`credit_override`) and are idempotent: a retry finds the invoice no longer held and changes nothing.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { InvoiceSnapshot } from '../../invoices/rules/invoice-workflow-state.js';
import { recordEvent } from '../../events/store/outbox.js';
import { lockInvoice } from '../../invoices/store/balance.js';
import { issueCreditNote } from '../../invoices/store/credit-notes.js';
import { readInvoice } from '../../invoices/store/read.js';
import { stepKey, workflowIds } from '../../temporal/ids.js';

export interface OverrideDecision {
  invoiceId: string;
  taskId: string;
  by: string;
  comment: string | null;
}

async function snapshot(em: EntityManager, invoiceId: string): Promise<InvoiceSnapshot> {
  const invoice = await readInvoice(em, invoiceId);
  return invoice
    ? { exists: true, status: invoice.status, openAmount: invoice.openAmount }
    : { exists: false, status: 'cancelled', openAmount: 0 };
}

const overrideJson = (decision: OverrideDecision, outcome: 'approve' | 'reject') =>
  JSON.stringify({
    outcome,
    by: decision.by,
    at: new Date().toISOString(),
    taskId: decision.taskId,
    comment: decision.comment,
  });

export async function releaseHeldInvoice(em: EntityManager, decision: OverrideDecision): Promise<InvoiceSnapshot> {
  await em.transactional(async (tx) => {
    const invoice = await lockInvoice(tx, decision.invoiceId);
    if (invoice.status !== 'held') return;
    await tx.execute(
      `UPDATE invoice SET status = 'issued', credit_override = ?::jsonb, version = version + 1, updated_at = now() WHERE id = ?`,
      [overrideJson(decision, 'approve'), invoice.id],
    );
    await recordEvent(tx, {
      type: 'invoice.released',
      entityType: 'invoice',
      entityId: invoice.id,
      customerId: invoice.customerId,
      actor: decision.by,
      data: {
        number: invoice.number,
        total: { amount: invoice.totalAmount, currency: invoice.currency },
        taskId: decision.taskId,
        comment: decision.comment,
      },
      dedupeKey: stepKey(workflowIds.invoice(invoice.id), 'credit-release'),
    });
  });
  return snapshot(em, decision.invoiceId);
}

export async function rejectHeldInvoice(
  em: EntityManager,
  decision: OverrideDecision & { today: string },
): Promise<InvoiceSnapshot> {
  await em.transactional(async (tx) => {
    const invoice = await lockInvoice(tx, decision.invoiceId);
    if (invoice.status !== 'held') return;
    await tx.execute('UPDATE invoice SET credit_override = ?::jsonb WHERE id = ?', [
      overrideJson(decision, 'reject'),
      invoice.id,
    ]);
    await issueCreditNote(tx, {
      invoiceId: invoice.id,
      reason: `Credit override rejected${decision.comment ? `: ${decision.comment}` : ''}`,
      cancellation: true,
      actor: decision.by,
      today: decision.today,
    });
  });
  return snapshot(em, decision.invoiceId);
}

/** Records `invoice.held` with the reasons, in the issuing transaction. */
export async function recordInvoiceHeld(
  tx: EntityManager,
  input: { invoiceId: string; customerId: string; number: string; actor: string; hold: Record<string, unknown> },
): Promise<void> {
  await recordEvent(tx, {
    type: 'invoice.held',
    entityType: 'invoice',
    entityId: input.invoiceId,
    customerId: input.customerId,
    actor: input.actor,
    data: { number: input.number, ...input.hold },
  });
}
