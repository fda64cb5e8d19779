// Invoice PDFs through the document pipeline: rendered from the invoice as stored, kept once per invoice (kind
// `invoice`, ref = invoice id), so the delivery e-mail and later downloads carry the same bytes.
import type { EntityManager } from '@mikro-orm/postgresql';
import { formatMoney } from '../shared/money.js';
import type { InvoiceDocument } from '../invoices/store/read.js';
import { renderPdf, type PdfDocumentModel } from './pdf.js';
import { findDocumentByRef, storeDocument, type StoredDocument } from './store/documents.js';

export function invoicePdfModel(invoice: InvoiceDocument, companyName: string): PdfDocumentModel {
  const m = (amount: number) => formatMoney({ amount, currency: invoice.currency });
  const paragraphs = [`Please quote ${invoice.number} with your payment. Customer reference: ${invoice.customerId}.`];
  if (invoice.discount)
    paragraphs.unshift(
      `Early-payment discount: ${m(invoice.discount.amount)} if paid by ${invoice.discount.deadline}.`,
    );
  if (invoice.instalments.length > 1)
    paragraphs.unshift(
      `Instalments: ${invoice.instalments.map((i) => `${i.dueDate} ${formatMoney(i.amount)}`).join('; ')}.`,
    );
  return {
    title: `Invoice ${invoice.number}`,
    sender: companyName,
    date: invoice.issueDate,
    facts: [
      ['Bill to', invoice.customerName],
      ['Issue date', invoice.issueDate],
      ['Due date', invoice.dueDate],
      ...(invoice.externalRef ? [['Your reference', invoice.externalRef] as [string, string]] : []),
    ],
    sections: [
      {
        table: {
          columns: [
            { label: '#', width: 0.4 },
            { label: 'Description', width: 3.4 },
            { label: 'Qty', width: 0.8, align: 'right' },
            { label: 'Unit price', width: 1.4, align: 'right' },
            { label: 'Tax rate', width: 0.9, align: 'right' },
            { label: 'Net', width: 1.4, align: 'right' },
            { label: 'Tax', width: 1.2, align: 'right' },
          ],
          rows: invoice.lines.map((l) => [
            String(l.lineNo),
            l.description,
            String(l.quantity),
            m(l.unitPrice),
            `${l.taxRate} %`,
            m(l.net),
            m(l.tax),
          ]),
          footer: ['', 'Total', '', '', '', m(invoice.subtotal), m(invoice.tax)],
        },
      },
      {
        paragraphs: [
          `Subtotal ${m(invoice.subtotal)}, tax ${m(invoice.tax)}, total due ${m(invoice.total)}.`,
          ...paragraphs,
        ],
      },
    ],
  };
}

/** The invoice's PDF, rendered and stored on first use; later calls return the stored document. */
export async function ensureInvoicePdf(
  em: EntityManager,
  invoice: InvoiceDocument,
  companyName: string,
): Promise<StoredDocument> {
  const existing = await findDocumentByRef(em, 'invoice', invoice.id);
  if (existing) return existing;
  const { document } = await storeDocument(em, {
    kind: 'invoice',
    ref: invoice.id,
    customerId: invoice.customerId,
    filename: `${invoice.number}.pdf`,
    mediaType: 'application/pdf',
    content: await renderPdf(invoicePdfModel(invoice, companyName)),
  });
  return document;
}
