import {
  DEFAULT_DUNNING_POLICY,
  dunningPolicyProblems,
  type DunningPolicyBody,
} from '../../src/collections/rules/dunning-policy.js';
import {
  contactDue,
  invoicesDueForFee,
  nextEscalationAt,
  promiseDeadline,
  promiseKept,
  promiseProblems,
  selectLevel,
} from '../../src/collections/rules/dunning.js';

const policy = DEFAULT_DUNNING_POLICY;
const overdueAt = '2026-01-01T00:00:00.000Z';
const day = (n: number, time = '00:00:00') => new Date(Date.parse(`2026-01-01T${time}.000Z`) + n * 86_400_000);

describe('level selection (standard SOP: reminder 7d, demand 30d, final notice 60d, legal 90d)', () => {
  it.each([
    [0, -1],
    [6, -1],
    [7, 0],
    [29, 0],
    [30, 1],
    [59, 1],
    [60, 2],
    [89, 2],
    [90, 3],
    [400, 3],
  ])('day %i past due -> level %i', (days, level) => {
    expect(selectLevel(policy, { oldestOverdueAt: overdueAt, overdueAmount: 100_00 }, day(days))).toBe(level);
  });

  it('nothing overdue is no level, whatever the floor', () => {
    expect(selectLevel(policy, { oldestOverdueAt: null, overdueAmount: 0 }, day(100), 2)).toBe(-1);
  });

  it('a floor (broken promise) keeps the account one level higher, capped at the last level', () => {
    expect(selectLevel(policy, { oldestOverdueAt: overdueAt, overdueAmount: 1 }, day(10), 1)).toBe(1);
    expect(selectLevel(policy, { oldestOverdueAt: overdueAt, overdueAmount: 1 }, day(10), 9)).toBe(3);
  });

  const amountPolicy = {
    levels: [
      { ...policy.levels[0]!, trigger: { pastDueFor: 'P7D', overdueAbove: null, match: 'any' as const } },
      { ...policy.levels[1]!, trigger: { pastDueFor: 'P30D', overdueAbove: 1_000_000, match: 'any' as const } },
      { ...policy.levels[2]!, trigger: { pastDueFor: 'P60D', overdueAbove: 1_000_000, match: 'all' as const } },
    ],
  };
  it.each([
    ['small and young', 10, 500, 0],
    ['large amount escalates early with any', 10, 2_000_000, 1],
    ['all needs both: old but small', 61, 500, 1],
    ['all needs both: old and large', 61, 2_000_000, 2],
    ['below the first trigger, but above an amount', 1, 2_000_000, 1],
  ])('%s', (_name, days, amount, level) => {
    expect(selectLevel(amountPolicy, { oldestOverdueAt: overdueAt, overdueAmount: amount }, day(days))).toBe(level);
  });

  it('next escalation is the next time-trigger of a higher level', () => {
    const facts = { oldestOverdueAt: overdueAt, overdueAmount: 500 };
    expect(nextEscalationAt(policy, facts, -1, day(0))?.toISOString()).toBe(day(7).toISOString());
    expect(nextEscalationAt(policy, facts, 1, day(45))?.toISOString()).toBe(day(60).toISOString());
    expect(nextEscalationAt(policy, facts, 3, day(95))).toBeUndefined();
    // an `all` level whose amount does not hold now never escalates by time alone
    expect(nextEscalationAt(amountPolicy, facts, 1, day(40))).toBeUndefined();
  });
});

describe('contact schedule and the catch-up rule (one contact, the latest)', () => {
  it.each([
    ['first contact on entering a level', null, 'P7D', day(30), { due: true, slot: day(30), skipped: 0 }],
    ['not yet', day(30).toISOString(), 'P7D', day(36), { due: false, slot: day(37), skipped: 0 }],
    ['exactly on the slot', day(30).toISOString(), 'P7D', day(37), { due: true, slot: day(37), skipped: 0 }],
    [
      'late but within one period keeps the cadence',
      day(30).toISOString(),
      'P7D',
      day(40),
      { due: true, slot: day(37), skipped: 0 },
    ],
    [
      'worker down 3 weeks: one contact, the latest slot',
      day(30).toISOString(),
      'P7D',
      day(52),
      { due: true, slot: day(51), skipped: 2 },
    ],
    [
      'daily, down 5 days and 6 hours',
      day(60).toISOString(),
      'P1D',
      day(65, '06:00:00'),
      { due: true, slot: day(65), skipped: 4 },
    ],
    [
      'seconds-scale staging policy',
      '2026-01-01T00:00:00.000Z',
      'PT5S',
      new Date('2026-01-01T00:00:12.000Z'),
      { due: true, slot: new Date('2026-01-01T00:00:10.000Z'), skipped: 1 },
    ],
  ])('%s', (_name, last, every, now, expected) => {
    expect(contactDue(last, every, now)).toEqual(expected);
  });
});

