import { daysPastDue, pastDueFrom, pastDueInstant } from '../../src/invoices/rules/invoice-age.js';
import { delinquencyThresholdAt } from '../../src/collections/rules/delinquency.js';
import { selectLevel } from '../../src/collections/rules/dunning.js';

const thirds = [
  { dueDate: '2026-01-31', amount: { amount: 3334 } },
  { dueDate: '2026-03-02', amount: { amount: 3333 } },
  { dueDate: '2026-04-01', amount: { amount: 3333 } },
];

describe('one age per overdue invoice', () => {
  it('counts from the due date, whenever the engine noticed', () => {
    const invoice = { dueDate: '2026-10-24', totalAmount: 10_000, openAmount: 10_000 };
    expect(pastDueInstant(invoice)).toBe('2026-10-24T00:00:00.000Z');
    expect(daysPastDue(pastDueInstant(invoice), new Date('2026-12-03T05:55:00Z'))).toBe(40);
  });

  it('with instalments, counts from the earliest instalment the payments have not covered', () => {
    expect(pastDueFrom({ dueDate: '2026-04-01', totalAmount: 10_000, openAmount: 10_000, instalments: thirds })).toBe(
      '2026-01-31',
    );
    expect(pastDueFrom({ dueDate: '2026-04-01', totalAmount: 10_000, openAmount: 6_666, instalments: thirds })).toBe(
      '2026-03-02',
    );
    expect(pastDueFrom({ dueDate: '2026-04-01', totalAmount: 10_000, openAmount: 6_000, instalments: thirds })).toBe(
      '2026-03-02',
    );
    expect(pastDueFrom({ dueDate: '2026-04-01', totalAmount: 10_000, openAmount: 100, instalments: thirds })).toBe(
      '2026-04-01',
    );
  });

  it('is never negative before the date', () => {
    expect(daysPastDue('2026-12-10T00:00:00.000Z', new Date('2026-12-03T00:00:00Z'))).toBe(0);
  });

  it('starts the escalation at the level the age calls for (the highest due, not the first)', () => {
    const levels = [
      { name: 'reminder', trigger: { pastDueFor: 'P1D', overdueAbove: null, match: 'any' as const } },
      { name: 'demand', trigger: { pastDueFor: 'P14D', overdueAbove: null, match: 'any' as const } },
      { name: 'final_notice', trigger: { pastDueFor: 'P30D', overdueAbove: null, match: 'any' as const } },
      { name: 'legal', trigger: { pastDueFor: 'P60D', overdueAbove: null, match: 'any' as const } },
    ];
    const facts = {
      oldestOverdueAt: pastDueInstant({ dueDate: '2026-10-24', totalAmount: 1, openAmount: 1 }),
      overdueAmount: 1,
    };
    expect(selectLevel({ levels } as never, facts as never, new Date('2026-12-03T05:55:00Z'))).toBe(2);
  });
});

describe('delinquency threshold timer', () => {
  const policy = { overdueAfter: 'P30D' };
  it('is the first day the oldest open invoice is more than overdueAfter past due', () => {
    expect(
      delinquencyThresholdAt(
        { oldestOpenDueDate: '2026-11-10' },
        policy,
        new Date('2026-12-03T00:00:00Z'),
      )?.toISOString(),
    ).toBe('2026-12-11T00:00:00.000Z');
  });
  it('is absent once passed or without open invoices', () => {
    expect(
      delinquencyThresholdAt({ oldestOpenDueDate: '2026-10-01' }, policy, new Date('2026-12-03T00:00:00Z')),
    ).toBeUndefined();
    expect(
      delinquencyThresholdAt({ oldestOpenDueDate: null }, policy, new Date('2026-12-03T00:00:00Z')),
    ).toBeUndefined();
  });
});
