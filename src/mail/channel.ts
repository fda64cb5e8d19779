// How the customer's contact channel (customer.communication.channel) shapes what we e-mail them:
//   email  - the message as written, with its documents attached (the invoice, the statement, the receipt);
//   portal - documents are not e-mailed: they are in the portal (invoice page, statements, payments, documents), and
//            the e-mail is a short notice, under the same subject, that something is there, with the link to its page;
//   post   - the engine has no print channel yet; rather than dropping the message it goes by e-mail as for `email`.
// Correspondence that is not a document (dispute letters, account and sign-in e-mails) goes as written on any channel.
import type { PortalPage } from '../portal/urls.js';

export type ContactChannel = 'email' | 'portal' | 'post';

interface PortalCopy {
  /** The portal page the notice links to (the invoice's own page takes the message's `invoiceId`). */
  page: PortalPage;
  /** What is there, for the notice's sentence (rendered from the message's data). */
  what: (data: Record<string, unknown>) => string;
}

const invoice: PortalCopy = {
  page: 'invoice',
  what: (d) => `Invoice ${String(d.number)} for ${String(d.total)}, due ${String(d.dueDate)}`,
};
const dunning: PortalCopy = {
  page: 'pay',
  what: (d) => `A payment reminder: ${String(d.total)} is overdue on your account`,
};

/** The messages that carry a document, and where that document is in the portal. */
const DOCUMENT_MESSAGES: Record<string, PortalCopy> = {
  'invoice-issued': invoice,
  'invoice-reminder': {
    ...invoice,
    what: (d) =>
      `A reminder that invoice ${String(d.number)} (${String(d.openAmount)} open) falls due on ${String(d.dueDate)}`,
  },
  'statement-email': {
    page: 'statements',
    what: (d) => `Your statement of account for ${String(d.from)} to ${String(d.to)}`,
  },
  'receipt-email': { page: 'payments', what: (d) => `The receipt for your payment of ${String(d.amount)}` },
  'dunning-reminder': dunning,
  'dunning-demand': { ...dunning, what: (d) => `A payment demand: ${String(d.total)} is overdue on your account` },
  'dunning-final-notice': { ...dunning, what: (d) => `A final notice: ${String(d.total)} is overdue on your account` },
  'dunning-legal': {
    ...dunning,
    what: (d) => `Notice of legal collection: ${String(d.total)} is overdue on your account`,
  },
};

export function isContactChannel(value: unknown): value is ContactChannel {
  return value === 'email' || value === 'portal' || value === 'post';
}

/** The notice to send instead of `template` on `channel`, or undefined to send the message as written. */
export function portalNoticeFor(
  template: string,
  channel: ContactChannel,
  data: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const copy = DOCUMENT_MESSAGES[template];
  if (channel !== 'portal' || !copy) return undefined;
  return {
    customerName: data.customerName,
    what: copy.what(data),
    page: copy.page,
    invoiceId: copy.page === 'invoice' ? data.invoiceId : null,
  };
}

/** The templates whose documents stay in the portal for a `portal` customer (for the docs and tests). */
export const DOCUMENT_TEMPLATES = Object.keys(DOCUMENT_MESSAGES);
