// Dispute rules without I/O: categories and statuses, what a dispute may cover (amount, lines, overlap with another
// open dispute), the outcomes a handler may choose and the checks on their data (the task validator runs these inside
// the workflow, so a bad completion is refused before it enters history), and the invoice status once a dispute ends.
import { invoiceLineProblems, priceInvoice, type InvoiceLineInput } from '../../invoices/rules/invoice.js';
import type { InvoiceStatus } from '../../invoices/rules/invoice-status.js';
import { isIsoDate } from '../../shared/journal.js';
import type { FieldProblem } from '../../shared/field-problem.js';

export const DISPUTE_CATEGORIES = ['pricing', 'quantity', 'quality', 'delivery', 'documentation', 'other'] as const;
export type DisputeCategory = (typeof DISPUTE_CATEGORIES)[number];

export const DISPUTE_STATUSES = ['open', 'awaiting_info', 'resolved', 'withdrawn'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const DISPUTE_OUTCOMES = [
  'credit_full',
  'credit_partial',
  'upheld',
  'rebill',
  'payment_plan',
  'request_info',
] as const;
export type DisputeOutcomeKind = (typeof DISPUTE_OUTCOMES)[number];

/** Why the dispute happened, for reporting: the dispute categories plus causes on the customer's side. */
export const ROOT_CAUSE_CATEGORIES = [
  'pricing',
  'quantity',
  'quality',
  'delivery',
  'documentation',
  'customer_error',
  'no_fault',
  'other',
] as const;
export type RootCauseCategory = (typeof ROOT_CAUSE_CATEGORIES)[number];

export const DISPUTE_TASK_TYPES = { acknowledge: 'dispute_acknowledgement', resolve: 'dispute_resolution' } as const;

export interface MoneyValue {
  amount: number;
  currency: string;
}

export interface Instalment {
  dueDate: string;
  amount: MoneyValue;
}

export interface RootCause {
  category: RootCauseCategory;
  note: string;
}

/** A handler's decision, as recorded on the dispute (`outcome` column) and in the workflow state. */
export type DisputeOutcome =
  | { kind: 'credit_full'; rootCause: RootCause; comment?: string }
  | { kind: 'credit_partial'; amount: MoneyValue; rootCause: RootCause; comment?: string }
  | { kind: 'upheld'; rootCause: RootCause; comment?: string }
  | { kind: 'rebill'; lines: InvoiceLineInput[]; dueDate?: string; rootCause: RootCause; comment?: string }
  | { kind: 'payment_plan'; instalments: Instalment[]; rootCause: RootCause; comment?: string };

/** What the resolution task's validator needs to know, kept with the open task in the workflow. */
export interface ResolutionContext {
  currency: string;
  /** What is open on the invoice when the task opened (a payment plan must add up to it). */
  openAmount: number;
  /** The disputed amount: a partial credit may not exceed it. */
  disputedAmount: number;
  /** The day the task opened (UTC); instalments fall on or after it. */
  today: string;
  maxInstalments: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function moneyProblems(value: unknown, pointer: string, currency: string): FieldProblem[] {
  if (!isObject(value)) return [{ pointer, detail: `must be { amount, currency } in ${currency}` }];
  const problems: FieldProblem[] = [];
  if (typeof value.amount !== 'number' || !Number.isSafeInteger(value.amount) || value.amount <= 0) {
    problems.push({ pointer: `${pointer}/amount`, detail: 'must be a positive integer of minor units' });
  }
  if (value.currency !== currency)
    problems.push({ pointer: `${pointer}/currency`, detail: `must be the invoice currency ${currency}` });
  return problems;
}

function rootCauseProblems(value: unknown): FieldProblem[] {
  if (!isObject(value))
    return [
      { pointer: '/data/rootCause', detail: `is required: { category: ${ROOT_CAUSE_CATEGORIES.join('|')}, note }` },
    ];
  const problems: FieldProblem[] = [];
  if (!(ROOT_CAUSE_CATEGORIES as readonly unknown[]).includes(value.category)) {
    problems.push({
      pointer: '/data/rootCause/category',
      detail: `must be one of ${ROOT_CAUSE_CATEGORIES.join(', ')}`,
    });
  }
  if (typeof value.note !== 'string' || value.note.trim().length === 0 || value.note.length > 2000) {
    problems.push({ pointer: '/data/rootCause/note', detail: 'must be a non-empty text of at most 2000 characters' });
  }
  return problems;
}

/**
 * Problems with a resolution task's completion (empty = valid). Pointers are relative to the completion body
 * (`/outcome`, `/data/...`).
 */
export function resolutionProblems(
  outcome: string,
  data: Record<string, unknown>,
  context: ResolutionContext,
): FieldProblem[] {
  if (!(DISPUTE_OUTCOMES as readonly string[]).includes(outcome)) {
    return [{ pointer: '/outcome', detail: `must be one of ${DISPUTE_OUTCOMES.join(', ')}` }];
  }
  if (outcome === 'request_info') {
    const q = data.question;
    return typeof q === 'string' && q.trim().length > 0 && q.length <= 4000
      ? []
      : [{ pointer: '/data/question', detail: 'the question for the customer is required (at most 4000 characters)' }];
  }
  const problems = rootCauseProblems(data.rootCause);
  if (outcome === 'credit_partial') {
    const amountProblems = moneyProblems(data.amount, '/data/amount', context.currency);
    problems.push(...amountProblems);
    const amount = isObject(data.amount) ? data.amount.amount : undefined;
    if (!amountProblems.length && typeof amount === 'number') {
      const limit = Math.min(context.disputedAmount, context.openAmount);
      if (amount > limit)
        problems.push({
          pointer: '/data/amount/amount',
          detail: `must not exceed ${limit} (the disputed amount, at most what is open)`,
        });
    }
  }
  if (outcome === 'rebill') {
    if (!Array.isArray(data.lines) || data.lines.length === 0) {
      problems.push({ pointer: '/data/lines', detail: 'the corrected invoice lines are required' });
    } else {
      const lines = data.lines as InvoiceLineInput[];
      const shapeOk = lines.every(
        (l) =>
          isObject(l) &&
          typeof l.description === 'string' &&
          l.description.trim() !== '' &&
          typeof l.quantity === 'number' &&
          isObject(l.unitPrice) &&
          (l.taxRate === undefined || typeof l.taxRate === 'string'),
      );
      if (!shapeOk)
        problems.push({
          pointer: '/data/lines',
          detail:
            'each line needs description, quantity, unitPrice { amount, currency } and optionally taxRate (a string)',
        });
      else {
        const lineProblems = invoiceLineProblems(lines, context.currency).map((p) => ({
          ...p,
          pointer: `/data${p.pointer}`,
        }));
        problems.push(...lineProblems);
        if (!lineProblems.length && priceInvoice(lines, context.currency).total <= 0)
          problems.push({ pointer: '/data/lines', detail: 'the corrected invoice must be for a positive amount' });
      }
    }
    if (
      data.dueDate !== undefined &&
      (typeof data.dueDate !== 'string' || !isIsoDate(data.dueDate) || data.dueDate < context.today)
    ) {
      problems.push({ pointer: '/data/dueDate', detail: `must be a date YYYY-MM-DD on or after ${context.today}` });
    }
  }
  if (outcome === 'payment_plan') problems.push(...instalmentProblems(data.instalments, context));
  return problems;
}

/** A plan is 1..maxInstalments instalments on strictly increasing dates from today, adding up to the open amount. */
export function instalmentProblems(value: unknown, context: ResolutionContext): FieldProblem[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > context.maxInstalments) {
    return [{ pointer: '/data/instalments', detail: `must list 1 to ${context.maxInstalments} instalments` }];
  }
  const problems: FieldProblem[] = [];
  let previous = '';
  let total = 0;
  value.forEach((item: unknown, n) => {
    const pointer = `/data/instalments/${n}`;
    if (!isObject(item)) return problems.push({ pointer, detail: 'must be { dueDate, amount }' });
    if (typeof item.dueDate !== 'string' || !isIsoDate(item.dueDate))
      problems.push({ pointer: `${pointer}/dueDate`, detail: 'must be a date YYYY-MM-DD' });
    else if (item.dueDate < context.today)
      problems.push({ pointer: `${pointer}/dueDate`, detail: `must not be before ${context.today}` });
    else if (item.dueDate <= previous)
      problems.push({ pointer: `${pointer}/dueDate`, detail: 'must be after the previous instalment' });
    else previous = item.dueDate;
    const amountProblems = moneyProblems(item.amount, `${pointer}/amount`, context.currency);
    problems.push(...amountProblems);
    if (!amountProblems.length) total += (item.amount as MoneyValue).amount;
    return undefined;
  });
  if (!problems.length && total !== context.openAmount) {
    problems.push({
      pointer: '/data/instalments',
      detail: `must add up to the open amount ${context.openAmount} (they add up to ${total})`,
    });
  }
  return problems;
}

/** The decision as recorded, from a completion the validator accepted. */
export function outcomeFrom(
  outcome: Exclude<DisputeOutcomeKind, 'request_info'>,
  data: Record<string, unknown>,
  comment?: string,
): DisputeOutcome {
  const rootCause = data.rootCause as RootCause;
  const base = {
    rootCause: { category: rootCause.category, note: rootCause.note.trim() },
    ...(comment ? { comment } : {}),
  };
  switch (outcome) {
    case 'credit_partial':
      return { kind: outcome, amount: data.amount as MoneyValue, ...base };
    case 'rebill':
      return {
        kind: outcome,
        lines: data.lines as InvoiceLineInput[],
        ...(typeof data.dueDate === 'string' ? { dueDate: data.dueDate } : {}),
        ...base,
      };
    case 'payment_plan':
      return { kind: outcome, instalments: data.instalments as Instalment[], ...base };
    default:
      return { kind: outcome, ...base };
  }
}

// --- what a dispute covers --------------------------------------------------------------------------------------

/** Invoice line numbers a dispute covers; null = the whole invoice. */
export type DisputedLines = number[] | null;

/** Two disputes overlap when either covers the whole invoice or they share a line. */
export function linesOverlap(a: DisputedLines, b: DisputedLines): boolean {
  if (a === null || b === null) return true;
  return a.some((line) => b.includes(line));
}

export interface InvoiceFacts {
  status: InvoiceStatus;
  currency: string;
  openAmount: number;
  /** Gross amount (net + tax) per line number. */
  lineTotals: Record<number, number>;
}

export interface DisputeRequestShape {
  category: string;
  amount?: MoneyValue;
  lines?: number[];
  reason: string;
}

export interface DisputeCheck {
  /** 409: the invoice cannot be disputed now; 422: the request does not fit the invoice. */
  status: 409 | 422;
  problems: FieldProblem[];
}

/**
 * Checks a new dispute against its invoice and the disputes still active on it; returns the disputed amount (the
 * requested amount, else the gross of the disputed lines capped at the open amount, else the open amount) or the
 * refusal. A paid, cancelled or written-off invoice, or an overlapping active dispute, is a conflict (409).
 */
export function checkNewDispute(
  request: DisputeRequestShape,
  invoice: InvoiceFacts,
  active: readonly { id: string; lines: DisputedLines }[],
): { amount: number } | DisputeCheck {
  if (
    invoice.status === 'paid' ||
    invoice.status === 'cancelled' ||
    invoice.status === 'written_off' ||
    invoice.openAmount === 0
  ) {
    return {
      status: 409,
      problems: [
        { pointer: '/invoiceId', detail: `the invoice is ${invoice.status}: there is nothing open to dispute` },
      ],
    };
  }
  const problems: FieldProblem[] = [];
  if (!(DISPUTE_CATEGORIES as readonly string[]).includes(request.category)) {
    problems.push({ pointer: '/category', detail: `must be one of ${DISPUTE_CATEGORIES.join(', ')}` });
  }
  const lines = request.lines ?? null;
  if (lines) {
    if (lines.length === 0)
      problems.push({
        pointer: '/lines',
        detail: 'must name at least one line, or be left out to dispute the whole invoice',
      });
    lines.forEach((line, n) => {
      if (invoice.lineTotals[line] === undefined)
        problems.push({ pointer: `/lines/${n}`, detail: `the invoice has no line ${line}` });
      else if (lines.indexOf(line) !== n)
        problems.push({ pointer: `/lines/${n}`, detail: `line ${line} is listed twice` });
    });
  }
  if (request.amount) {
    if (request.amount.currency !== invoice.currency)
      problems.push({ pointer: '/amount/currency', detail: `must be the invoice currency ${invoice.currency}` });
    if (!Number.isSafeInteger(request.amount.amount) || request.amount.amount <= 0)
      problems.push({ pointer: '/amount/amount', detail: 'must be a positive integer of minor units' });
    else if (request.amount.amount > invoice.openAmount)
      problems.push({ pointer: '/amount/amount', detail: `must not exceed the open balance ${invoice.openAmount}` });
  }
  if (request.reason.trim().length === 0) problems.push({ pointer: '/reason', detail: 'must not be blank' });
  if (problems.length) return { status: 422, problems };
  const clash = active.find((d) => linesOverlap(d.lines, lines));
  if (clash) {
    const what = lines === null ? 'the invoice' : 'these lines';
    return {
      status: 409,
      problems: [
        { pointer: lines === null ? '/invoiceId' : '/lines', detail: `dispute ${clash.id} is already open on ${what}` },
      ],
    };
  }
  const amount =
    request.amount?.amount ??
    (lines
      ? Math.min(
          invoice.openAmount,
          lines.reduce((s, l) => s + invoice.lineTotals[l]!, 0),
        )
      : invoice.openAmount);
  return { amount };
}

/**
 * The invoice status once no dispute holds it any more, from the facts on the row: past due -> overdue, part paid ->
 * partially_paid, reminded -> due, delivered -> sent, else issued. (A closed invoice keeps its closed status.)
 */
export function statusAfterDispute(facts: {
  status: InvoiceStatus;
  overdueSince: string | null;
  paidAmount: number;
  remindedAt: string | null;
  sentAt: string | null;
}): InvoiceStatus {
  if (facts.status !== 'disputed') return facts.status;
  if (facts.overdueSince) return 'overdue';
  if (facts.paidAmount > 0) return 'partially_paid';
  if (facts.remindedAt) return 'due';
  if (facts.sentAt) return 'sent';
  return 'issued';
}

/** Instalment tracking: by the end of instalment n (plus grace), the plan expects the sum of instalments 0..n paid. */
export function expectedPaidBy(instalments: readonly Instalment[], index: number): number {
  return instalments.slice(0, index + 1).reduce((s, i) => s + i.amount.amount, 0);
}
