// UBL 2.1 Invoice and CreditNote documents following the Peppol BIS Billing 3.0 profile (EN 16931). Pure: a document
// model in, XML text out. Element order follows the UBL 2.1 schemas (the export test validates against them).
import { currencyExponent } from '../shared/iso.js';

export const PEPPOL_CUSTOMIZATION_ID = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
export const PEPPOL_PROFILE_ID = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';

export interface UblParty {
  name: string;
  /** Electronic address (BT-34/BT-49) and its scheme (EAS code list, e.g. 0088 GLN, 9930 German VAT, EM e-mail). */
  endpoint: { id: string; scheme: string };
  address: { line1?: string; line2?: string; city?: string; postalCode?: string; region?: string; country: string };
  vatId: string | null;
  legalId: string | null;
  email: string | null;
}

export interface UblLine {
  id: string;
  description: string;
  quantityMilli: number;
  unitPrice: number;
  net: number;
  /** Percentage as decimal text ("19", "8.875"). */
  taxRate: string;
  tax: number;
}

export interface UblDocument {
  kind: 'invoice' | 'credit_note';
  number: string;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  /** BT-10: the buyer's reference (Peppol requires it or an order reference). */
  buyerReference: string;
  note: string | null;
  /** Credit notes: the invoice they correct. */
  invoiceReference: { number: string; issueDate: string } | null;
  seller: UblParty;
  buyer: UblParty;
  paymentTermsNote: string | null;
  paymentId: string;
  iban: string | null;
  lines: UblLine[];
  taxTotal: number;
  lineTotal: number;
  /** Paid already (BT-113); the payable amount is total minus this. */
  prepaid: number;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const xmlEscape = (text: string) => text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

function decimal(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const text = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return negative ? `-${text}` : text;
}

const quantity = (milli: number) =>
  milli % 1000 === 0 ? String(milli / 1000) : (milli / 1000).toFixed(3).replace(/0+$/, '');

/** Peppol tax category: S standard rate, Z zero rated. */
const taxCategory = (rate: string) => (Number(rate) > 0 ? 'S' : 'Z');

function el(name: string, value: string | null | undefined, attrs: Record<string, string> = {}): string {
  if (value === null || value === undefined || value === '') return '';
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${xmlEscape(v)}"`)
    .join('');
  return `<${name}${a}>${xmlEscape(value)}</${name}>`;
}

function party(p: UblParty): string {
  return [
    '<cac:Party>',
    el('cbc:EndpointID', p.endpoint.id, { schemeID: p.endpoint.scheme }),
    `<cac:PartyName>${el('cbc:Name', p.name)}</cac:PartyName>`,
    '<cac:PostalAddress>',
    el('cbc:StreetName', p.address.line1),
    el('cbc:AdditionalStreetName', p.address.line2),
    el('cbc:CityName', p.address.city),
    el('cbc:PostalZone', p.address.postalCode),
    el('cbc:CountrySubentity', p.address.region),
    `<cac:Country>${el('cbc:IdentificationCode', p.address.country)}</cac:Country>`,
    '</cac:PostalAddress>',
    p.vatId
      ? `<cac:PartyTaxScheme>${el('cbc:CompanyID', p.vatId)}<cac:TaxScheme>${el('cbc:ID', 'VAT')}</cac:TaxScheme></cac:PartyTaxScheme>`
      : '',
    `<cac:PartyLegalEntity>${el('cbc:RegistrationName', p.name)}${el('cbc:CompanyID', p.legalId)}</cac:PartyLegalEntity>`,
    p.email ? `<cac:Contact>${el('cbc:ElectronicMail', p.email)}</cac:Contact>` : '',
    '</cac:Party>',
  ].join('');
}

/** Tax subtotals per category and rate: sums of the line nets and line taxes. */
function taxSubtotals(doc: UblDocument): string {
  const groups = new Map<string, { rate: string; taxable: number; tax: number }>();
  for (const line of doc.lines) {
    const key = `${taxCategory(line.taxRate)}:${Number(line.taxRate)}`;
    const g = groups.get(key) ?? { rate: line.taxRate, taxable: 0, tax: 0 };
    g.taxable += line.net;
    g.tax += line.tax;
    groups.set(key, g);
  }
  const c = doc.currency;
  return [...groups.values()]
    .map(
      (g) =>
        `<cac:TaxSubtotal>${el('cbc:TaxableAmount', decimal(g.taxable, c), { currencyID: c })}${el('cbc:TaxAmount', decimal(g.tax, c), { currencyID: c })}` +
        `<cac:TaxCategory>${el('cbc:ID', taxCategory(g.rate))}${el('cbc:Percent', String(Number(g.rate)))}<cac:TaxScheme>${el('cbc:ID', 'VAT')}</cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>`,
    )
    .join('');
}

export function renderUbl(doc: UblDocument): string {
  const c = doc.currency;
  const money = (name: string, minor: number) => el(name, decimal(minor, c), { currencyID: c });
  const isInvoice = doc.kind === 'invoice';
  const root = isInvoice ? 'Invoice' : 'CreditNote';
  const ns = isInvoice
    ? 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'
    : 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';
  const total = doc.lineTotal + doc.taxTotal;
  const lines = doc.lines
    .map((line) =>
      [
        `<cac:${root}Line>`,
        el('cbc:ID', line.id),
        el(isInvoice ? 'cbc:InvoicedQuantity' : 'cbc:CreditedQuantity', quantity(line.quantityMilli), {
          unitCode: 'C62',
        }),
        money('cbc:LineExtensionAmount', line.net),
        '<cac:Item>',
        el('cbc:Name', line.description.slice(0, 200)),
        `<cac:ClassifiedTaxCategory>${el('cbc:ID', taxCategory(line.taxRate))}${el('cbc:Percent', String(Number(line.taxRate)))}<cac:TaxScheme>${el('cbc:ID', 'VAT')}</cac:TaxScheme></cac:ClassifiedTaxCategory>`,
        '</cac:Item>',
        `<cac:Price>${money('cbc:PriceAmount', line.unitPrice)}</cac:Price>`,
        `</cac:${root}Line>`,
      ].join(''),
    )
    .join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<${root} xmlns="${ns}" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">`,
    el('cbc:CustomizationID', PEPPOL_CUSTOMIZATION_ID),
    el('cbc:ProfileID', PEPPOL_PROFILE_ID),
    el('cbc:ID', doc.number),
    el('cbc:IssueDate', doc.issueDate),
    isInvoice ? el('cbc:DueDate', doc.dueDate) : '',
    el(isInvoice ? 'cbc:InvoiceTypeCode' : 'cbc:CreditNoteTypeCode', isInvoice ? '380' : '381'),
    el('cbc:Note', doc.note),
    el('cbc:DocumentCurrencyCode', c),
    el('cbc:BuyerReference', doc.buyerReference),
    doc.invoiceReference
      ? `<cac:BillingReference><cac:InvoiceDocumentReference>${el('cbc:ID', doc.invoiceReference.number)}${el('cbc:IssueDate', doc.invoiceReference.issueDate)}</cac:InvoiceDocumentReference></cac:BillingReference>`
      : '',
    `<cac:AccountingSupplierParty>${party(doc.seller)}</cac:AccountingSupplierParty>`,
    `<cac:AccountingCustomerParty>${party(doc.buyer)}</cac:AccountingCustomerParty>`,
    // 58: SEPA credit transfer when an IBAN is known, else 1 (instrument not defined); PaymentID is the remittance reference.
    `<cac:PaymentMeans>${el('cbc:PaymentMeansCode', doc.iban ? '58' : '1')}${!isInvoice ? el('cbc:PaymentDueDate', doc.dueDate) : ''}${el('cbc:PaymentID', doc.paymentId)}${
      doc.iban ? `<cac:PayeeFinancialAccount>${el('cbc:ID', doc.iban)}</cac:PayeeFinancialAccount>` : ''
    }</cac:PaymentMeans>`,
    doc.paymentTermsNote ? `<cac:PaymentTerms>${el('cbc:Note', doc.paymentTermsNote)}</cac:PaymentTerms>` : '',
    `<cac:TaxTotal>${money('cbc:TaxAmount', doc.taxTotal)}${taxSubtotals(doc)}</cac:TaxTotal>`,
    '<cac:LegalMonetaryTotal>',
    money('cbc:LineExtensionAmount', doc.lineTotal),
    money('cbc:TaxExclusiveAmount', doc.lineTotal),
    money('cbc:TaxInclusiveAmount', total),
    doc.prepaid > 0 ? money('cbc:PrepaidAmount', doc.prepaid) : '',
    money('cbc:PayableAmount', total - doc.prepaid),
    '</cac:LegalMonetaryTotal>',
    lines,
    `</${root}>`,
  ].join('');
}
