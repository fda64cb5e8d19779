// Cash application: which open invoices a payment pays, and why. Pure: the caller passes a snapshot of the open
// invoices; the allocation step re-checks each amount under a row lock, so a stale snapshot can never overpay.
//
// Rules, in order (each invoice is allocated at most once per payment, by the first rule that picks it):
//   1. remittance   - lines the payer sent ("INV-7: 120.00")
//   2. reference    - invoice numbers found in the free reference text by a configurable pattern
//   3. exact_amount - what is left equals the (discounted) open amount of exactly one invoice (oldest if several)
//   4. amount_combination - what is left equals the sum of a combination of open invoices (bounded search)
//   5. oldest_first - what is left pays invoices by due date, oldest first, when the policy allows
// Whatever remains is the remainder (customer credit for a known payer, unapplied cash otherwise).

export type MatchRule = 'remittance' | 'reference' | 'exact_amount' | 'amount_combination' | 'oldest_first' | 'manual';

export interface OpenInvoice {
  id: string;
  number: string;
  customerId: string;
  currency: string;
  issueDate: string;
  dueDate: string;
  openAmount: number;
  discountDeadline?: string | null;
  discountAmount?: number | null;
  /** False for invoices only an explicit remittance line or reference may pay (e.g. disputed ones). */
  autoMatch?: boolean;
}

export interface PaymentToMatch {
  amount: number;
  currency: string;
  /** Calendar date the money arrived (YYYY-MM-DD): decides early-payment discounts. */
  receivedOn: string;
  reference: string;
  /** A line without `currency` is in the payment currency; a line in another currency is never applied. */
  remittance?: { invoiceNumber: string; amount: number; currency?: string }[];
}

export interface MatchPolicy {
  /** Regular expression (source) that finds invoice numbers in reference text; matched case-insensitively. */
  referencePattern: string;
  /** Apply what is left to the oldest open invoices when no rule matched it. */
  oldestFirst: boolean;
  /** At most this many invoices (oldest by due date) enter the combination search: 2^n subsets otherwise. */
  maxCombinationCandidates: number;
  /** Upper bound on search steps of the combination search, so a pathological set cannot stall a worker. */
  maxCombinationSteps: number;
}

export const DEFAULT_MATCH_POLICY: MatchPolicy = {
  referencePattern: 'INV-[A-Z0-9-]*[0-9]',
  oldestFirst: true,
  maxCombinationCandidates: 20,
  maxCombinationSteps: 200_000,
};

export interface PlannedAllocation {
  invoiceId: string;
  invoiceNumber: string;
  /** Cash applied to the invoice, minor units. */
  amount: number;
  /** Early-payment discount granted in the same settlement (0 when none). */
  discount: number;
  rule: MatchRule;
}

export interface MatchResult {
  allocations: PlannedAllocation[];
  /** Cash not applied to any invoice. */
  remainder: number;
  /** Remittance lines and reference numbers that named nothing payable, with the reason (for the research task). */
  unmatched: { invoiceNumber: string; reason: string }[];
}

/** Whether the early-payment discount is still offered on `receivedOn` (inclusive of the deadline). */
export function discountOffered(invoice: OpenInvoice, receivedOn: string): number {
  if (!invoice.discountDeadline || !invoice.discountAmount || invoice.discountAmount <= 0) return 0;
  if (receivedOn > invoice.discountDeadline) return 0;
  // The discount settles the invoice only while the open amount still exceeds it (a partial payment may not).
  return invoice.discountAmount < invoice.openAmount ? invoice.discountAmount : 0;
}

/** Cash that settles the invoice today: the open amount less any discount still offered. */
export function settlementAmount(invoice: OpenInvoice, receivedOn: string): number {
  return invoice.openAmount - discountOffered(invoice, receivedOn);
}

/**
 * Cash and discount when up to `available` is applied to `invoice`: the discount is granted only when the cash
 * settles the invoice in full; otherwise it is a partial payment of the full open amount.
 */
export function settle(
  invoice: OpenInvoice,
  available: number,
  receivedOn: string,
): { amount: number; discount: number } {
  const discount = discountOffered(invoice, receivedOn);
  const settling = invoice.openAmount - discount;
  if (discount > 0 && available >= settling) return { amount: settling, discount };
  return { amount: Math.min(available, invoice.openAmount), discount: 0 };
}

export function findInvoiceNumbers(text: string, pattern: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(new RegExp(pattern, 'gi'))) {
    const number = match[0].toUpperCase();
    if (!found.includes(number)) found.push(number);
  }
  return found;
}

