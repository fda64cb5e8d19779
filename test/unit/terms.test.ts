import { money } from '../../src/shared/money.js';
import {
  discountAmount,
  discountApplies,
  endOfMonth,
  InvalidTermsError,
  scheduleFor,
  STANDARD_TERMS,
  termsProblems,
} from '../../src/customers/rules/terms.js';
import { daysBetween } from '../../src/shared/calendar-date.js';

const terms = (code: string) => STANDARD_TERMS.find((t) => t.code === code)!.terms;

describe('payment terms', () => {
  it.each([
    ['DUE_ON_RECEIPT', '2026-11-10', '2026-11-10'],
    ['NET30', '2026-11-10', '2026-12-10'],
    ['NET30', '2026-01-31', '2026-03-02'],
    ['EOM30', '2026-11-10', '2026-12-30'],
    ['EOM30', '2026-02-03', '2026-03-30'],
  ])('%s issued %s is due %s', (code, issued, due) => {
    expect(scheduleFor(terms(code), issued, money(1000, 'EUR')).dueDate).toBe(due);
  });

  it('offers 2 % within 10 days on 2/10 net 30, inclusive of day 10', () => {
    const schedule = scheduleFor(terms('2_10_NET30'), '2026-11-01', money(100_000, 'USD'));
    expect(schedule).toMatchObject({
      dueDate: '2026-12-01',
      discount: { deadline: '2026-11-11', rateBp: 200, amount: { amount: 2000, currency: 'USD' } },
    });
    expect([discountApplies(schedule, '2026-11-11'), discountApplies(schedule, '2026-11-12')]).toEqual([true, false]);
  });

  it('splits instalments exactly and in order', () => {
    const schedule = scheduleFor(terms('THIRDS_30_60_90'), '2026-01-01', money(10_000, 'EUR'));
    expect(schedule.instalments.map((i) => [i.dueDate, i.amount.amount])).toEqual([
      ['2026-01-31', 3334],
      ['2026-03-02', 3333],
      ['2026-04-01', 3333],
    ]);
    expect(schedule.dueDate).toBe('2026-04-01');
  });

  it('rounds discounts half-even', () => {
    expect(discountAmount(money(1225, 'EUR'), 200).amount).toBe(24); // 24.5 -> 24
    expect(discountAmount(money(1275, 'EUR'), 200).amount).toBe(26); // 25.5 -> 26
    expect(discountAmount(money(1276, 'EUR'), 200).amount).toBe(26); // 25.52 -> 26
  });

  it.each([
    [{ type: 'net', days: -1 }, '/days'],
    [{ type: 'net', days: 10, discount: { rateBp: 200, withinDays: 20 } }, '/discount/withinDays'],
    [{ type: 'net', days: 30, discount: { rateBp: 0, withinDays: 10 } }, '/discount/rateBp'],
    [
      {
        type: 'instalments',
        instalments: [
          { portionBp: 5000, dueDays: 30 },
          { portionBp: 4000, dueDays: 60 },
        ],
      },
      '/instalments',
    ],
    [
      {
        type: 'instalments',
        instalments: [
          { portionBp: 5000, dueDays: 60 },
          { portionBp: 5000, dueDays: 30 },
        ],
      },
      '/instalments/1/dueDays',
    ],
  ] as const)('rejects %j at %s', (bad, pointer) => {
    expect(termsProblems(bad as never).map((p) => p.pointer)).toContain(pointer);
    expect(() => scheduleFor(bad as never, '2026-01-01', money(1, 'EUR'))).toThrow(InvalidTermsError);
  });

  it('has valid standard templates and calendar helpers', () => {
    for (const template of STANDARD_TERMS) expect(termsProblems(template.terms)).toEqual([]);
    expect(endOfMonth('2028-02-10')).toBe('2028-02-29');
    expect(daysBetween('2026-12-25', '2027-01-05')).toBe(11);
  });
});