describe('promise to pay', () => {
  const ctx = {
    now: new Date('2026-03-10T12:00:00Z'),
    policy: { promise: { maxAhead: 'P30D', grace: 'P3D', maxOpen: 1 } },
    overdue: [
      { invoiceId: 'a', openAmount: 5000 },
      { invoiceId: 'b', openAmount: 3000 },
    ],
    openPromises: 0,
  };
  it.each([
    ['valid', { amount: 8000, date: '2026-03-20' }, []],
    ['valid for one invoice', { amount: 3000, date: '2026-04-09', invoiceIds: ['b'] }, []],
    ['today is not the future', { amount: 100, date: '2026-03-10' }, ['/date']],
    ['in the past', { amount: 100, date: '2026-03-01' }, ['/date']],
    ['beyond the policy maximum', { amount: 100, date: '2026-04-10' }, ['/date']],
    ['above the overdue total', { amount: 8001, date: '2026-03-20' }, ['/amount']],
    ['above the covered invoices', { amount: 3001, date: '2026-03-20', invoiceIds: ['b'] }, ['/amount']],
    ['unknown invoice', { amount: 10, date: '2026-03-20', invoiceIds: ['x'] }, ['/invoiceIds/0', '/amount']],
    ['zero amount', { amount: 0, date: '2026-03-20' }, ['/amount']],
    ['not a date', { amount: 10, date: '2026-02-30x' }, ['/date']],
  ])('%s', (_name, request, pointers) => {
    expect(promiseProblems(request, ctx).map((p) => p.pointer)).toEqual(pointers);
  });
  it('at most maxOpen open promises', () => {
    expect(
      promiseProblems({ amount: 10, date: '2026-03-20' }, { ...ctx, openPromises: 1 }).map((p) => p.pointer),
    ).toEqual(['']);
  });
  it('breaks at the end of the promised day plus grace; kept once the covered amount came down by the promise', () => {
    expect(promiseDeadline('2026-03-20', 'P3D').toISOString()).toBe('2026-03-24T00:00:00.000Z');
    expect(promiseKept({ amount: 3000, baselineAmount: 8000 }, 5000)).toBe(true);
    expect(promiseKept({ amount: 3000, baselineAmount: 8000 }, 5001)).toBe(false);
  });
});

describe('policy validation', () => {
  const clone = (): DunningPolicyBody => JSON.parse(JSON.stringify(DEFAULT_DUNNING_POLICY));
  it('the seeded SOP is valid', () => expect(dunningPolicyProblems(clone())).toEqual([]));
  it.each([
    [
      'invalid ISO duration',
      (p: DunningPolicyBody) => (p.levels[1]!.contactEvery = '7 days'),
      ['/levels/1/contactEvery'],
    ],
    ['zero frequency', (p: DunningPolicyBody) => (p.levels[1]!.contactEvery = 'P0D'), ['/levels/1/contactEvery']],
    [
      'levels out of order',
      (p: DunningPolicyBody) => (p.levels[2]!.trigger.pastDueFor = 'P20D'),
      ['/levels/2/trigger/pastDueFor'],
    ],
    [
      'same trigger twice',
      (p: DunningPolicyBody) => (p.levels[1]!.trigger.pastDueFor = 'P7D'),
      ['/levels/1/trigger/pastDueFor'],
    ],
    [
      'amount thresholds out of order',
      (p: DunningPolicyBody) => {
        p.levels[1]!.trigger.overdueAbove = 500;
        p.levels[2]!.trigger.overdueAbove = 100;
      },
      ['/levels/2/trigger/overdueAbove'],
    ],
    ['duplicate level name', (p: DunningPolicyBody) => (p.levels[1]!.name = 'reminder'), ['/levels/1/name']],
    ['no trigger', (p: DunningPolicyBody) => (p.levels[0]!.trigger.pastDueFor = null), ['/levels/0/trigger']],
    [
      'bad day-count basis',
      (p: DunningPolicyBody) =>
        (p.levels[2]!.lateFee = { fixed: 0, interest: { annualRateBp: 800, basis: 364 as 365 } }),
      ['/levels/2/lateFee/interest/basis'],
    ],
    [
      'empty late fee',
      (p: DunningPolicyBody) => (p.levels[1]!.lateFee = { fixed: 0, interest: null }),
      ['/levels/1/lateFee'],
    ],
    ['bad promise grace', (p: DunningPolicyBody) => (p.promise.grace = 'P-1D'), ['/promise/grace']],
    ['no levels', (p: DunningPolicyBody) => (p.levels = []), ['/levels']],
  ])('%s', (_name, change, pointers) => {
    const p = clone();
    change(p);
    expect(dunningPolicyProblems(p).map((x) => x.pointer)).toEqual(pointers);
  });
});

describe('which invoices owe a level fee', () => {
  const invoices = [
    { id: 'old', overdueAt: '2026-01-01T00:00:00.000Z' },
    { id: 'new', overdueAt: '2026-01-27T00:00:00.000Z' },
  ];
  it.each([
    [
      'demand (30 days) on day 31: only the old one',
      { pastDueFor: 'P30D', overdueAbove: null, match: 'any' as const },
      day(31),
      ['old'],
    ],
    [
      'demand on day 57: both',
      { pastDueFor: 'P30D', overdueAbove: null, match: 'any' as const },
      day(57),
      ['old', 'new'],
    ],
    [
      'amount-only trigger: all',
      { pastDueFor: null, overdueAbove: 100, match: 'any' as const },
      day(1),
      ['old', 'new'],
    ],
  ])('%s', (_name, trigger, now, ids) => {
    expect(invoicesDueForFee({ trigger }, invoices, now).map((i) => i.id)).toEqual(ids);
  });
});