const byDueDate = (a: OpenInvoice, b: OpenInvoice) =>
  a.dueDate.localeCompare(b.dueDate) || a.issueDate.localeCompare(b.issueDate) || a.number.localeCompare(b.number);

/**
 * A combination of invoices whose settlement amounts sum to `target`, preferring older invoices (depth-first over the
 * candidates in due-date order). Undefined when none exists within the step budget.
 */
export function findCombination(amounts: readonly number[], target: number, maxSteps: number): number[] | undefined {
  const suffix = new Array<number>(amounts.length + 1).fill(0);
  for (let i = amounts.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + amounts[i]!;
  let steps = 0;
  const chosen: number[] = [];
  const search = (start: number, left: number): boolean => {
    if (left === 0) return chosen.length >= 2;
    if (++steps > maxSteps || left > suffix[start]!) return false;
    for (let i = start; i < amounts.length; i++) {
      const value = amounts[i]!;
      if (value <= 0 || value > left) continue;
      chosen.push(i);
      if (search(i + 1, left - value)) return true;
      chosen.pop();
      if (steps > maxSteps) return false;
    }
    return false;
  };
  return search(0, target) ? [...chosen] : undefined;
}

export function matchPayment(
  payment: PaymentToMatch,
  invoices: readonly OpenInvoice[],
  policy: MatchPolicy = DEFAULT_MATCH_POLICY,
): MatchResult {
  const open = invoices.filter((i) => i.currency === payment.currency && i.openAmount > 0).sort(byDueDate);
  const byNumber = new Map(open.map((i) => [i.number.toUpperCase(), i]));
  const allocations: PlannedAllocation[] = [];
  const unmatched: MatchResult['unmatched'] = [];
  const used = new Set<string>();
  let left = payment.amount;

  const take = (invoice: OpenInvoice, amount: number, discount: number, rule: MatchRule) => {
    if (amount <= 0 && discount <= 0) return;
    allocations.push({ invoiceId: invoice.id, invoiceNumber: invoice.number, amount, discount, rule });
    used.add(invoice.id);
    left -= amount;
  };

  for (const line of payment.remittance ?? []) {
    const invoice = byNumber.get(line.invoiceNumber.toUpperCase());
    if (line.currency && line.currency !== payment.currency)
      unmatched.push({
        invoiceNumber: line.invoiceNumber,
        reason: `the line is in ${line.currency}, the payment in ${payment.currency}`,
      });
    else if (!invoice)
      unmatched.push({
        invoiceNumber: line.invoiceNumber,
        reason: 'no open invoice with this number in the payment currency',
      });
    else if (used.has(invoice.id))
      unmatched.push({ invoiceNumber: line.invoiceNumber, reason: 'named twice in the remittance' });
    else if (left > 0) {
      const { amount, discount } = settle(invoice, Math.min(line.amount, left), payment.receivedOn);
      take(invoice, amount, discount, 'remittance');
    }
  }

  for (const number of findInvoiceNumbers(payment.reference, policy.referencePattern)) {
    if (left <= 0) break;
    const invoice = byNumber.get(number);
    if (!invoice)
      unmatched.push({
        invoiceNumber: number,
        reason: 'named in the reference but not an open invoice in the payment currency',
      });
    else if (!used.has(invoice.id)) {
      const { amount, discount } = settle(invoice, left, payment.receivedOn);
      take(invoice, amount, discount, 'reference');
    }
  }

  const remaining = () => open.filter((i) => !used.has(i.id) && i.autoMatch !== false);
  if (left > 0) {
    const single = remaining().find((i) => settlementAmount(i, payment.receivedOn) === left);
    if (single) {
      const { amount, discount } = settle(single, left, payment.receivedOn);
      take(single, amount, discount, 'exact_amount');
    }
  }

  if (left > 0) {
    const candidates = remaining().slice(0, policy.maxCombinationCandidates);
    const picked = findCombination(
      candidates.map((i) => settlementAmount(i, payment.receivedOn)),
      left,
      policy.maxCombinationSteps,
    );
    for (const index of picked ?? []) {
      const invoice = candidates[index]!;
      const { amount, discount } = settle(invoice, left, payment.receivedOn);
      take(invoice, amount, discount, 'amount_combination');
    }
  }

  if (left > 0 && policy.oldestFirst) {
    for (const invoice of remaining()) {
      if (left <= 0) break;
      const { amount, discount } = settle(invoice, left, payment.receivedOn);
      take(invoice, amount, discount, 'oldest_first');
    }
  }

  return { allocations, remainder: left, unmatched };
}

/** Problems with a reference pattern from policy data, as a message; undefined when it compiles. */
export function referencePatternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'gi');
    return ''.match(new RegExp(pattern)) ? 'must not match the empty string' : undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
