// Pure rules of bulk imports: turn one raw row (a CSV record of strings or a JSON-lines object) into a typed import
// row, or the list of problems that reject it (line, field, reason). No I/O: what needs the database (does the
// customer exist, is the external reference taken, is it a duplicate) is checked when the row is applied.
import { isCountryCode, isCurrencyCode } from '../../shared/iso.js';
import { isIsoDate } from '../../shared/journal.js';
import { taxRateToPpm } from '../../invoices/rules/invoice.js';

export type ImportKind = 'customers' | 'invoices' | 'opening_balances';

export interface RowProblem {
  /** The column (CSV) or JSON pointer-like path (JSON lines) at fault; empty for the row as a whole. */
  field: string;
  reason: string;
}

export interface CustomerImportRow {
  externalRef: string;
  legalName: string;
  displayName: string | null;
  email: string;
  currency: string;
  billingAddress: { line1: string; line2?: string; city: string; postalCode: string; region?: string; country: string };
  taxId: { country: string; value: string } | null;
  termsCode: string | null;
  creditLimit: number | null;
  tags: string[];
}

export interface InvoiceImportRow {
  externalRef: string;
  customer: { externalRef: string } | { id: string };
  currency: string;
  issueDate: string;
  dueDate: string | null;
  description: string;
  /** Net amount in minor units (the invoice is one line of quantity 1). */
  amount: number;
  taxRate: string | null;
  terms: string | null;
}

export interface OpeningBalanceRow {
  externalRef: string;
  customer: { externalRef: string } | { id: string };
  currency: string;
  issueDate: string;
  dueDate: string;
  /** Original gross total and what is still open of it, minor units. */
  total: number;
  openAmount: number;
}

export type ParsedRow<T> = { ok: true; row: T } | { ok: false; problems: RowProblem[] };

/** CSV column names of each kind (also the JSON-lines field names, flattened for CSV). */
export const IMPORT_COLUMNS: Record<ImportKind, readonly string[]> = {
  customers: [
    'externalRef',
    'legalName',
    'displayName',
    'email',
    'currency',
    'line1',
    'line2',
    'city',
    'postalCode',
    'region',
    'country',
    'taxCountry',
    'taxId',
    'termsCode',
    'creditLimit',
    'tags',
  ],
  invoices: [
    'externalRef',
    'customerExternalRef',
    'customerId',
    'currency',
    'issueDate',
    'dueDate',
    'description',
    'amount',
    'taxRate',
    'terms',
  ],
  opening_balances: [
    'externalRef',
    'customerExternalRef',
    'customerId',
    'currency',
    'issueDate',
    'dueDate',
    'total',
    'openAmount',
  ],
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A reader of one raw row that records what is wrong as it goes. */
class RowReader {
  readonly problems: RowProblem[] = [];
  constructor(private readonly raw: Record<string, unknown>) {}

  private value(field: string): unknown {
    const v = this.raw[field];
    return typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v === null ? undefined : v;
  }

  text(field: string, options: { required?: boolean; max?: number } = {}): string | null {
    const v = this.value(field);
    if (v === undefined) {
      if (options.required) this.problems.push({ field, reason: 'is required' });
      return null;
    }
    if (typeof v !== 'string') {
      this.problems.push({ field, reason: 'must be text' });
      return null;
    }
    if (v.length > (options.max ?? 200)) {
      this.problems.push({ field, reason: `is longer than ${options.max ?? 200} characters` });
      return null;
    }
    return v;
  }

  /** Whole minor units: a JSON integer or a CSV string of digits. */
  integer(field: string, options: { required?: boolean; min?: number } = {}): number | null {
    const v = this.value(field);
    if (v === undefined) {
      if (options.required) this.problems.push({ field, reason: 'is required' });
      return null;
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,16}$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) {
      this.problems.push({ field, reason: 'must be a whole number of minor units (e.g. 12050 for 120.50)' });
      return null;
    }
    if (options.min !== undefined && n < options.min) {
      this.problems.push({ field, reason: `must be at least ${options.min}` });
      return null;
    }
    return n;
  }

  date(field: string, required: boolean): string | null {
    const v = this.text(field, { required, max: 10 });
    if (v === null) return null;
    if (!isIsoDate(v)) {
      this.problems.push({ field, reason: 'must be a calendar date YYYY-MM-DD' });
      return null;
    }
    return v;
  }

  currency(field: string): string | null {
    const v = this.text(field, { required: true, max: 3 });
    if (v !== null && !isCurrencyCode(v)) {
      this.problems.push({ field, reason: `"${v}" is not an ISO 4217 currency code` });
      return null;
    }
    return v;
  }

  customerRef(): InvoiceImportRow['customer'] | null {
    const ext = this.text('customerExternalRef', { max: 100 });
    const id = this.text('customerId', { max: 36 });
    if (id !== null && !UUID.test(id)) {
      this.problems.push({ field: 'customerId', reason: 'must be a UUID' });
      return null;
    }
    if (id !== null && ext !== null) {
      this.problems.push({ field: 'customerId', reason: 'give customerId or customerExternalRef, not both' });
      return null;
    }
    if (id === null && ext === null) {
      this.problems.push({ field: 'customerExternalRef', reason: 'is required (or customerId)' });
      return null;
    }
    return id !== null ? { id } : { externalRef: ext! };
  }
}

