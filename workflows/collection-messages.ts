// Signals, queries and updates of the collection workflow (`collection-<customerId>`). The API and other areas import
// these definitions (and types) only.
import { defineSignal } from '@temporalio/workflow';

/**
 * An invoice of the customer entered or left dispute. The invoice row (status `disputed`) is the record of truth;
 * the signal only makes the collection re-evaluate at once instead of at its next step.
 */
export interface InvoiceDisputeNotice {
  invoiceId: string;
  disputeId: string;
  disputed: boolean;
}
export const invoiceDisputeSignal = defineSignal<[InvoiceDisputeNotice]>('invoiceDispute');
