// What a portal user may see, always scoped to their one customer: every query takes the customer id from the
// verified identity and filters by it, so another customer's id is simply not found (the API answers 404).
import type { EntityManager } from '@mikro-orm/postgresql';
import { DISPUTE_COLUMNS, disputeFromRow, type DisputeRecord } from '../../disputes/store/disputes.js';
import {
  findDocument,
  listDocuments,
  type StoredDocument,
  type StoredDocumentInfo,
} from '../../documents/store/documents.js';
import { readInvoice, type InvoiceDocument } from '../../invoices/store/read.js';
import {
  allocationsOf,
  findPayment,
  type AllocationRecord,
  type PaymentRecord,
} from '../../payments/store/payments.js';

export interface PortalSummary {
  customer: { id: string; name: string; currency: string; status: string };
  balance: number;
  overdue: number;
  overdueCount: number;
  openCount: number;
  nextDue: { invoiceId: string; number: string; dueDate: string; amount: number } | null;
}

const OPEN = `status IN ('issued', 'sent', 'due', 'overdue', 'partially_paid', 'disputed')`;

export async function portalSummary(
  em: EntityManager,
  customerId: string,
  today: string,
): Promise<PortalSummary | undefined> {
  const [customer] = await em.execute<{ id: string; name: string; currency: string; status: string }[]>(
    'SELECT id, coalesce(display_name, legal_name) AS name, currency, status FROM customer WHERE id = ?',
    [customerId],
  );
  if (!customer) return undefined;
  const [totals] = await em.execute<{ balance: string; overdue: string; overdue_count: string; open_count: string }[]>(
    `SELECT coalesce(sum(open_amount), 0) AS balance,
            coalesce(sum(open_amount) FILTER (WHERE due_date < ?::date), 0) AS overdue,
            count(*) FILTER (WHERE due_date < ?::date) AS overdue_count, count(*) AS open_count
       FROM invoice WHERE customer_id = ? AND ${OPEN} AND open_amount > 0`,
    [today, today, customerId],
  );
  const [next] = await em.execute<{ id: string; number: string; due_date: string; open_amount: string }[]>(
    `SELECT id, number, to_char(due_date, 'YYYY-MM-DD') AS due_date, open_amount FROM invoice
      WHERE customer_id = ? AND ${OPEN} AND open_amount > 0 AND due_date >= ?::date ORDER BY due_date, number LIMIT 1`,
    [customerId, today],
  );
  return {
    customer: { id: customer.id, name: customer.name, currency: customer.currency.trim(), status: customer.status },
    balance: Number(totals!.balance),
    overdue: Number(totals!.overdue),
    overdueCount: Number(totals!.overdue_count),
    openCount: Number(totals!.open_count),
    nextDue: next
      ? { invoiceId: next.id, number: next.number, dueDate: next.due_date, amount: Number(next.open_amount) }
      : null,
  };
}

export interface PortalInvoiceRow {
  id: string;
  number: string;
  issueDate: string;
  dueDate: string;
  status: string;
  currency: string;
  total: number;
  open: number;
  overdue: boolean;
}

export async function portalInvoices(
  em: EntityManager,
  customerId: string,
  today: string,
  filter: { open?: boolean } = {},
): Promise<PortalInvoiceRow[]> {
  const rows = await em.execute<
    {
      id: string;
      number: string;
      issue_date: string;
      due_date: string;
      status: string;
      currency: string;
      total_amount: string;
      open_amount: string;
    }[]
  >(
    `SELECT id, number, to_char(issue_date, 'YYYY-MM-DD') AS issue_date, to_char(due_date, 'YYYY-MM-DD') AS due_date, status, currency, total_amount, open_amount
       FROM invoice WHERE customer_id = ? AND status <> 'cancelled' ${filter.open ? `AND ${OPEN} AND open_amount > 0` : ''}
      ORDER BY issue_date DESC, number DESC LIMIT 500`,
    [customerId],
  );
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    status: r.status,
    currency: r.currency.trim(),
    total: Number(r.total_amount),
    open: Number(r.open_amount),
    overdue:
      Number(r.open_amount) > 0 && r.due_date < today && !['paid', 'written_off', 'cancelled'].includes(r.status),
  }));
}

export async function portalInvoice(
  em: EntityManager,
  customerId: string,
  invoiceId: string,
): Promise<InvoiceDocument | undefined> {
  const invoice = await readInvoice(em, invoiceId);
  return invoice && invoice.customerId === customerId ? invoice : undefined;
}

export async function portalPayments(em: EntityManager, customerId: string): Promise<PaymentRecord[]> {
  const rows = await em.execute<{ id: string }[]>(
    'SELECT id FROM payment WHERE customer_id = ? ORDER BY received_at DESC, id DESC LIMIT 200',
    [customerId],
  );
  const out: PaymentRecord[] = [];
  for (const row of rows) {
    const payment = await findPayment(em, row.id);
    if (payment) out.push(payment);
  }
  return out;
}

export async function portalPayment(
  em: EntityManager,
  customerId: string,
  paymentId: string,
): Promise<{ payment: PaymentRecord; allocations: AllocationRecord[] } | undefined> {
  const payment = await findPayment(em, paymentId);
  if (!payment || payment.customerId !== customerId) return undefined;
  return { payment, allocations: await allocationsOf(em, [payment.id]) };
}

export async function portalDocuments(em: EntityManager, customerId: string): Promise<StoredDocumentInfo[]> {
  return listDocuments(em, { customerId, limit: 200 });
}

export async function portalDocument(
  em: EntityManager,
  customerId: string,
  documentId: string,
): Promise<StoredDocument | undefined> {
  const document = await findDocument(em, documentId);
  return document && document.customerId === customerId ? document : undefined;
}

export async function portalDisputes(em: EntityManager, customerId: string): Promise<DisputeRecord[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `SELECT ${DISPUTE_COLUMNS} FROM dispute d JOIN invoice i ON i.id = d.invoice_id WHERE d.customer_id = ? ORDER BY d.opened_at DESC, d.id DESC LIMIT 200`,
    [customerId],
  );
  return rows.map(disputeFromRow);
}

export async function portalDispute(
  em: EntityManager,
  customerId: string,
  disputeId: string,
): Promise<DisputeRecord | undefined> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    `SELECT ${DISPUTE_COLUMNS} FROM dispute d JOIN invoice i ON i.id = d.invoice_id WHERE d.id = ? AND d.customer_id = ?`,
    [disputeId, customerId],
  );
  return row ? disputeFromRow(row) : undefined;
}
