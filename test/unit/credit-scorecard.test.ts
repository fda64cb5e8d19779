import {
  creditPolicyProblems,
  DEFAULT_CREDIT_POLICY,
  type CreditPolicy,
} from '../../src/credit/rules/credit-policy.js';
import { paymentBehaviourOf, scoreCredit, type ScorecardInput } from '../../src/credit/rules/credit-scorecard.js';

const policy = DEFAULT_CREDIT_POLICY;

const base: ScorecardInput = {
  currency: 'EUR',
  requestedLimit: 5_000_000,
  financials: {},
  tradeReferences: [],
  paymentHistory: 'none',
  bureauScore: null,
  collateralValue: 0,
  industryRisk: null,
  asOf: '2026-01-15',
};
const input = (overrides: Partial<ScorecardInput>): ScorecardInput => ({ ...base, ...overrides });
const pointsOf = (result: ReturnType<typeof scoreCredit>, ruleId: string) =>
  result.lines.find((l) => l.ruleId === ruleId)!.points;

describe('scorecard worked examples (point rules used in practice)', () => {
  it('an established customer that pays early: low risk, the full request, reviewed in a year', () => {
    const result = scoreCredit(
      input({
        paymentHistory: 'early', // +10
        tradeReferences: [
          { name: 'Supplier A', behaviour: 'early' },
          { name: 'Supplier B', behaviour: 'early' },
        ], // +5
        bureauScore: 85, // +10
        financials: {
          yearsInBusiness: 12, // >10: +10
          currentAssets: 25_000_000,
          currentLiabilities: 10_000_000, // ratio 2.5 > 2.2: +10
          operatingCashFlow: 5_000_000, // covers 50 %: +5
          totalAssets: 100_000_000,
          totalLiabilities: 25_000_000, // debt/assets 25 % < 30 %: +10; net worth 75,000,000 = 15x request: +10
        },
        industryRisk: 'low', // +5
      }),
      policy,
    );
    expect(result.components).toEqual({
      character: { points: 35, weight: 30, weighted: 1050 },
      capacity: { points: 15, weight: 25, weighted: 375 },
      capital: { points: 20, weight: 25, weighted: 500 },
      collateral: { points: 0, weight: 10, weighted: 0 },
      conditions: { points: 5, weight: 10, weighted: 50 },
    });
    expect(result.weightedScore).toBe(1975);
    expect(result.riskClass).toBe('low');
    // min(100 % of 5,000,000; 10 % of 75,000,000) = 5,000,000
    expect(result.recommendedLimit).toEqual({ amount: 5_000_000, currency: 'EUR' });
    expect(result.reviewEvery).toBe('P1Y');
    expect(result.nextReviewDate).toBe('2027-01-15');
    expect(result.metrics.currentRatioBp).toBe(25_000);
    expect(result.metrics.debtToAssetsBp).toBe(2_500);
    expect(result.rationale[0]).toBe('Policy credit-2026.1: weighted score 19.75 -> low risk.');
    expect(result.rationale.join('\n')).toContain('pays early +10');
  });

  it('an on-time payer with middling figures: medium risk, limit capped by net worth, quarterly review', () => {
    const result = scoreCredit(
      input({
        requestedLimit: 4_000_000,
        paymentHistory: 'on_time', // +5
        tradeReferences: [{ name: 'Supplier A', behaviour: 'on_time' }], // +3
        bureauScore: 65, // +5
        financials: {
          yearsInBusiness: 5, // 3-10: +5
          currentAssets: 18_000_000,
          currentLiabilities: 10_000_000, // 1.8: +5
          operatingCashFlow: 2_000_000, // 20 %: 0
          totalAssets: 40_000_000,
          totalLiabilities: 16_000_000, // 40 %: 0; net worth 24,000,000 = 6x: +5
        },
        industryRisk: 'medium', // 0
        asOf: '2026-03-31',
      }),
      policy,
    );
    expect(result.components.character.points).toBe(18);
    expect(result.components.capacity.points).toBe(5);
    expect(result.components.capital.points).toBe(5);
    expect(result.weightedScore).toBe(18 * 30 + 5 * 25 + 5 * 25);
    expect(result.riskClass).toBe('medium');
    // min(75 % of 4,000,000 = 3,000,000; 5 % of 24,000,000 = 1,200,000)
    expect(result.recommendedLimit.amount).toBe(1_200_000);
    expect(result.nextReviewDate).toBe('2026-06-30');
  });

  it('a young, leveraged applicant with a late reference: high risk, limit secured by collateral, monthly review', () => {
    const result = scoreCredit(
      input({
        tradeReferences: [
          { name: 'Supplier A', behaviour: 'on_time' },
          { name: 'Supplier B', behaviour: 'late' },
        ], // worst is late: -5
        financials: {
          yearsInBusiness: 2, // <3: 0
          currentAssets: 12_000_000,
          currentLiabilities: 10_000_000, // 1.2: 0
          operatingCashFlow: 500_000, // 5 %: -5
          totalAssets: 5_000_000,
          totalLiabilities: 3_000_000, // 60 % > 50 %: -5; net worth 2,000,000 < request: -5
        },
        collateralValue: 1_000_000, // 20 % of the request: 0
        industryRisk: 'high', // -5
        asOf: '2026-01-31',
      }),
      policy,
    );
    expect(result.weightedScore).toBe(-5 * 30 + -5 * 25 + -10 * 25 + 0 + -5 * 10);
    expect(result.riskClass).toBe('high');
    // unsecured min(25 % of 5,000,000; 2 % of 2,000,000 = 40,000); the collateral secures 1,000,000
    expect(result.recommendedLimit.amount).toBe(1_000_000);
    expect(result.nextReviewDate).toBe('2026-02-28');
    expect(pointsOf(result, 'bureau-score')).toBe(0);
    expect(result.lines.find((l) => l.ruleId === 'bureau-score')!.band).toBeNull();
  });

  it.each<[string, Partial<ScorecardInput['financials']>, string, number]>([
    ['years in business 2', { yearsInBusiness: 2 }, 'years-in-business', 0],
    ['years in business 3', { yearsInBusiness: 3 }, 'years-in-business', 5],
    ['years in business 10', { yearsInBusiness: 10 }, 'years-in-business', 5],
    ['years in business 11', { yearsInBusiness: 11 }, 'years-in-business', 10],
    ['current ratio 1.49', { currentAssets: 149, currentLiabilities: 100 }, 'current-ratio', 0],
    ['current ratio 1.5', { currentAssets: 150, currentLiabilities: 100 }, 'current-ratio', 5],
    ['current ratio 2.2', { currentAssets: 220, currentLiabilities: 100 }, 'current-ratio', 5],
    ['current ratio 2.21', { currentAssets: 221, currentLiabilities: 100 }, 'current-ratio', 10],
    ['current ratio without liabilities figure', { currentAssets: 221 }, 'current-ratio', 0],
    ['debt/assets 29 %', { totalLiabilities: 29, totalAssets: 100 }, 'debt-to-assets', 10],
    ['debt/assets 30 %', { totalLiabilities: 30, totalAssets: 100 }, 'debt-to-assets', 0],
    ['debt/assets 50 %', { totalLiabilities: 50, totalAssets: 100 }, 'debt-to-assets', 0],
    ['debt/assets 51 %', { totalLiabilities: 51, totalAssets: 100 }, 'debt-to-assets', -5],
  ])('rule boundary: %s', (_label, financials, ruleId, points) => {
    expect(pointsOf(scoreCredit(input({ financials }), policy), ruleId)).toBe(points);
  });

  it.each([
    ['early', 10],
    ['on_time', 5],
    ['late', -5],
    ['none', 0],
  ] as const)('own payment history %s scores %d', (history, points) => {
    expect(pointsOf(scoreCredit(input({ paymentHistory: history }), policy), 'payment-history')).toBe(points);
  });

  it.each<[number | null, string]>([
    [null, 'none'],
    [-5, 'early'],
    [-2, 'early'],
    [-1, 'on_time'],
    [3, 'on_time'],
    [3.5, 'late'],
  ])('average %s days after due is %s', (days, behaviour) => {
    expect(paymentBehaviourOf(days, policy.paymentHistory)).toBe(behaviour);
  });

  it('weights are policy data: a policy that ignores capital scores the same input differently and records it', () => {
    const custom: CreditPolicy = {
      ...policy,
      version: 'no-capital',
      scorecard: { ...policy.scorecard, weights: { ...policy.scorecard.weights, capital: 0 } },
    };
    const figures = input({ financials: { totalAssets: 100, totalLiabilities: 20 } });
    expect(scoreCredit(figures, policy).components.capital.weighted).toBeGreaterThan(0);
    const result = scoreCredit(figures, custom);
    // debt/assets 20 %: +10; net worth 80 is below the request: -5
    expect(result.components.capital).toEqual({ points: 5, weight: 0, weighted: 0 });
    expect(result.policyVersion).toBe('no-capital');
    expect(result.lines.every((l) => l.weight === custom.scorecard.weights[l.c])).toBe(true);
    expect(result.inputs).toEqual(figures);
  });

  it('accepts the default policy and names the problems of a broken one', () => {
    expect(creditPolicyProblems(policy)).toEqual([]);
    const broken: CreditPolicy = {
      ...policy,
      bureauMaxAge: 'six months',
      riskClasses: [{ ...policy.riskClasses[0]!, minWeightedScore: 5 }],
      authority: { '*': [{ upTo: 100, approver: 'auto' }] },
    };
    expect(creditPolicyProblems(broken)).toEqual([
      'bureauMaxAge must be an ISO-8601 duration',
      'riskClasses must end with a class whose minWeightedScore is null',
      'authority.* must end with a level whose upTo is null',
    ]);
  });
});
