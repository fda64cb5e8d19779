// The invoice workflow of an invoice that is open again (a reversal took back the money that paid it). A paid
// invoice's workflow has ended, so a signal alone would reach nobody: signal-with-start either tells the running
// workflow about the new balance or starts `invoice-<id>` again from the resumed state, whose overdue step is the one
// place an overdue invoice is flipped and handed to collections.
import type { InvoicePolicy } from '../invoices/rules/invoice-policy.js';
import { resumedInvoiceState, type InvoiceWorkflowState } from '../invoices/rules/invoice-workflow-state.js';
import type { invoiceWorkflow } from '../../workflows/invoices/invoice.js';
import { invoiceBalanceChangedSignal, type InvoiceBalanceChange } from '../../workflows/invoices/messages.js';
import { workflowIds } from './ids.js';
import { entityOptions, type StartContext } from './starters.js';

/** The facts of an invoice open again that its workflow resumes from, as its state names them. */
export type OpenAgain = Pick<
  InvoiceWorkflowState,
  'invoiceId' | 'customerId' | 'currency' | 'totalAmount' | 'openAmount' | 'status' | 'dueDate' | 'pastDueFrom'
> & {
  change: InvoiceBalanceChange;
};

export async function resumeInvoiceLifecycle(
  ctx: StartContext,
  invoice: OpenAgain,
  policy: InvoicePolicy,
  now: Date = new Date(),
): Promise<void> {
  const input = {
    invoiceId: invoice.invoiceId,
    customerId: invoice.customerId,
    currency: invoice.currency,
    totalAmount: invoice.totalAmount,
    dueDate: invoice.dueDate,
    policy,
  };
  await ctx.client.workflow.signalWithStart<typeof invoiceWorkflow, [InvoiceBalanceChange]>('invoiceWorkflow', {
    ...entityOptions(ctx, workflowIds.invoice(invoice.invoiceId), 'invoice', invoice.customerId),
    args: [{ ...input, state: resumedInvoiceState(input, invoice, now) }],
    signal: invoiceBalanceChangedSignal,
    signalArgs: [invoice.change],
  });
}
