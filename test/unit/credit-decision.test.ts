import {
  approvalProblems,
  approverFor,
  authorityOf,
  checkInvoiceCredit,
  daysBeyondTerms,
  earlyReviewReasons,
  overrideProblems,
} from '../../src/credit/rules/credit-decision.js';
import { creditPolicyProblems, DEFAULT_CREDIT_POLICY as policy } from '../../src/credit/rules/credit-policy.js';

describe('authority matrix', () => {
  it.each<[number, string, string]>([
    [0, 'EUR', 'auto'],
    [1_000_000, 'EUR', 'auto'], // 10,000.00 EUR
    [1_000_001, 'EUR', 'credit_manager'],
    [5_000_000, 'EUR', 'credit_manager'], // 50,000.00 EUR: the credit manager's approval ceiling
    [5_000_001, 'EUR', 'finance_director'],
    [500_000_000, 'USD', 'finance_director'],
    [10_000, 'JPY', 'auto'], // no minor units: 10,000 JPY
    [10_001, 'JPY', 'credit_manager'],
    [50_001, 'JPY', 'finance_director'],
  ])('a limit of %d %s is approved by %s', (amount, currency, approver) => {
    expect(approverFor(amount, currency, policy).approver).toBe(approver);
  });

  it('knows each approver ceiling', () => {
    expect(authorityOf('credit_manager', 'EUR', policy)).toBe(5_000_000);
    expect(authorityOf('finance_director', 'EUR', policy)).toBeNull();
    expect(authorityOf('credit_manager', 'JPY', policy)).toBe(50_000);
  });

  const manager = { approver: 'credit_manager' as const, maxAmount: 10_000_000, recommended: 5_000_000 };
  it.each<[string, { outcome: string; data: Record<string, unknown>; comment?: string }, string[]]>([
    ['approve as recommended', { outcome: 'approve', data: {} }, []],
    ['approve a lower limit', { outcome: 'approve', data: { limit: 2_000_000 } }, []],
    ['approve above the manager authority', { outcome: 'approve', data: { limit: 10_000_001 } }, ['/data/limit']],
    ['approve a fractional limit', { outcome: 'approve', data: { limit: 10.5 } }, ['/data/limit']],
    ['reject without a reason', { outcome: 'reject', data: {} }, ['/comment']],
    ['reject with a comment', { outcome: 'reject', data: {}, comment: 'weak figures' }, []],
    ['an unknown outcome', { outcome: 'maybe', data: {} }, ['/outcome']],
  ])('approval task: %s', (_label, completion, pointers) => {
    expect(approvalProblems(completion, manager).map((p) => p.pointer)).toEqual(pointers);
  });

  it("holds an entered limit to the decider's own authority when the API passes it (a task routed up, two approvals)", () => {
    const routedUp = { outcome: 'approve', data: { limit: 20_000_000 } };
    expect(approvalProblems(routedUp, manager).map((p) => p.pointer)).toEqual(['/data/limit']);
    expect(
      approvalProblems({ ...routedUp, authority: { role: 'finance_director', ceiling: 25_000_000 } }, manager),
    ).toEqual([]);
    expect(
      approvalProblems({ ...routedUp, authority: { role: 'finance_director', ceiling: 15_000_000 } }, manager)[0]!
        .detail,
    ).toBe('exceeds the finance_director authority of 15000000; a higher approver must decide');
    expect(
      approvalProblems(
        { outcome: 'approve', data: { limit: 90_000_000 }, authority: { role: null, ceiling: null } },
        manager,
      ),
    ).toEqual([]);
  });

  it('refuses a policy whose matrix routes a limit to someone above their approval ceiling', () => {
    const matrix = {
      '*': [
        { upTo: 1_000_000, approver: 'auto' as const },
        { upTo: 10_000_000, approver: 'credit_manager' as const },
        { upTo: null, approver: 'finance_director' as const },
      ],
    };
    expect(creditPolicyProblems({ ...policy, authority: matrix })).toEqual([
      'authority.* routes up to 10000000 to credit_manager, above its approval ceiling (5000000)',
    ]);
    expect(creditPolicyProblems(policy)).toEqual([]);
  });

  it('override task outcomes', () => {
    expect(overrideProblems({ outcome: 'approve', data: {} })).toEqual([]);
    expect(overrideProblems({ outcome: 'reject', data: { reason: 'no' } })).toEqual([]);
    expect(overrideProblems({ outcome: 'reject', data: {} }).map((p) => p.pointer)).toEqual(['/comment']);
    expect(overrideProblems({ outcome: 'release', data: {} }).map((p) => p.pointer)).toEqual(['/outcome']);
  });
});

