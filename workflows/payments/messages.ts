// The cash application workflow's (`payment-<id>`) signal and query. The API imports these definitions (and types)
// only.
import { defineQuery, defineSignal } from '@temporalio/workflow';

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