/** JSON-lines rows may nest address, taxId and creditLimit like POST /customers; CSV rows are flat. Both work. */
function flattenCustomer(raw: Record<string, unknown>): Record<string, unknown> {
  const address = (raw.billingAddress ?? {}) as Record<string, unknown>;
  const tax = (raw.taxId && typeof raw.taxId === 'object' ? raw.taxId : {}) as Record<string, unknown>;
  const limit =
    raw.creditLimit && typeof raw.creditLimit === 'object'
      ? (raw.creditLimit as Record<string, unknown>).amount
      : raw.creditLimit;
  return {
    ...raw,
    ...address,
    taxCountry: raw.taxCountry ?? tax.country,
    taxId: typeof raw.taxId === 'string' ? raw.taxId : tax.value,
    creditLimit: limit,
    tags: Array.isArray(raw.tags) ? raw.tags.join(';') : raw.tags,
  };
}

export function parseCustomerRow(input: Record<string, unknown>): ParsedRow<CustomerImportRow> {
  const r = new RowReader(flattenCustomer(input));
  const externalRef = r.text('externalRef', { required: true, max: 100 });
  const legalName = r.text('legalName', { required: true, max: 200 });
  const displayName = r.text('displayName', { max: 200 });
  const email = r.text('email', { required: true, max: 254 });
  if (email !== null && !EMAIL.test(email)) r.problems.push({ field: 'email', reason: 'is not an e-mail address' });
  const currency = r.currency('currency');
  const line1 = r.text('line1', { required: true });
  const line2 = r.text('line2');
  const city = r.text('city', { required: true, max: 100 });
  const postalCode = r.text('postalCode', { required: true, max: 20 });
  const region = r.text('region', { max: 100 });
  const country = r.text('country', { required: true, max: 2 });
  if (country !== null && !isCountryCode(country))
    r.problems.push({ field: 'country', reason: `"${country}" is not an ISO 3166-1 alpha-2 country code` });
  const taxCountry = r.text('taxCountry', { max: 2 });
  const taxValue = r.text('taxId', { max: 50 });
  if ((taxCountry === null) !== (taxValue === null))
    r.problems.push({
      field: taxCountry === null ? 'taxCountry' : 'taxId',
      reason: 'taxCountry and taxId go together',
    });
  if (taxCountry !== null && !isCountryCode(taxCountry))
    r.problems.push({ field: 'taxCountry', reason: `"${taxCountry}" is not an ISO 3166-1 alpha-2 country code` });
  const termsCode = r.text('termsCode', { max: 50 });
  const creditLimit = r.integer('creditLimit', { min: 0 });
  const tags = (r.text('tags', { max: 1000 }) ?? '')
    .split(';')
    .map((t) => t.trim())
    .filter(Boolean);
  if (r.problems.length) return { ok: false, problems: r.problems };
  return {
    ok: true,
    row: {
      externalRef: externalRef!,
      legalName: legalName!,
      displayName,
      email: email!,
      currency: currency!,
      billingAddress: {
        line1: line1!,
        ...(line2 ? { line2 } : {}),
        city: city!,
        postalCode: postalCode!,
        ...(region ? { region } : {}),
        country: country!,
      },
      taxId: taxCountry && taxValue ? { country: taxCountry, value: taxValue } : null,
      termsCode,
      creditLimit,
      tags,
    },
  };
}

