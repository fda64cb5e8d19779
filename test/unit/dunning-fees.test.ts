import {
  lateFee,
  simpleInterest,
  wholeDaysBetween,
  withChargedFees,
} from '../../src/collections/rules/dunning-fees.js';
import { priorityScore } from '../../src/collections/rules/dunning-priority.js';

describe('late-fee interest (simple, half up, day-count basis recorded)', () => {
  it.each([
    // 100,000.00 at 8 % for 30 days: 10,000,000 x 0.08 x 30/365 = 65,753.42 -> 65,753; /360 = 66,666.67 -> 66,667
    [10_000_000, 800, 30, 365, 65_753],
    [10_000_000, 800, 30, 360, 66_667],
    // EU directive style: reference 4.15 % + 8 points = 12.15 % on 1,481.50 for 61 days: 148,150 x 0.1215 x 61/365 = 3,008.21
    [148_150, 1215, 61, 365, 3008],
    // exactly half a minor unit rounds up: 1 x 50 % x 365/365 = 0.5 -> 1
    [1, 5000, 365, 365, 1],
    [0, 1200, 30, 365, 0],
    [50_000, 1200, 0, 365, 0],
    // large principal stays exact: 9e15 minor units x 12 % x 365/365 = 1.08e15
    [9_000_000_000_000_000, 1200, 365, 365, 1_080_000_000_000_000],
  ])('%i at %i bp for %i days on %i = %i', (principal, rate, days, basis, expected) => {
    expect(simpleInterest(principal, rate, days, basis)).toBe(expected);
  });

  it('a fixed charge plus interest, with the inputs kept for the record', () => {
    expect(
      lateFee({ fixed: 4000, interest: { annualRateBp: 800, basis: 365 } }, { principal: 10_000_000, days: 30 }),
    ).toEqual({
      fixed: 4000,
      interest: 65_753,
      total: 69_753,
      principal: 10_000_000,
      days: 30,
      annualRateBp: 800,
      basis: 365,
    });
    expect(lateFee({ fixed: 4000, interest: null }, { principal: 1, days: 1 })).toMatchObject({
      total: 4000,
      interest: 0,
      basis: null,
    });
  });

  it('counts whole days only', () => {
    expect(wholeDaysBetween(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-31T23:59:59Z'))).toBe(30);
    expect(wholeDaysBetween(new Date('2026-01-02T00:00:00Z'), new Date('2026-01-01T00:00:00Z'))).toBe(0);
  });
});

describe('worklist priority score', () => {
  it.each([
    // risk + amount + age + promises + history
    [
      'high risk, 12,345.00 overdue, 95 days, one broken promise, half paid late',
      { riskSegment: 'high', overdueAmount: 1_234_500, daysPastDue: 95, brokenPromises: 1, latePaymentShare: 0.5 },
      25 + 15.5 + 23 + 10 + 5,
    ],
    [
      'low risk, 50.00, 8 days, clean history',
      { riskSegment: 'low', overdueAmount: 5000, daysPastDue: 8, brokenPromises: 0, latePaymentShare: 0 },
      5 + 3.5 + 2,
    ],
    [
      'unknown risk, caps on every factor',
      { riskSegment: null, overdueAmount: 10_000_000_000, daysPastDue: 400, brokenPromises: 5, latePaymentShare: 2 },
      10 + 25 + 25 + 15 + 10,
    ],
    [
      'nothing much',
      { riskSegment: 'medium', overdueAmount: 900, daysPastDue: 0, brokenPromises: 0, latePaymentShare: 0 },
      15,
    ],
  ] as const)('%s', (_name, input, expected) => {
    expect(priorityScore(input).score).toBeCloseTo(expected, 5);
  });
  it('ranks the risky old broken-promise account above the small new one', () => {
    const a = priorityScore({
      riskSegment: 'high',
      overdueAmount: 200_000,
      daysPastDue: 70,
      brokenPromises: 1,
      latePaymentShare: 0.3,
    });
    const b = priorityScore({
      riskSegment: 'low',
      overdueAmount: 2_000_000,
      daysPastDue: 10,
      brokenPromises: 0,
      latePaymentShare: 0,
    });
    expect(a.score).toBeGreaterThan(b.score);
  });
});

describe('withChargedFees', () => {
  const facts = {
    currency: 'EUR',
    overdueAmount: 150_000,
    overdue: [
      { invoiceId: 'a', currency: 'EUR', openAmount: 100_000 },
      { invoiceId: 'b', currency: 'EUR', openAmount: 50_000 },
      { invoiceId: 'c', currency: 'USD', openAmount: 7_000 },
    ],
  };
  it('adds each fee to its invoice and the fees in the total currency to the overdue total', () => {
    const after = withChargedFees(facts, [
      { invoiceId: 'a', amount: 4000 },
      { invoiceId: 'c', amount: 500 },
    ]);
    expect(after.overdue.map((i) => i.openAmount)).toEqual([104_000, 50_000, 7_500]);
    expect(after.overdueAmount).toBe(154_000);
    expect(facts.overdue[0]!.openAmount).toBe(100_000); // the input is left as it was
  });
  it('ignores fees on invoices it does not list and sums two fees on one invoice', () => {
    const after = withChargedFees(facts, [
      { invoiceId: 'b', amount: 100 },
      { invoiceId: 'b', amount: 200 },
      { invoiceId: 'z', amount: 9 },
    ]);
    expect(after.overdue.map((i) => i.openAmount)).toEqual([100_000, 50_300, 7_000]);
    expect(after.overdueAmount).toBe(150_300);
  });
});
