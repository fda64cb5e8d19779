// Issuing an invoice: validate against the customer and its terms, price the lines, then in one transaction take the
// next number of the series, store the document and post `invoice-<id>:issue`. The caller starts the workflow inside
// the same transaction (before taking the number), so a failed start rolls everything back and the number is unused.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  formatDocumentNumber,
  invoiceLineProblems,
  priceInvoice,
  seriesFor,
  type InvoiceLineInput,
  type InvoiceTotals,
} from '../rules/invoice.js';
import { isIsoDate } from '../../shared/journal.js';
import {
  DEFAULT_TERMS_CODE,
  scheduleFor,
  termsProblems,
  type PaymentTerms,
  type Schedule,
} from '../../customers/rules/terms.js';
import { recordEvent } from '../../events/store/outbox.js';
import type { InvoiceCreditHold } from '../../credit/store/exposure.js';
import { postJournalEntry } from '../../ledger/store/post.js';
import { stepKey, workflowIds } from '../../temporal/ids.js';
import type { FieldProblem } from '../../shared/field-problem.js';

export interface IssueInvoiceRequest {
  customerId: string;
  lines: InvoiceLineInput[];
  issueDate?: string;
  dueDate?: string;
  terms?: string;
  externalRef?: string;
}

/** A refusal naming the field; the API turns it into problem+json with this status. */
export class InvoiceRequestError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly errors: FieldProblem[],
    detail: string,
  ) {
    super(detail);
    this.name = 'InvoiceRequestError';
  }
}

export interface PreparedInvoice {
  id: string;
  customerId: string;
  currency: string;
  issueDate: string;
  dueDate: string;
  termsCode: string;
  terms: PaymentTerms;
  schedule: Schedule;
  totals: InvoiceTotals;
  externalRef: string | null;
  createdBy: string;
  /** Set when the credit check holds the invoice: it is stored `held` and waits for a credit override before delivery. */
  creditHold?: InvoiceCreditHold | null;
}

/** What issuing needs to know about the customer (the row of `customer`). */
export interface CustomerFacts {
  id: string;
  currency: string;
  status: string;
  merged_into: string | null;
  terms_code: string | null;
}

/** The payment terms template a request uses: its own, else the customer's, else the default. */
export function termsCodeOf(
  request: Pick<IssueInvoiceRequest, 'terms'>,
  customer: Pick<CustomerFacts, 'terms_code'>,
): string {
  return request.terms ?? customer.terms_code ?? DEFAULT_TERMS_CODE;
}

/** Validates a request against the stored customer and terms; locks the customer row (FOR SHARE) until the caller's transaction ends. */
export async function prepareInvoice(
  tx: EntityManager,
  request: IssueInvoiceRequest,
  context: { today: string; actor: string },
): Promise<PreparedInvoice> {
  const [customer] = await tx.execute<CustomerFacts[]>(
    'SELECT id, currency, status, merged_into, terms_code FROM customer WHERE id = ? FOR SHARE',
    [request.customerId],
  );
  if (!customer)
    throw new InvoiceRequestError(
      404,
      [{ pointer: '/customerId', detail: 'no customer has this id' }],
      `Customer ${request.customerId} does not exist.`,
    );
  const [template] = await tx.execute<{ terms: PaymentTerms }[]>(
    'SELECT terms FROM payment_terms_template WHERE code = ?',
    [termsCodeOf(request, customer)],
  );
  return checkInvoiceRequest(request, customer, template?.terms, context);
}

/**
 * The checks and pricing of an invoice request once the customer and its terms template (undefined: no such template)
 * are known; no I/O, so bulk imports run it for a whole batch after reading customers and templates in one query each.
 */
export function checkInvoiceRequest(
  request: IssueInvoiceRequest,
  customer: CustomerFacts,
  template: PaymentTerms | undefined,
  context: { today: string; actor: string },
): PreparedInvoice {
  if (customer.status === 'closed' || customer.merged_into) {
    const why = customer.merged_into ? `was merged into ${customer.merged_into}` : 'is closed';
    throw new InvoiceRequestError(
      409,
      [{ pointer: '/customerId', detail: `the customer ${why}` }],
      `Customer ${customer.id} ${why}: no new invoices.`,
    );
  }
  const problems = invoiceLineProblems(request.lines, customer.currency);
  const issueDate = request.issueDate ?? context.today;
  if (request.issueDate !== undefined && !isIsoDate(request.issueDate))
    problems.push({ pointer: '/issueDate', detail: 'must be a calendar date YYYY-MM-DD' });
  if (request.dueDate !== undefined && !isIsoDate(request.dueDate))
    problems.push({ pointer: '/dueDate', detail: 'must be a calendar date YYYY-MM-DD' });
  else if (request.dueDate !== undefined && request.dueDate < issueDate)
    problems.push({ pointer: '/dueDate', detail: 'must not be before the issue date' });

  const termsCode = termsCodeOf(request, customer);
  if (!template) problems.push({ pointer: '/terms', detail: `no payment terms template has code ${termsCode}` });
  else if (termsProblems(template).length)
    problems.push({ pointer: '/terms', detail: `payment terms template ${termsCode} is not valid` });
  if (problems.length) throw new InvoiceRequestError(422, problems, 'The invoice cannot be issued as requested.');

  const totals = priceInvoice(request.lines, customer.currency);
  if (totals.total <= 0)
    throw new InvoiceRequestError(
      422,
      [{ pointer: '/lines', detail: 'the invoice total must be greater than zero' }],
      'An invoice must be for a positive amount.',
    );
  const schedule = scheduleFor(template!, issueDate, { amount: totals.total, currency: customer.currency });
  // One invoice has one schedule: an explicit due date replaces the terms' schedule (one instalment due then). Terms
  // with several instalments cannot hold next to one due date, so that request is refused rather than half-applied.
  if (request.dueDate !== undefined && schedule.instalments.length > 1) {
    throw new InvoiceRequestError(
      422,
      [
        {
          pointer: '/dueDate',
          detail: `cannot be combined with the instalment terms ${termsCode}: leave it out or choose single-payment terms`,
        },
      ],
      'The invoice cannot be issued as requested.',
    );
  }
  const dueDate = request.dueDate ?? schedule.dueDate;
  // A discount window that would end after an explicit due date makes no sense: the offer ends with the due date.
  const discount =
    schedule.discount && schedule.discount.deadline > dueDate
      ? { ...schedule.discount, deadline: dueDate }
      : schedule.discount;
  return {
    id: randomUUID(),
    customerId: customer.id,
    currency: customer.currency,
    issueDate,
    dueDate,
    termsCode,
    terms: template!,
    // Only an explicit due date replaces the (single) instalment's date; instalment terms keep each instalment's own.
    schedule: {
      ...schedule,
      dueDate,
      discount,
      instalments:
        request.dueDate === undefined ? schedule.instalments : schedule.instalments.map((i) => ({ ...i, dueDate })),
    },
    totals,
    externalRef: request.externalRef ?? null,
    createdBy: context.actor,
  };
}

