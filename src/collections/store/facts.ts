// What a collection decides on, read set-based from the documents in one round trip per evaluation: the customer, its
// overdue invoices (disputed ones apart: the invoice row's `disputed` status is the record of truth), and its open
// promises with what they cover now. Payments and disputes only make the workflow read this again; no per-invoice
// event has to reach it.
import type { EntityManager } from '@mikro-orm/postgresql';
import { CLOSED_STATUSES } from '../../invoices/rules/invoice-status.js';
import type { PromiseTerms } from '../rules/dunning.js';
import { pastDueInstant, type AgeableInvoice } from '../../invoices/rules/invoice-age.js';

export interface OverdueInvoice {
  invoiceId: string;
  number: string;
  currency: string;
  openAmount: number;
  feeAmount: number;
  dueDate: string;
  /**
   * Where its age counts from: midnight UTC of the due date (of the earliest unpaid instalment), never the instant the
   * engine noticed, so an invoice posted late or imported overdue is dunned, listed and lettered at one age.
   */
  overdueAt: string;
  /** When the invoice was handed to collections (`invoice.overdue_at`), where a sub-day staging ladder counts from. */
  handedOverAt: string | null;
}

export interface OpenPromise extends PromiseTerms {
  id: string;
  /** What the covered invoices still owe now. */
  coveredOpen: number;
}

export interface CollectionFacts {
  customer: {
    id: string;
    name: string;
    email: string;
    currency: string;
    riskSegment: 'low' | 'medium' | 'high' | null;
    status: string;
  };
  /** Overdue, open and undisputed, oldest first. */
  overdue: OverdueInvoice[];
  disputed: { invoiceId: string; number: string; openAmount: number }[];
  /** Oldest `overdueAt` of `overdue`, or null. */
  oldestOverdueAt: string | null;
  /** Sum of `overdue` in the customer's currency (thresholds are in that currency). */
  overdueAmount: number;
  openPromises: OpenPromise[];
}

const closedList = CLOSED_STATUSES.map((s) => `'${s}'`).join(', ');
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

export class CustomerMissingError extends Error {
  constructor(readonly customerId: string) {
    super(`customer ${customerId} does not exist`);
    this.name = 'CustomerMissingError';
  }
}

export async function collectionFacts(em: EntityManager, customerId: string): Promise<CollectionFacts> {
  const [customer] = await em.execute<
    {
      id: string;
      name: string;
      email: string;
      currency: string;
      risk_segment: 'low' | 'medium' | 'high' | null;
      status: string;
    }[]
  >(
    'SELECT id, coalesce(display_name, legal_name) AS name, email, currency, risk_segment, status FROM customer WHERE id = ?',
    [customerId],
  );
  if (!customer) throw new CustomerMissingError(customerId);
  const rows = await em.execute<
    {
      id: string;
      number: string;
      currency: string;
      open_amount: string;
      total_amount: string;
      fee_amount: string;
      due_date: string;
      instalments: AgeableInvoice['instalments'];
      status: string;
      handed_over_at: string | null;
    }[]
  >(
    `SELECT id, number, currency, open_amount, total_amount, fee_amount, to_char(due_date, 'YYYY-MM-DD') AS due_date, instalments, status,
            to_char(overdue_at AT TIME ZONE 'UTC', ${ISO}) AS handed_over_at
       FROM invoice
      WHERE customer_id = ? AND status NOT IN (${closedList}) AND open_amount > 0 AND (overdue_at IS NOT NULL OR overdue_since IS NOT NULL)
      ORDER BY due_date, number`,
    [customerId],
  );
  const overdue: OverdueInvoice[] = [];
  const disputed: CollectionFacts['disputed'] = [];
  for (const r of rows) {
    if (r.status === 'disputed') {
      disputed.push({ invoiceId: r.id, number: r.number, openAmount: Number(r.open_amount) });
      continue;
    }
    const overdueAt = pastDueInstant({
      dueDate: r.due_date,
      totalAmount: Number(r.total_amount),
      openAmount: Number(r.open_amount),
      instalments: r.instalments,
    });
    overdue.push({
      invoiceId: r.id,
      number: r.number,
      currency: r.currency,
      openAmount: Number(r.open_amount),
      feeAmount: Number(r.fee_amount),
      dueDate: r.due_date,
      overdueAt,
      handedOverAt: r.handed_over_at ?? null,
    });
  }
  // Oldest first by age (an instalment's date can differ from the invoice's final due date).
  overdue.sort((a, b) => a.overdueAt.localeCompare(b.overdueAt) || a.number.localeCompare(b.number));
  const promises = await em.execute<
    {
      id: string;
      amount: string;
      currency: string;
      promised_date: string;
      invoice_ids: string[];
      baseline_amount: string;
      deadline_at: string;
      covered_open: string | null;
    }[]
  >(
    `SELECT p.id, p.amount, p.currency, to_char(p.promised_date, 'YYYY-MM-DD') AS promised_date, p.invoice_ids::text[] AS invoice_ids, p.baseline_amount,
            to_char(p.deadline_at AT TIME ZONE 'UTC', ${ISO}) AS deadline_at,
            (SELECT sum(i.open_amount) FROM invoice i WHERE i.id = ANY (p.invoice_ids) AND i.status NOT IN (${closedList})) AS covered_open
       FROM promise_to_pay p WHERE p.customer_id = ? AND p.status = 'open' ORDER BY p.created_at`,
    [customerId],
  );
  return {
    customer: {
      id: customer.id,
      name: customer.name,
      email: customer.email,
      currency: customer.currency,
      riskSegment: customer.risk_segment,
      status: customer.status,
    },
    overdue,
    disputed,
    oldestOverdueAt: overdue[0]?.overdueAt ?? null,
    overdueAmount: overdue.filter((i) => i.currency === customer.currency).reduce((a, i) => a + i.openAmount, 0),
    openPromises: promises.map((p) => ({
      id: p.id,
      amount: Number(p.amount),
      currency: p.currency,
      promisedDate: p.promised_date,
      invoiceIds: p.invoice_ids,
      baselineAmount: Number(p.baseline_amount),
      deadlineAt: p.deadline_at,
      coveredOpen: Number(p.covered_open ?? 0),
    })),
  };
}
