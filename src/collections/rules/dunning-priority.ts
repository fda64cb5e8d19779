// The collector worklist's priority score (0..100, higher first): who to call first today. Each factor is capped so
// no single one drowns the others; the parts are returned so the worklist can say why an account ranks where it does.

export interface PriorityInput {
  riskSegment: 'low' | 'medium' | 'high' | null;
  /** Overdue total in minor units (the customer's currency). */
  overdueAmount: number;
  /** Days the oldest overdue invoice is past due. */
  daysPastDue: number;
  brokenPromises: number;
  /** Share (0..1) of the customer's invoices of the last year that were settled after their due date. */
  latePaymentShare: number;
}

export interface PriorityScore {
  score: number;
  parts: { risk: number; amount: number; age: number; promises: number; history: number };
}

const RISK_POINTS = { high: 25, medium: 15, low: 5 } as const;

/**
 * risk: high 25, medium 15, low 5, unknown 10. amount: 5 points per factor of ten above 10.00 (minor units / 1000),
 * at most 25. age: one point per 4 days past due, at most 25. promises: 10 per broken promise, at most 15.
 * history: late-payment share x 10.
 */
export function priorityScore(input: PriorityInput): PriorityScore {
  const risk = input.riskSegment ? RISK_POINTS[input.riskSegment] : 10;
  const amount =
    input.overdueAmount > 1000 ? Math.min(25, Math.round(5 * Math.log10(input.overdueAmount / 1000) * 10) / 10) : 0;
  const age = Math.min(25, Math.floor(Math.max(0, input.daysPastDue) / 4));
  const promises = Math.min(15, 10 * Math.max(0, input.brokenPromises));
  const history = Math.round(Math.min(1, Math.max(0, input.latePaymentShare)) * 100) / 10;
  const score = Math.round((risk + amount + age + promises + history) * 10) / 10;
  return { score, parts: { risk, amount, age, promises, history } };
}