export interface IssuedInvoice {
  id: string;
  number: string;
  entryId: string;
}

/** Takes the next number (gap-free: the series row stays locked until commit), stores the document and posts the issue entry. */
export async function insertInvoice(tx: EntityManager, invoice: PreparedInvoice): Promise<IssuedInvoice> {
  const series = seriesFor('INV', invoice.issueDate);
  const sequence = await nextInSeries(tx, series);
  const number = formatDocumentNumber(series, sequence);
  const { totals } = invoice;
  const posted = await postJournalEntry(tx, {
    idempotencyKey: stepKey(workflowIds.invoice(invoice.id), 'issue'),
    kind: 'invoice_issued',
    effectiveDate: invoice.issueDate,
    sourceType: 'invoice',
    sourceId: invoice.id,
    description: `Invoice ${number}`,
    lines: [
      {
        account: 'accounts_receivable',
        customerId: invoice.customerId,
        debit: totals.total,
        credit: 0,
        currency: invoice.currency,
        memo: number,
      },
      ...(totals.subtotal > 0
        ? [{ account: 'revenue' as const, debit: 0, credit: totals.subtotal, currency: invoice.currency, memo: number }]
        : []),
      ...(totals.tax > 0
        ? [{ account: 'tax_payable' as const, debit: 0, credit: totals.tax, currency: invoice.currency, memo: number }]
        : []),
    ],
  });
  const discount = invoice.schedule.discount;
  await tx.execute(
    `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, terms_code, terms, instalments,
       subtotal_amount, tax_amount, total_amount, open_amount, status, discount_deadline, discount_rate_bp, discount_amount, external_ref,
       issue_entry_id, created_by, credit_hold)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)`,
    [
      invoice.id,
      number,
      series,
      sequence,
      invoice.customerId,
      invoice.currency,
      invoice.issueDate,
      invoice.dueDate,
      invoice.termsCode,
      JSON.stringify(invoice.terms),
      JSON.stringify(invoice.schedule.instalments),
      totals.subtotal,
      totals.tax,
      totals.total,
      totals.total,
      invoice.creditHold ? 'held' : 'issued',
      discount?.deadline ?? null,
      discount?.rateBp ?? null,
      discount?.amount.amount ?? null,
      invoice.externalRef,
      posted.entryId,
      invoice.createdBy,
      invoice.creditHold ? JSON.stringify(invoice.creditHold) : null,
    ],
  );
  const values: unknown[] = [];
  const rows = totals.lines.map((line) => {
    values.push(
      invoice.id,
      line.lineNo,
      line.description,
      line.quantityMilli,
      line.unitPrice,
      line.taxRatePpm,
      line.net,
      line.tax,
    );
    return '(?, ?, ?, ?, ?, ?, ?, ?)';
  });
  await tx.execute(
    `INSERT INTO invoice_line (invoice_id, line_no, description, quantity_milli, unit_price, tax_rate_ppm, net_amount, tax_amount) VALUES ${rows.join(', ')}`,
    values,
  );
  await recordEvent(tx, {
    type: 'invoice.issued',
    entityType: 'invoice',
    entityId: invoice.id,
    customerId: invoice.customerId,
    actor: invoice.createdBy,
    data: {
      number,
      issueDate: invoice.issueDate,
      dueDate: invoice.dueDate,
      total: { amount: totals.total, currency: invoice.currency },
      externalRef: invoice.externalRef,
      journalEntryId: posted.entryId,
    },
  });
  return { id: invoice.id, number, entryId: posted.entryId };
}

/**
 * The next number of a series. The upsert leaves the series row locked by this transaction until it ends, so
 * concurrent issues queue here and a rollback returns the number: the series has no gaps.
 */
export async function nextInSeries(tx: EntityManager, series: string): Promise<number> {
  const [row] = await tx.execute<{ taken: string }[]>(
    `INSERT INTO document_series AS s (series, next_number) VALUES (?, 2)
     ON CONFLICT (series) DO UPDATE SET next_number = s.next_number + 1, updated_at = now()
     RETURNING s.next_number - 1 AS taken`,
    [series],
  );
  return Number(row!.taken);
}
