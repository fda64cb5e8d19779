// Reading payments, their allocations and the open invoices cash application chooses from. Plain SQL: these are the
// hot paths of cash application and of the payment views.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MatchRule, OpenInvoice } from '../rules/cash-matching.js';
import { openCounterparty } from './sealed-bank-accounts.js';

export type PaymentMethod = 'card' | 'ach' | 'wire' | 'check' | 'cash';
export type PaymentStatus = 'received' | 'applied' | 'partially_applied' | 'unapplied' | 'reversed';

export interface RemittanceLine {
  invoiceNumber: string;
  amount: number;
  /** Only when the payer wrote the line in another currency than the payment (such a line is never applied). */
  currency?: string;
}

export interface PaymentRecord {
  id: string;
  customerId: string | null;
  amount: number;
  currency: string;
  method: PaymentMethod;
  receivedAt: Date;
  reference: string;
  remittance: RemittanceLine[];
  status: PaymentStatus;
  appliedAmount: number;
  unappliedAmount: number;
  discountAmount: number;
  source: 'api' | 'bank_statement';
  bankStatementId: string | null;
  counterparty: { name?: string; iban?: string } | null;
  appliedAt: Date | null;
  createdBy: string;
  createdAt: Date;
  version: number;
}

export interface AllocationRecord {
  id: string;
  paymentId: string;
  seq: number;
  invoiceId: string;
  invoiceNumber: string;
  customerId: string;
  currency: string;
  amount: number;
  discountAmount: number;
  fundedFrom: 'cash' | 'customer_credit' | 'unapplied_cash';
  rule: MatchRule;
  idempotencyKey: string;
  entryId: string | null;
  discountEntryId: string | null;
  createdBy: string;
  createdAt: Date;
}

type Row = Record<string, unknown>;

export function toPaymentRecord(row: Row): PaymentRecord {
  return {
    id: String(row.id),
    customerId: (row.customer_id as string | null) ?? null,
    amount: Number(row.amount),
    currency: String(row.currency),
    method: row.method as PaymentMethod,
    receivedAt: new Date(row.received_at as string),
    reference: String(row.reference ?? ''),
    remittance: (typeof row.remittance === 'string' ? JSON.parse(row.remittance) : row.remittance) as RemittanceLine[],
    status: row.status as PaymentStatus,
    appliedAmount: Number(row.applied_amount),
    unappliedAmount: Number(row.unapplied_amount),
    discountAmount: Number(row.discount_amount),
    source: row.source as PaymentRecord['source'],
    bankStatementId: (row.bank_statement_id as string | null) ?? null,
    counterparty: openCounterparty(
      (typeof row.counterparty === 'string'
        ? JSON.parse(row.counterparty)
        : row.counterparty) as PaymentRecord['counterparty'],
    ),
    appliedAt: row.applied_at ? new Date(row.applied_at as string) : null,
    createdBy: String(row.created_by),
    createdAt: new Date(row.created_at as string),
    version: Number(row.version),
  };
}

function toAllocationRecord(row: Row): AllocationRecord {
  return {
    id: String(row.id),
    paymentId: String(row.payment_id),
    seq: Number(row.seq),
    invoiceId: String(row.invoice_id),
    invoiceNumber: String(row.invoice_number),
    customerId: String(row.customer_id),
    currency: String(row.currency),
    amount: Number(row.amount),
    discountAmount: Number(row.discount_amount),
    fundedFrom: row.funded_from as AllocationRecord['fundedFrom'],
    rule: row.rule as MatchRule,
    idempotencyKey: String(row.idempotency_key),
    entryId: (row.entry_id as string | null) ?? null,
    discountEntryId: (row.discount_entry_id as string | null) ?? null,
    createdBy: String(row.created_by),
    createdAt: new Date(row.created_at as string),
  };
}

export async function findPayment(
  em: EntityManager,
  id: string,
  options: { lock?: boolean } = {},
): Promise<PaymentRecord | undefined> {
  const [row] = await em.execute<Row[]>(`SELECT * FROM payment WHERE id = ?${options.lock ? ' FOR UPDATE' : ''}`, [id]);
  return row ? toPaymentRecord(row) : undefined;
}

export async function allocationsOf(em: EntityManager, paymentIds: readonly string[]): Promise<AllocationRecord[]> {
  if (paymentIds.length === 0) return [];
  const rows = await em.execute<Row[]>(
    `SELECT a.*, i.number AS invoice_number FROM payment_allocation a JOIN invoice i ON i.id = a.invoice_id
      WHERE a.payment_id IN (${paymentIds.map(() => '?').join(', ')}) ORDER BY a.payment_id, a.seq`,
    [...paymentIds],
  );
  return rows.map(toAllocationRecord);
}

