// The order a customer reads: an invoice before the receipt of the payment that paid it. A payment can be applied
// seconds after the invoice was issued, before that invoice's delivery e-mail went out, and its receipt would then
// arrive first. The receipt therefore waits (its activity retries) while an invoice it pays is still on its way, and
// takes along, as an attachment, any invoice that will not be delivered on its own any more (settled before its
// delivery ran, or held for a credit decision), so the customer never reads about an invoice they have not received.
import type { EntityManager } from '@mikro-orm/postgresql';
import { isOpenStatus, type InvoiceStatus } from '../../invoices/rules/invoice-status.js';

export interface InvoiceDeliveryState {
  invoiceId: string;
  number: string;
  status: InvoiceStatus;
  delivered: boolean;
}

export type ReceiptOrder =
  | { kind: 'send'; attachInvoices: string[] }
  /** An invoice the payment touched is about to be delivered: wait for it. */
  | { kind: 'wait'; invoiceNumbers: string[] };

/**
 * Pure decision. `waitedLongEnough` ends the wait (a delivery that has not happened after the bounded wait is not
 * coming soon: its invoice goes with the receipt instead, so the receipt, and the research that follows, is not held up).
 */
export function receiptOrder(invoices: InvoiceDeliveryState[], waitedLongEnough: boolean): ReceiptOrder {
  const undelivered = invoices.filter((i) => !i.delivered);
  // An open invoice that is not held is in its delivery step right now (the invoice workflow delivers at issue).
  const onItsWay = undelivered.filter((i) => isOpenStatus(i.status) && i.status !== 'held');
  if (onItsWay.length && !waitedLongEnough) return { kind: 'wait', invoiceNumbers: onItsWay.map((i) => i.number) };
  return { kind: 'send', attachInvoices: undelivered.map((i) => i.invoiceId) };
}

/** The invoices a payment was applied to, and whether each was delivered (its `sent_at` is set by the delivery). */
export async function invoiceDeliveryStates(em: EntityManager, paymentId: string): Promise<InvoiceDeliveryState[]> {
  const rows = await em.execute<{ id: string; number: string; status: InvoiceStatus; delivered: boolean }[]>(
    `SELECT i.id, i.number, i.status, (i.sent_at IS NOT NULL) AS delivered
       FROM invoice i WHERE i.id IN (SELECT a.invoice_id FROM payment_allocation a WHERE a.payment_id = ?)
      ORDER BY i.number`,
    [paymentId],
  );
  return rows.map((r) => ({ invoiceId: r.id, number: r.number, status: r.status, delivered: r.delivered }));
}
