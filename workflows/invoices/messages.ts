// The signals and queries of the invoice workflow (`invoice-<id>`) and of the approval of a credit note
// (`credit-note-approval-<creditNoteId>`). The API and activities import these definitions (and types) only.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { InvoiceStatus } from '../../src/invoices/rules/invoice-status.js';
import type { InvoiceWorkflowState } from '../../src/invoices/rules/invoice-workflow-state.js';

/**
 * The invoice's open amount changed in the database (a payment or credit was applied, a discount or write-off
 * posted). Sent by the activity that committed the change, after the commit; the row in `invoice` is the record of
 * truth and the workflow mirrors it.
 */
export interface InvoiceBalanceChange {
  openAmount: number;
  cause: 'payment' | 'credit' | 'credit_note' | 'discount' | 'write_off' | 'reversal';
  /** The document that caused it, e.g. `payment:<id>` or `credit-note:<id>`. */
  source: string;
  /** The invoice status the change committed (`applyToInvoice` returns it); absent means `paid` at zero. */
  status?: InvoiceStatus;
}
export const invoiceBalanceChangedSignal = defineSignal<[InvoiceBalanceChange]>('invoiceBalanceChanged');
/** The invoice workflow's live state: phase, mirrored open amount and status, reminder and overdue instants. */
export const invoiceStateQuery = defineQuery<InvoiceWorkflowState>('invoiceState');

// --- credit note approval (`credit-note-approval-<creditNoteId>`) ---
export interface CreditNoteApprovalState {
  status: 'awaiting_approval' | 'issued' | 'rejected' | 'refused';
  taskId: string | null;
  decidedBy: string | null;
  comment: string | null;
  creditNoteNumber: string | null;
  /** Why an approved credit note could not be issued (the invoice was paid or closed meanwhile). */
  refusal: string | null;
}
export const creditNoteApprovalQuery = defineQuery<CreditNoteApprovalState>('creditNoteApproval');
