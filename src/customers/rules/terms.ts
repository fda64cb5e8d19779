// Payment terms as data, and the pure functions that turn an issue date into due dates and discount deadlines.
// Dates are calendar dates (YYYY-MM-DD, no time zone): an invoice is due on a day, not at an instant.
import { allocate, type Money } from '../../shared/money.js';
import type { FieldProblem } from '../../shared/field-problem.js';
import { addDays } from '../../shared/calendar-date.js';

export type PaymentTerms =
  | { type: 'due_on_receipt' }
  | { type: 'net'; days: number; discount?: EarlyPaymentDiscount }
  | { type: 'end_of_month'; days: number; discount?: EarlyPaymentDiscount }
  | { type: 'instalments'; instalments: InstalmentTerm[] };

export interface EarlyPaymentDiscount {
  /** Discount in basis points of the invoice total (200 = 2 %). */
  rateBp: number;
  /** Paid within this many days of the issue date (inclusive) takes the discount. */
  withinDays: number;
}

export interface InstalmentTerm {
  /** Share of the total in basis points; the shares of a template sum to 10,000. */
  portionBp: number;
  /** Days after the issue date. */
  dueDays: number;
}

export interface TermsTemplate {
  code: string;
  name: string;
  terms: PaymentTerms;
}

export const STANDARD_TERMS: readonly TermsTemplate[] = [
  { code: 'DUE_ON_RECEIPT', name: 'Due on receipt', terms: { type: 'due_on_receipt' } },
  { code: 'NET15', name: 'Net 15', terms: { type: 'net', days: 15 } },
  { code: 'NET30', name: 'Net 30', terms: { type: 'net', days: 30 } },
  { code: 'NET60', name: 'Net 60', terms: { type: 'net', days: 60 } },
  {
    code: '2_10_NET30',
    name: '2/10 net 30',
    terms: { type: 'net', days: 30, discount: { rateBp: 200, withinDays: 10 } },
  },
  { code: 'EOM30', name: 'End of month + 30', terms: { type: 'end_of_month', days: 30 } },
  {
    code: 'THIRDS_30_60_90',
    name: 'Three instalments at 30/60/90 days',
    terms: {
      type: 'instalments',
      instalments: [
        { portionBp: 3334, dueDays: 30 },
        { portionBp: 3333, dueDays: 60 },
        { portionBp: 3333, dueDays: 90 },
      ],
    },
  },
];

export const DEFAULT_TERMS_CODE = 'NET30';

export class InvalidTermsError extends Error {
  constructor(
    readonly pointer: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'InvalidTermsError';
  }
}

/** Every problem with a terms definition, as (JSON pointer, detail) pairs; empty when valid. */
export function termsProblems(terms: PaymentTerms): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const dayCount = (pointer: string, value: number, max = 3650) => {
    if (!Number.isInteger(value) || value < 0 || value > max)
      problems.push({ pointer, detail: `must be a whole number of days from 0 to ${max}` });
  };
  const discount = (d: EarlyPaymentDiscount | undefined, limitDays: number) => {
    if (!d) return;
    if (!Number.isInteger(d.rateBp) || d.rateBp <= 0 || d.rateBp >= 10_000)
      problems.push({ pointer: '/discount/rateBp', detail: 'must be between 1 and 9999 basis points' });
    dayCount('/discount/withinDays', d.withinDays);
    if (d.withinDays > limitDays)
      problems.push({
        pointer: '/discount/withinDays',
        detail: 'the discount window must end on or before the due date',
      });
  };
  switch (terms.type) {
    case 'due_on_receipt':
      break;
    case 'net':
      dayCount('/days', terms.days);
      discount(terms.discount, terms.days);
      break;
    case 'end_of_month':
      dayCount('/days', terms.days);
      discount(terms.discount, terms.days);
      break;
    case 'instalments': {
      if (terms.instalments.length < 2)
        problems.push({ pointer: '/instalments', detail: 'needs at least two instalments' });
      terms.instalments.forEach((i, n) => {
        if (!Number.isInteger(i.portionBp) || i.portionBp <= 0)
          problems.push({
            pointer: `/instalments/${n}/portionBp`,
            detail: 'must be a positive number of basis points',
          });
        dayCount(`/instalments/${n}/dueDays`, i.dueDays);
        if (n > 0 && i.dueDays <= terms.instalments[n - 1]!.dueDays)
          problems.push({ pointer: `/instalments/${n}/dueDays`, detail: 'instalments must fall due in order' });
      });
      const total = terms.instalments.reduce((a, i) => a + i.portionBp, 0);
      if (total !== 10_000)
        problems.push({
          pointer: '/instalments',
          detail: `portions must sum to 10000 basis points (100 %), got ${total}`,
        });
      break;
    }
  }
  return problems;
}

export function endOfMonth(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
}

export interface Schedule {
  /** Final due date (the last instalment's for instalment terms). */
  dueDate: string;
  instalments: { dueDate: string; amount: Money }[];
  discount?: { deadline: string; rateBp: number; amount: Money };
}

/** Due dates, instalment amounts (largest remainder: they sum to the total exactly) and the discount offer. */
export function scheduleFor(terms: PaymentTerms, issueDate: string, total: Money): Schedule {
  const problems = termsProblems(terms);
  if (problems.length) throw new InvalidTermsError(problems[0]!.pointer, problems[0]!.detail);
  const single = (dueDate: string, discount?: EarlyPaymentDiscount): Schedule => ({
    dueDate,
    instalments: [{ dueDate, amount: total }],
    discount: discount
      ? {
          deadline: addDays(issueDate, discount.withinDays),
          rateBp: discount.rateBp,
          amount: discountAmount(total, discount.rateBp),
        }
      : undefined,
  });
  switch (terms.type) {
    case 'due_on_receipt':
      return single(issueDate);
    case 'net':
      return single(addDays(issueDate, terms.days), terms.discount);
    case 'end_of_month':
      return single(addDays(endOfMonth(issueDate), terms.days), terms.discount);
    case 'instalments': {
      const amounts = allocate(
        total,
        terms.instalments.map((i) => i.portionBp),
      );
      const instalments = terms.instalments.map((i, n) => ({
        dueDate: addDays(issueDate, i.dueDays),
        amount: amounts[n]!,
      }));
      return { dueDate: instalments.at(-1)!.dueDate, instalments };
    }
  }
}

/** Discount in minor units, rounded half-even so a 2 % discount on 12.25 is 0.24 and on 12.75 is 0.26. */
export function discountAmount(total: Money, rateBp: number): Money {
  const exact = (total.amount * rateBp) / 10_000;
  const floor = Math.floor(exact);
  const fraction = exact - floor;
  const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return { amount: rounded, currency: total.currency };
}

/** Whether a payment received on `paidOn` still earns the discount offered in `schedule`. */
export function discountApplies(schedule: Pick<Schedule, 'discount'>, paidOn: string): boolean {
  return schedule.discount !== undefined && paidOn <= schedule.discount.deadline;
}
