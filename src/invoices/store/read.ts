// Reading invoices as documents (header, lines, credit notes) for the API and the delivery activities.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { InvoiceStatus } from '../rules/invoice-status.js';
import { milliToQuantity, ppmToTaxRate } from '../rules/invoice.js';

export interface InvoiceDocument {
  id: string;
  number: string;
  series: string;
  customerId: string;
  customerName: string;
  customerEmail: string;
  currency: string;
  issueDate: string;
  dueDate: string;
  termsCode: string | null;
  instalments: { dueDate: string; amount: { amount: number; currency: string } }[];
  status: InvoiceStatus;
  subtotal: number;
  tax: number;
  total: number;
  openAmount: number;
  creditedAmount: number;
  discount: { deadline: string; rateBp: number; amount: number } | null;
  externalRef: string | null;
  issueEntryId: string;
  sentAt: string | null;
  remindedAt: string | null;
  overdueSince: string | null;
  closedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  lines: {
    lineNo: number;
    description: string;
    quantity: number;
    unitPrice: number;
    taxRate: string;
    net: number;
    tax: number;
  }[];
  creditNotes: {
    id: string;
    number: string;
    kind: string;
    reason: string;
    issueDate: string;
    net: number;
    tax: number;
    total: number;
    entryId: string;
    createdAt: string;
  }[];
}

/** Columns of an invoice row as the list and the document read them (dates as YYYY-MM-DD text). */
export const INVOICE_COLUMNS = `i.id, i.number, i.series, i.customer_id, i.currency, to_char(i.issue_date, 'YYYY-MM-DD') AS issue_date,
  to_char(i.due_date, 'YYYY-MM-DD') AS due_date, i.terms_code, i.instalments, i.status, i.subtotal_amount, i.tax_amount, i.total_amount,
  i.open_amount, i.credited_amount, to_char(i.discount_deadline, 'YYYY-MM-DD') AS discount_deadline, i.discount_rate_bp, i.discount_amount,
  i.external_ref, i.issue_entry_id, i.sent_at, i.reminded_at, to_char(i.overdue_since, 'YYYY-MM-DD') AS overdue_since, i.closed_at,
  i.version, i.created_at, i.updated_at, c.legal_name, c.display_name, c.email`;

export type InvoiceRow = Record<string, unknown>;

const iso = (value: unknown) =>
  value === null || value === undefined ? null : new Date(value as string).toISOString();

export function invoiceFromRow(row: InvoiceRow): Omit<InvoiceDocument, 'lines' | 'creditNotes'> {
  const currency = String(row.currency);
  return {
    id: String(row.id),
    number: String(row.number),
    series: String(row.series),
    customerId: String(row.customer_id),
    customerName: String(row.display_name ?? row.legal_name),
    customerEmail: String(row.email),
    currency,
    issueDate: String(row.issue_date),
    dueDate: String(row.due_date),
    termsCode: (row.terms_code as string | null) ?? null,
    instalments: row.instalments as InvoiceDocument['instalments'],
    status: row.status as InvoiceStatus,
    subtotal: Number(row.subtotal_amount),
    tax: Number(row.tax_amount),
    total: Number(row.total_amount),
    openAmount: Number(row.open_amount),
    creditedAmount: Number(row.credited_amount),
    discount:
      row.discount_deadline === null
        ? null
        : {
            deadline: String(row.discount_deadline),
            rateBp: Number(row.discount_rate_bp),
            amount: Number(row.discount_amount),
          },
    externalRef: (row.external_ref as string | null) ?? null,
    issueEntryId: String(row.issue_entry_id),
    sentAt: iso(row.sent_at),
    remindedAt: iso(row.reminded_at),
    overdueSince: (row.overdue_since as string | null) ?? null,
    closedAt: iso(row.closed_at),
    version: Number(row.version),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

export async function readInvoice(em: EntityManager, invoiceId: string): Promise<InvoiceDocument | undefined> {
  const [row] = await em.execute<InvoiceRow[]>(
    `SELECT ${INVOICE_COLUMNS} FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE i.id = ?`,
    [invoiceId],
  );
  if (!row) return undefined;
  const [lines, creditNotes] = await Promise.all([
    em.execute<Record<string, string | number>[]>(
      'SELECT line_no, description, quantity_milli, unit_price, tax_rate_ppm, net_amount, tax_amount FROM invoice_line WHERE invoice_id = ? ORDER BY line_no',
      [invoiceId],
    ),
    em.execute<Record<string, string | number>[]>(
      `SELECT id, number, kind, reason, to_char(issue_date, 'YYYY-MM-DD') AS issue_date, net_amount, tax_amount, total_amount, entry_id, created_at
         FROM credit_note WHERE invoice_id = ? ORDER BY created_at, number`,
      [invoiceId],
    ),
  ]);
  return {
    ...invoiceFromRow(row),
    lines: lines.map((l) => ({
      lineNo: Number(l.line_no),
      description: String(l.description),
      quantity: milliToQuantity(Number(l.quantity_milli)),
      unitPrice: Number(l.unit_price),
      taxRate: ppmToTaxRate(Number(l.tax_rate_ppm)),
      net: Number(l.net_amount),
      tax: Number(l.tax_amount),
    })),
    creditNotes: creditNotes.map((n) => ({
      id: String(n.id),
      number: String(n.number),
      kind: String(n.kind),
      reason: String(n.reason),
      issueDate: String(n.issue_date),
      net: Number(n.net_amount),
      tax: Number(n.tax_amount),
      total: Number(n.total_amount),
      entryId: String(n.entry_id),
      createdAt: iso(n.created_at)!,
    })),
  };
}