describe('invoice credit check', () => {
  it.each<
    [
      string,
      { amount: number; exposure: number; limit: number | null; onHold: boolean },
      { held: boolean; reasons: string[]; overLimitBy: number; earlyReview: boolean },
    ]
  >([
    [
      'within the limit',
      { amount: 300, exposure: 600, limit: 1000, onHold: false },
      { held: false, reasons: [], overLimitBy: 0, earlyReview: false },
    ],
    [
      'exactly at the limit',
      { amount: 400, exposure: 600, limit: 1000, onHold: false },
      { held: false, reasons: [], overLimitBy: 0, earlyReview: false },
    ],
    [
      'one unit over',
      { amount: 401, exposure: 600, limit: 1000, onHold: false },
      { held: true, reasons: ['over_credit_limit'], overLimitBy: 1, earlyReview: false },
    ],
    [
      '20 % over: not yet early review',
      { amount: 600, exposure: 600, limit: 1000, onHold: false },
      { held: true, reasons: ['over_credit_limit'], overLimitBy: 200, earlyReview: false },
    ],
    [
      'more than 20 % over: early review',
      { amount: 601, exposure: 600, limit: 1000, onHold: false },
      { held: true, reasons: ['over_credit_limit'], overLimitBy: 201, earlyReview: true },
    ],
    [
      'no limit set',
      { amount: 1_000_000, exposure: 0, limit: null, onHold: false },
      { held: false, reasons: [], overLimitBy: 0, earlyReview: false },
    ],
    [
      'account on hold',
      { amount: 1, exposure: 0, limit: null, onHold: true },
      { held: true, reasons: ['account_on_hold'], overLimitBy: 0, earlyReview: false },
    ],
    [
      'zero limit',
      { amount: 1, exposure: 0, limit: 0, onHold: false },
      { held: true, reasons: ['over_credit_limit'], overLimitBy: 1, earlyReview: true },
    ],
  ])('%s', (_label, input, expected) => {
    expect(checkInvoiceCredit(input, policy)).toMatchObject(expected);
  });
});

describe('early review on deterioration', () => {
  const baseline = { daysBeyondTerms: 5, brokenPromises: 0 };
  it.each<[string, { daysBeyondTerms: number; brokenPromises: number }, string[], string[]]>([
    ['no change', baseline, [], []],
    ['days beyond terms up 14', { daysBeyondTerms: 19, brokenPromises: 0 }, [], []],
    ['days beyond terms up 15', { daysBeyondTerms: 20, brokenPromises: 0 }, [], ['days_beyond_terms_rising']],
    ['a promise broke (counted)', { daysBeyondTerms: 5, brokenPromises: 1 }, [], ['promise_broken']],
    ['a promise broke (signalled)', baseline, ['promise_broken'], ['promise_broken']],
    ['an invoice far above the limit', baseline, ['credit_limit_exceeded'], ['over_limit']],
    ['a routine refresh', baseline, ['profile_changed'], []],
  ])('%s', (_label, current, signals, reasons) => {
    expect(earlyReviewReasons({ baseline, current, signals }, policy)).toEqual(reasons);
  });

  it.each<[string | null, string, number]>([
    [null, '2026-05-01', 0],
    ['2026-05-01', '2026-05-01', 0],
    ['2026-04-01', '2026-05-01', 30],
  ])('days beyond terms of oldest due %s on %s is %d', (due, asOf, days) => {
    expect(daysBeyondTerms(due, asOf)).toBe(days);
  });
});
