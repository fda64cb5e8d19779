// Late-fee arithmetic: a fixed charge plus simple interest on the unpaid principal for the days past due, at an
// annual rate with a recorded day-count basis (365 or 360). Integer minor units throughout; interest rounds half up,
// computed in BigInt so large principals never lose precision. Worked examples are in test/unit/dunning-fees.test.ts.
import type { LateFeeRule } from './dunning-policy.js';

export interface LateFeeBreakdown {
  fixed: number;
  interest: number;
  total: number;
  principal: number;
  days: number;
  annualRateBp: number | null;
  basis: number | null;
}

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to` (0 when `to` is earlier); part days do not accrue. */
export function wholeDaysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
}

/** principal x rate x days / basis, rounded half up to a whole minor unit. */
export function simpleInterest(principal: number, annualRateBp: number, days: number, basis: number): number {
  if (principal <= 0 || days <= 0) return 0;
  const numerator = BigInt(principal) * BigInt(annualRateBp) * BigInt(days);
  const denominator = BigInt(basis) * 10_000n;
  return Number((numerator * 2n + denominator) / (denominator * 2n));
}

export function lateFee(rule: LateFeeRule, input: { principal: number; days: number }): LateFeeBreakdown {
  const interest = rule.interest
    ? simpleInterest(input.principal, rule.interest.annualRateBp, input.days, rule.interest.basis)
    : 0;
  return {
    fixed: rule.fixed,
    interest,
    total: rule.fixed + interest,
    principal: input.principal,
    days: input.days,
    annualRateBp: rule.interest?.annualRateBp ?? null,
    basis: rule.interest?.basis ?? null,
  };
}

/**
 * The overdue facts after fees were posted onto some of their invoices: each charged invoice's open amount grows by
 * its fee, and the overdue total by the fees in the total's currency. Lets a collection count the fee it just posted
 * (promises are capped by and judged against it) without reading the facts again.
 */
export function withChargedFees<I extends { invoiceId: string; currency: string; openAmount: number }>(
  facts: { overdue: I[]; overdueAmount: number; currency: string | null },
  fees: { invoiceId: string; amount: number }[],
): { overdue: I[]; overdueAmount: number } {
  const added = new Map<string, number>();
  for (const fee of fees) added.set(fee.invoiceId, (added.get(fee.invoiceId) ?? 0) + fee.amount);
  let overdueAmount = facts.overdueAmount;
  const overdue = facts.overdue.map((invoice) => {
    const fee = added.get(invoice.invoiceId);
    if (!fee) return invoice;
    if (invoice.currency === facts.currency) overdueAmount += fee;
    return { ...invoice, openAmount: invoice.openAmount + fee };
  });
  return { overdue, overdueAmount };
}
