// A stand-in for the collection workflow in dispute tests: it records the dispute notices it is signalled and answers
// them to a query, nothing else.
import { condition, defineQuery, setHandler } from '@temporalio/workflow';
import { invoiceDisputeSignal, type InvoiceDisputeNotice } from '../../workflows/collections/messages.js';

export const disputeNoticesQuery = defineQuery<InvoiceDisputeNotice[]>('disputeNotices');

export async function collectionStandIn(): Promise<void> {
  const notices: InvoiceDisputeNotice[] = [];
  setHandler(invoiceDisputeSignal, (notice) => {
    notices.push(notice);
  });
  setHandler(disputeNoticesQuery, () => notices);
  await condition(() => false);
}
