// Every signal, query and update of the engine's workflows. The API imports these definitions (and types) only.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountState } from '../../src/customers/rules/account.js';
import type { InvoiceStatus } from '../../src/invoices/rules/invoice-status.js';
import type { InvoiceWorkflowState } from '../../src/invoices/rules/invoice-workflow-state.js';
import type { TaskCompletion, TaskCompletionResult } from '../../src/tasks/rules/tasks.js';

// --- customer account (`customer-<id>`) ---
export const accountStateQuery = defineQuery<AccountState>('accountState');
/** Re-read the account's facts now instead of at the next scheduled refresh (e.g. after a profile change). */
export const refreshAccountSignal = defineSignal<[{ reason: string }]>('refreshAccount');
export const closeAccountSignal = defineSignal<[{ by: string; reason: string }]>('closeAccount');
/**
 * The API committed a profile change (terms, credit limit, hold/release, merge...): the workflow applies the fields
 * it keeps and records who changed what. Sent after the commit; the stored record stays the record of truth.
 */
export interface AccountProfileChange {
  changes: { field: string; from: unknown; to: unknown }[];
  by: string;
  /** Row version after the change. */
  version: number;
}
export const accountProfileChangedSignal = defineSignal<[AccountProfileChange]>('accountProfileChanged');

// --- invoice (`invoice-<id>`) ---
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

// --- cash application of one payment (`payment-<id>`) ---
/** Money of the payment was applied after cash application (`POST /payments/:id/allocations`), after the commit. */
export interface PaymentAllocatedNotice {
  /** What is still unapplied (credit or unapplied cash) after the change. */
  unappliedAmount: number;
  by: string;
}
export const paymentAllocatedSignal = defineSignal<[PaymentAllocatedNotice]>('paymentAllocated');
export interface CashApplicationState {
  paymentId: string;
  phase: 'applying' | 'notifying_invoices' | 'awaiting_application' | 'research_open' | 'done';
  unappliedAmount: number | null;
  /** When unapplied money turns into a research task (receipt + policy researchAfter). */
  researchDueAt: string | null;
  researchTaskId: string | null;
  /** The payment's own transaction rolled back (no row after the visibility deadline): nothing was accepted. */
  recordMissing?: boolean;
}
export const cashApplicationStateQuery = defineQuery<CashApplicationState>('cashApplicationState');

// --- human tasks (any workflow that owns tasks, through workflows/tasks/task-inbox.ts) ---
/**
 * A person completed a task the workflow waits for. An update with a validator: an outcome the task does not allow,
 * or a completion of a closed task, is rejected before it enters history and the caller gets the reason.
 */
export const completeTaskUpdate = defineUpdate<TaskCompletionResult, [TaskCompletion]>('completeTask');

/**
 * An approval above the authority of the person who tried it goes to the queue of the role whose ceiling covers it
 * (the API decides the queue from the approval policy; the owning workflow moves its task, so its own view agrees).
 */
export const routeTaskSignal = defineSignal<[{ taskId: string; queue: string; reason: string }]>('routeTask');

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
