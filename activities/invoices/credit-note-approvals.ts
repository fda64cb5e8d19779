// Side effects of the credit note approval workflow: issue the approved credit note (under the id it was requested
// with: a retry returns the note already issued), then tell the invoice workflow and collections, as the credit note
// route does for a note issued at once. A note the invoice no longer allows is a business answer, not a failure.
import { Context } from '@temporalio/activity';
import { notifyCollectionOfBalanceChange } from '../../src/collections/store/notify.js';
import type { Money } from '../../src/shared/money.js';
import { issueCreditNote } from '../../src/invoices/store/credit-notes.js';
import { InvoiceRequestError } from '../../src/invoices/store/issue.js';
import { signalIfRunning } from '../../src/payments/notify.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { invoiceBalanceChangedSignal } from '../../workflows/invoices/messages.js';
import type { ActivityDeps } from '../deps.js';
import { today } from '../../src/shared/calendar-date.js';

export interface ApprovedCreditNote {
  creditNoteId: string;
  invoiceId: string;
  amount: Money;
  reason: string;
  requestedBy: string;
  /** Everyone who approved it (two people above the highest ceiling). */
  approvedBy: string[];
  taskId: string;
}

export function createCreditNoteApprovalActivities(deps: ActivityDeps) {
  return {
    async issueApprovedCreditNote(
      input: ApprovedCreditNote,
    ): Promise<{ issued: true; number: string } | { issued: false; refusal: string }> {
      const asOfDate = today(deps.clock());
      let issued;
      try {
        // The note records who asked for it (its creator); who approved it is the task's outcome.
        issued = await deps.orm.em.fork().transactional((tx) =>
          issueCreditNote(tx, {
            id: input.creditNoteId,
            invoiceId: input.invoiceId,
            amount: input.amount,
            reason: input.reason,
            cancellation: false,
            actor: input.requestedBy,
            today: asOfDate,
          }),
        );
      } catch (error) {
        // Paid, cancelled or credited meanwhile: nothing left to credit this way; the workflow records the refusal.
        if (error instanceof InvoiceRequestError) return { issued: false, refusal: error.message };
        throw error;
      }
      const client = Context.current().client;
      const log = {
        warn: (message: string, meta?: Record<string, unknown>) => Context.current().log.warn(message, meta),
      };
      await signalIfRunning(
        client,
        workflowIds.invoice(input.invoiceId),
        invoiceBalanceChangedSignal,
        [issued.applied.signal],
        log,
      );
      await notifyCollectionOfBalanceChange(
        client,
        [issued.applied.customerId],
        { reason: 'credit_note', source: `credit-note:${issued.id}` },
        log,
      );
      return { issued: true, number: issued.number };
    },
  };
}

export type CreditNoteApprovalActivities = ReturnType<typeof createCreditNoteApprovalActivities>;