export function parseInvoiceRow(input: Record<string, unknown>): ParsedRow<InvoiceImportRow> {
  const r = new RowReader(input);
  const externalRef = r.text('externalRef', { required: true, max: 100 });
  const customer = r.customerRef();
  const currency = r.currency('currency');
  const issueDate = r.date('issueDate', true);
  const dueDate = r.date('dueDate', false);
  if (issueDate && dueDate && dueDate < issueDate)
    r.problems.push({ field: 'dueDate', reason: 'must not be before issueDate' });
  const description = r.text('description', { max: 500 }) ?? 'Imported invoice';
  const amount = r.integer('amount', { required: true, min: 1 });
  const taxRate = r.text('taxRate', { max: 9 });
  if (taxRate !== null && taxRateToPpm(taxRate) === undefined)
    r.problems.push({ field: 'taxRate', reason: 'must be a percentage from 0 to 100 with at most 4 decimals' });
  const terms = r.text('terms', { max: 50 });
  if (r.problems.length) return { ok: false, problems: r.problems };
  return {
    ok: true,
    row: {
      externalRef: externalRef!,
      customer: customer!,
      currency: currency!,
      issueDate: issueDate!,
      dueDate,
      description,
      amount: amount!,
      taxRate,
      terms,
    },
  };
}

export function parseOpeningBalanceRow(input: Record<string, unknown>): ParsedRow<OpeningBalanceRow> {
  const r = new RowReader(input);
  const externalRef = r.text('externalRef', { required: true, max: 100 });
  const customer = r.customerRef();
  const currency = r.currency('currency');
  const issueDate = r.date('issueDate', true);
  const dueDate = r.date('dueDate', true);
  if (issueDate && dueDate && dueDate < issueDate)
    r.problems.push({ field: 'dueDate', reason: 'must not be before issueDate' });
  const total = r.integer('total', { required: true, min: 1 });
  const openAmount = r.integer('openAmount', { required: true, min: 1 });
  if (total !== null && openAmount !== null && openAmount > total)
    r.problems.push({ field: 'openAmount', reason: `must not exceed total ${total}` });
  if (r.problems.length) return { ok: false, problems: r.problems };
  return {
    ok: true,
    row: {
      externalRef: externalRef!,
      customer: customer!,
      currency: currency!,
      issueDate: issueDate!,
      dueDate: dueDate!,
      total: total!,
      openAmount: openAmount!,
    },
  };
}

/** Status an opening invoice starts in, as of the go-live date. */
export function openingStatus(
  row: Pick<OpeningBalanceRow, 'dueDate' | 'total' | 'openAmount'>,
  asOf: string,
): { status: 'sent' | 'partially_paid' | 'overdue'; overdueSince: string | null } {
  if (row.dueDate < asOf) {
    const next = new Date(`${row.dueDate}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    return { status: 'overdue', overdueSince: next.toISOString().slice(0, 10) };
  }
  return { status: row.openAmount < row.total ? 'partially_paid' : 'sent', overdueSince: null };
}
