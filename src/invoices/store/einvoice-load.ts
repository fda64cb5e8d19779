// Building UBL documents from stored invoices and credit notes: the seller from configuration, the buyer from the
// customer record (billing address, tax id, e-mail as the electronic address when no Peppol id is known).
import type { EntityManager } from '@mikro-orm/postgresql';
import { readInvoice } from './read.js';
import { renderUbl, type UblDocument, type UblParty } from '../einvoice-ubl.js';
import { openTaxId } from '../../customers/store/sealed-tax-id.js';

export interface SellerConfig {
  name: string;
  country: string;
  line1: string | undefined;
  city: string | undefined;
  postalCode: string | undefined;
  vatId: string | undefined;
  legalId: string | undefined;
  endpointId: string | undefined;
  endpointScheme: string;
  email: string | undefined;
  iban: string | undefined;
}

export function sellerParty(s: SellerConfig): UblParty {
  return {
    name: s.name,
    endpoint: s.endpointId
      ? { id: s.endpointId, scheme: s.endpointScheme }
      : { id: s.email ?? 'ar@example.com', scheme: 'EM' },
    address: { line1: s.line1, city: s.city, postalCode: s.postalCode, country: s.country },
    vatId: s.vatId ?? null,
    legalId: s.legalId ?? null,
    email: s.email ?? null,
  };
}

interface BuyerRow {
  legal_name: string;
  email: string;
  billing_address: {
    line1?: string;
    line2?: string;
    city?: string;
    postalCode?: string;
    region?: string;
    country: string;
  };
  tax_id: string | null;
  tax_country: string | null;
  external_ref: string | null;
}

async function buyerParty(em: EntityManager, customerId: string): Promise<{ party: UblParty; reference: string }> {
  const [c] = await em.execute<BuyerRow[]>(
    'SELECT legal_name, email, billing_address, tax_id, tax_country, external_ref FROM customer WHERE id = ?',
    [customerId],
  );
  if (!c) throw new Error(`customer ${customerId} does not exist`);
  const taxId = c.tax_id ? openTaxId(c.tax_id) : null;
  return {
    party: {
      name: c.legal_name,
      endpoint: { id: c.email, scheme: 'EM' },
      address: c.billing_address,
      // A VAT number carries its country prefix (DE123..., FR...).
      vatId: taxId && c.tax_country ? (taxId.startsWith(c.tax_country) ? taxId : `${c.tax_country}${taxId}`) : null,
      legalId: null,
      email: c.email,
    },
    reference: c.external_ref ?? customerId,
  };
}

/** The invoice as UBL 2.1 XML, or null when it does not exist. */
export async function invoiceUbl(em: EntityManager, invoiceId: string, seller: SellerConfig): Promise<string | null> {
  const invoice = await readInvoice(em, invoiceId);
  if (!invoice) return null;
  const buyer = await buyerParty(em, invoice.customerId);
  const quantities = await em.execute<{ line_no: number; quantity_milli: string }[]>(
    'SELECT line_no, quantity_milli FROM invoice_line WHERE invoice_id = ?',
    [invoiceId],
  );
  const milli = new Map(quantities.map((q) => [Number(q.line_no), Number(q.quantity_milli)]));
  const paid = invoice.total - invoice.openAmount - invoice.creditedAmount;
  const doc: UblDocument = {
    kind: 'invoice',
    number: invoice.number,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    currency: invoice.currency,
    buyerReference: buyer.reference,
    note: invoice.externalRef ? `Reference ${invoice.externalRef}` : null,
    invoiceReference: null,
    seller: sellerParty(seller),
    buyer: buyer.party,
    paymentTermsNote: invoice.termsCode
      ? `Terms ${invoice.termsCode}, due ${invoice.dueDate}`
      : `Due ${invoice.dueDate}`,
    paymentId: invoice.number,
    iban: seller.iban ?? null,
    lines: invoice.lines.map((l) => ({
      id: String(l.lineNo),
      description: l.description,
      quantityMilli: milli.get(l.lineNo) ?? 1000,
      unitPrice: l.unitPrice,
      net: l.net,
      taxRate: l.taxRate,
      tax: l.tax,
    })),
    taxTotal: invoice.tax,
    lineTotal: invoice.subtotal,
    prepaid: Math.max(0, paid),
  };
  return renderUbl(doc);
}

/** A credit note as UBL 2.1 XML (one line carrying its net and tax), or null when it does not exist. */
export async function creditNoteUbl(
  em: EntityManager,
  creditNoteId: string,
  seller: SellerConfig,
): Promise<string | null> {
  const [cn] = await em.execute<
    {
      number: string;
      invoice_id: string;
      customer_id: string;
      currency: string;
      reason: string;
      issue_date: string;
      net_amount: string;
      tax_amount: string;
      inv_number: string;
      inv_issue: string;
    }[]
  >(
    `SELECT n.number, n.invoice_id, n.customer_id, n.currency, n.reason, to_char(n.issue_date, 'YYYY-MM-DD') AS issue_date, n.net_amount, n.tax_amount,
            i.number AS inv_number, to_char(i.issue_date, 'YYYY-MM-DD') AS inv_issue
       FROM credit_note n JOIN invoice i ON i.id = n.invoice_id WHERE n.id = ?`,
    [creditNoteId],
  );
  if (!cn) return null;
  const buyer = await buyerParty(em, cn.customer_id);
  const net = Number(cn.net_amount);
  const tax = Number(cn.tax_amount);
  // The effective rate of the credited part (credits split revenue and tax in proportion to the invoice).
  const rate = net > 0 ? String(Math.round((tax / net) * 10_000) / 100) : '0';
  const doc: UblDocument = {
    kind: 'credit_note',
    number: cn.number,
    issueDate: cn.issue_date,
    dueDate: null,
    currency: cn.currency,
    buyerReference: buyer.reference,
    note: cn.reason,
    invoiceReference: { number: cn.inv_number, issueDate: cn.inv_issue },
    seller: sellerParty(seller),
    buyer: buyer.party,
    paymentTermsNote: null,
    paymentId: cn.number,
    iban: null,
    lines: [
      {
        id: '1',
        description: `Credit on invoice ${cn.inv_number}: ${cn.reason}`,
        quantityMilli: 1000,
        unitPrice: net,
        net,
        taxRate: rate,
        tax,
      },
    ],
    taxTotal: tax,
    lineTotal: net,
    prepaid: 0,
  };
  return renderUbl(doc);
}
