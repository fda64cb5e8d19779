// Payment receipts through the document pipeline: what was received, from whom, and where it went (invoices paid,
// discounts, credit kept). Stored once per payment (kind `receipt`, ref = payment id).
import type { EntityManager } from '@mikro-orm/postgresql';
import { formatMoney } from '../../shared/money.js';
import {
  allocationsOf,
  findPayment,
  type AllocationRecord,
  type PaymentRecord,
} from '../../payments/store/payments.js';
import { renderPdf, type PdfDocumentModel } from '../pdf.js';
import { findDocumentByRef, storeDocument, type StoredDocument } from './documents.js';

export interface ReceiptData {
  payment: PaymentRecord;
  customer: { id: string; name: string; email: string };
  allocations: AllocationRecord[];
}

/** The payment with its customer and allocations; undefined when the payment or its payer is unknown. */
export async function receiptData(em: EntityManager, paymentId: string): Promise<ReceiptData | undefined> {
  const payment = await findPayment(em, paymentId);
  if (!payment?.customerId) return undefined;
  const [customer] = await em.execute<{ id: string; legal_name: string; display_name: string | null; email: string }[]>(
    'SELECT id, legal_name, display_name, email FROM customer WHERE id = ?',
    [payment.customerId],
  );
  if (!customer) return undefined;
  return {
    payment,
    customer: { id: customer.id, name: customer.display_name ?? customer.legal_name, email: customer.email },
    allocations: await allocationsOf(em, [paymentId]),
  };
}

export function receiptPdfModel(data: ReceiptData, companyName: string): PdfDocumentModel {
  const { payment } = data;
  const m = (amount: number) => formatMoney({ amount, currency: payment.currency });
  const receivedOn = payment.receivedAt.toISOString().slice(0, 10);
  return {
    title: 'Payment receipt',
    sender: companyName,
    date: receivedOn,
    facts: [
      ['Received from', data.customer.name],
      ['Customer reference', data.customer.id],
      ['Received on', receivedOn],
      ['Amount', m(payment.amount)],
      ['Method', payment.method],
      ...(payment.reference ? [['Reference', payment.reference] as [string, string]] : []),
      ['Receipt number', payment.id],
    ],
    sections: [
      {
        heading: 'Applied to',
        table: {
          columns: [
            { label: 'Invoice', width: 2 },
            { label: 'Paid', width: 1.5, align: 'right' },
            { label: 'Discount', width: 1.5, align: 'right' },
          ],
          rows: data.allocations.map((a) => [
            a.invoiceNumber,
            m(a.amount),
            a.discountAmount ? m(a.discountAmount) : '',
          ]),
        },
      },
      {
        paragraphs:
          payment.unappliedAmount > 0
            ? [`${m(payment.unappliedAmount)} is held as credit on your account.`]
            : ['Thank you for your payment.'],
      },
    ],
  };
}

/** The receipt PDF of a payment, rendered and stored on first use. */
export async function ensureReceiptPdf(
  em: EntityManager,
  data: ReceiptData,
  companyName: string,
): Promise<StoredDocument> {
  const existing = await findDocumentByRef(em, 'receipt', data.payment.id);
  if (existing) return existing;
  const { document } = await storeDocument(em, {
    kind: 'receipt',
    ref: data.payment.id,
    customerId: data.customer.id,
    filename: `receipt-${data.payment.id.slice(0, 8)}.pdf`,
    mediaType: 'application/pdf',
    content: await renderPdf(receiptPdfModel(data, companyName)),
  });
  return document;
}
