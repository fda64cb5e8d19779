// Documents e-mailed to customers: the periodic statement and the payment receipt, each rendered through the document
// pipeline, stored once (kind + ref) and sent once (outbound_message keyed by the same ref), so a retried activity
// attaches the stored bytes and never sends twice.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { formatMoney } from '../../src/shared/money.js';
import { statementKey } from '../../src/documents/rules/statements.js';
import { ensureInvoicePdf } from '../../src/documents/invoice-pdf.js';
import { ensureReceiptPdf, receiptData } from '../../src/documents/store/receipt.js';
import { renderStatement, StatementCustomerNotFoundError } from '../../src/documents/store/statement.js';
import { storeDocument } from '../../src/documents/store/documents.js';
import { readInvoice } from '../../src/invoices/store/read.js';
import { invoiceDeliveryStates, receiptOrder } from '../../src/payments/store/receipt-order.js';
import type { ActivityDeps } from '../deps.js';
import { sendTemplatedEmail } from '../mail/mail.js';

/**
 * Attempts of the receipt (1 s doubling backoff: about a minute) while an invoice it pays is still being delivered;
 * after that the invoice goes with the receipt, so neither the receipt nor the research step waits longer.
 */
export const RECEIPT_WAIT_ATTEMPTS = 7;

async function invoicePdfs(em: EntityManager, invoiceIds: string[], companyName: string) {
  const found = [];
  for (const invoiceId of invoiceIds) {
    const invoice = await readInvoice(em, invoiceId);
    if (invoice) found.push({ number: invoice.number, document: await ensureInvoicePdf(em, invoice, companyName) });
  }
  return found;
}

export interface SentDocument {
  documentId: string;
  messageId: string;
  alreadySent: boolean;
}

export function createDocumentActivities(deps: ActivityDeps) {
  return {
    /** Renders, stores and e-mails one customer's statement for one period (PDF attached); once per customer and period. */
    async sendStatement(input: { customerId: string; from: string; to: string }): Promise<SentDocument> {
      const em = deps.orm.em.fork();
      const key = statementKey(input.customerId, input);
      let statement;
      try {
        statement = await renderStatement(
          em,
          { ...input, format: 'pdf' },
          {
            companyName: deps.mail.companyName,
            publicUrl: deps.mail.publicUrl,
            paymentInstructions: deps.mail.paymentInstructions,
          },
        );
      } catch (error) {
        if (error instanceof StatementCustomerNotFoundError)
          throw ApplicationFailure.nonRetryable(error.message, 'CustomerNotFound');
        throw error;
      }
      const { document } = await storeDocument(em, {
        kind: 'statement',
        ref: key,
        customerId: input.customerId,
        period: { from: input.from, to: input.to },
        filename: statement.filename,
        mediaType: statement.mediaType,
        content: statement.body,
      });
      const { data } = statement;
      const m = (amount: number) => formatMoney({ amount, currency: data.currency });
      const overdue = data.aging.slice(1).reduce((sum, b) => sum + b.amount, 0);
      const mail = await sendTemplatedEmail(deps, {
        idempotencyKey: key,
        template: 'statement-email',
        to: data.customer.email,
        customerId: input.customerId,
        data: {
          customerName: data.customer.name,
          from: data.from,
          to: data.to,
          openingBalance: m(data.openingBalance),
          closingBalance: m(data.closingBalance),
          overdue: overdue > 0 ? m(overdue) : '',
          howToPay: data.howToPay,
        },
        attachments: [{ filename: document.filename, content: document.content, contentType: document.mediaType }],
      });
      return { documentId: document.id, ...mail };
    },

    /** E-mails the receipt of an applied payment with a known payer (PDF attached); null when there is no payer to tell. */
    async sendPaymentReceipt(input: { paymentId: string; workflowId: string }): Promise<SentDocument | null> {
      const em = deps.orm.em.fork();
      const data = await receiptData(em, input.paymentId);
      if (!data) return null;
      // Invoice first, receipt second: wait while an invoice it pays is being delivered, attach any that will not be.
      const order = receiptOrder(
        await invoiceDeliveryStates(em, input.paymentId),
        Context.current().info.attempt >= RECEIPT_WAIT_ATTEMPTS,
      );
      if (order.kind === 'wait')
        throw ApplicationFailure.retryable(
          `the receipt waits for the delivery of invoice ${order.invoiceNumbers.join(', ')}`,
          'InvoiceDeliveryPending',
        );
      const invoices = await invoicePdfs(em, order.attachInvoices, deps.mail.companyName);
      const document = await ensureReceiptPdf(em, data, deps.mail.companyName);
      const m = (amount: number) => formatMoney({ amount, currency: data.payment.currency });
      const mail = await sendTemplatedEmail(deps, {
        idempotencyKey: `${input.workflowId}:receipt`,
        template: 'receipt-email',
        to: data.customer.email,
        customerId: data.customer.id,
        data: {
          customerName: data.customer.name,
          amount: m(data.payment.amount),
          receivedOn: data.payment.receivedAt.toISOString().slice(0, 10),
          allocations: data.allocations.map((a) => ({ invoiceNumber: a.invoiceNumber, amount: m(a.amount) })),
          unapplied: data.payment.unappliedAmount > 0 ? m(data.payment.unappliedAmount) : '',
          attachedInvoices: invoices.map((i) => i.number),
        },
        attachments: [document, ...invoices.map((i) => i.document)].map((d) => ({
          filename: d.filename,
          content: d.content,
          contentType: d.mediaType,
        })),
      });
      return { documentId: document.id, ...mail };
    },
  };
}

export type DocumentActivities = ReturnType<typeof createDocumentActivities>;