const OPEN_INVOICE_COLUMNS = `id, number, customer_id, currency, status, to_char(issue_date, 'YYYY-MM-DD') AS issue_date,
  to_char(due_date, 'YYYY-MM-DD') AS due_date, open_amount, to_char(discount_deadline, 'YYYY-MM-DD') AS discount_deadline, discount_amount`;
const OPEN = `status NOT IN ('paid', 'cancelled', 'written_off') AND open_amount > 0`;

function toOpenInvoice(row: Row): OpenInvoice {
  return {
    id: String(row.id),
    number: String(row.number),
    customerId: String(row.customer_id),
    currency: String(row.currency),
    issueDate: String(row.issue_date),
    dueDate: String(row.due_date),
    openAmount: Number(row.open_amount),
    discountDeadline: (row.discount_deadline as string | null) ?? null,
    discountAmount:
      row.discount_amount === null || row.discount_amount === undefined ? null : Number(row.discount_amount),
    // Amount and oldest-first rules never pay a disputed invoice; only the payer's own remittance or reference may.
    autoMatch: row.status !== 'disputed',
  };
}

/** Open invoices with these numbers (any customer), in the currency, in the order the numbers were given. */
export async function openInvoicesByNumber(
  em: EntityManager,
  numbers: readonly string[],
  currency: string,
): Promise<OpenInvoice[]> {
  const wanted = [...new Set(numbers.map((n) => n.toUpperCase()))];
  if (wanted.length === 0) return [];
  const rows = await em.execute<Row[]>(
    `SELECT ${OPEN_INVOICE_COLUMNS} FROM invoice WHERE upper(number) IN (${wanted.map(() => '?').join(', ')}) AND currency = ? AND ${OPEN}`,
    [...wanted, currency],
  );
  const invoices = rows.map(toOpenInvoice);
  return wanted.flatMap((n) => invoices.filter((i) => i.number.toUpperCase() === n));
}

/**
 * A customer's open invoices in one currency that cash application may choose from: the oldest `limit` by due date
 * (the amount and oldest-first rules only ever look at the oldest ones) plus every invoice named explicitly.
 */
export async function openInvoicesOfCustomer(
  em: EntityManager,
  customerId: string,
  currency: string,
  named: readonly string[],
  limit = 1000,
): Promise<OpenInvoice[]> {
  const rows = await em.execute<Row[]>(
    `SELECT ${OPEN_INVOICE_COLUMNS} FROM invoice WHERE customer_id = ? AND currency = ? AND ${OPEN} ORDER BY due_date, id LIMIT ?`,
    [customerId, currency, limit],
  );
  const invoices = rows.map(toOpenInvoice);
  const seen = new Set(invoices.map((i) => i.id));
  for (const extra of await openInvoicesByNumber(em, named, currency)) {
    if (extra.customerId === customerId && !seen.has(extra.id)) invoices.push(extra);
  }
  return invoices;
}

export interface LockedForAllocation {
  id: string;
  number: string;
  customerId: string;
  status: string;
  openAmount: number;
  discountDeadline: string | null;
  discountAmount: number | null;
}

/**
 * Row-locks the invoices a payment is about to pay, in one statement and in id order (rows are locked as the sorted
 * scan returns them), so two payments touching the same invoices always lock in the same order and never deadlock.
 */
export async function lockInvoicesForAllocation(
  em: EntityManager,
  ids: readonly string[],
): Promise<Map<string, LockedForAllocation>> {
  if (ids.length === 0) return new Map();
  const rows = await em.execute<Row[]>(
    `SELECT id, number, customer_id, status, open_amount, to_char(discount_deadline, 'YYYY-MM-DD') AS discount_deadline, discount_amount
       FROM invoice WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id FOR UPDATE`,
    [...ids],
  );
  return new Map(
    rows.map((r) => [
      String(r.id),
      {
        id: String(r.id),
        number: String(r.number),
        customerId: String(r.customer_id),
        status: String(r.status),
        openAmount: Number(r.open_amount),
        discountDeadline: (r.discount_deadline as string | null) ?? null,
        discountAmount:
          r.discount_amount === null || r.discount_amount === undefined ? null : Number(r.discount_amount),
      },
    ]),
  );
}
