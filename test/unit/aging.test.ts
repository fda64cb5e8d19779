import {
  ageItems,
  agingBuckets,
  bucketCaseSql,
  bucketIndex,
  bucketStartDates,
  parseAgingBounds,
} from '../../src/reports/rules/aging.js';
import { lastCompletedPeriod, statementKey, type StatementFrequency } from '../../src/documents/rules/statements.js';
import { addDays, daysBetween } from '../../src/shared/calendar-date.js';

describe('aging buckets', () => {
  it('current first, then the ranges, then the open-ended last bucket', () => {
    expect(agingBuckets([30, 60, 90]).map((b) => [b.key, b.fromDays, b.toDays])).toEqual([
      ['current', null, 0],
      ['1-30', 1, 30],
      ['31-60', 31, 60],
      ['61-90', 61, 90],
      ['91+', 91, null],
    ]);
    expect(agingBuckets([15]).map((b) => b.key)).toEqual(['current', '1-15', '16+']);
  });

  it.each<[number, number]>([
    [-400, 0], // issued and due far in the future: still in a bucket (current), never dropped
    [0, 0],
    [1, 1],
    [30, 1],
    [31, 2],
    [60, 2],
    [61, 3],
    [90, 3],
    [91, 4],
    [10_000, 4],
  ])('age %i days falls in bucket %i', (age, index) => expect(bucketIndex(age, [30, 60, 90])).toBe(index));

  it.each<[string | undefined, number[] | string]>([
    [undefined, [30, 60, 90]],
    ['', [30, 60, 90]],
    ['7, 14,21', [7, 14, 21]],
    ['30,30', 'strictly increasing'],
    ['60,30', 'strictly increasing'],
    ['0,30', 'at least 1'],
    ['30,abc', 'comma-separated'],
    ['-5', 'comma-separated'],
    ['1,2,3,4,5,6,7,8,9,10,11', 'at most'],
  ])('bounds %p', (raw, expected) => {
    const parsed = parseAgingBounds(raw);
    if (typeof expected === 'string') expect('problem' in parsed && parsed.problem.detail).toContain(expected);
    else expect(parsed).toEqual({ bounds: expected });
  });

  it('items sum into buckets that add up to the total, credits negative', () => {
    const items = [
      { amount: 100, basisDate: '2026-12-01' }, // future: current
      { amount: 200, basisDate: '2026-11-20' }, // 10 days
      { amount: 300, basisDate: '2026-09-01' }, // 90 days
      { amount: 400, basisDate: '2026-08-01' }, // 121 days
      { amount: -50, basisDate: '2026-11-30' }, // credit posted today
    ];
    const sums = ageItems(items, '2026-11-30', [30, 60, 90]);
    expect(sums).toEqual([50, 200, 0, 300, 400]);
    expect(sums.reduce((a, b) => a + b, 0)).toBe(items.reduce((a, i) => a + i.amount, 0));
  });

  it('day arithmetic over month ends and leap years', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2026-03-01', '2026-02-28')).toBe(-1);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('the SQL bucket expression mirrors bucketIndex and refuses anything but whole days', () => {
    expect(bucketCaseSql('age', [30, 60])).toBe(
      'CASE WHEN age <= 0 THEN 0 WHEN age <= 30 THEN 1 WHEN age <= 60 THEN 2 ELSE 3 END',
    );
    expect(() => bucketCaseSql('age', [1.5])).toThrow(RangeError);
  });

  it('bucket start dates put every basis date in the bucket bucketIndex gives its age', () => {
    const asOf = '2026-03-01';
    const bounds = [30, 60, 90];
    expect(bucketStartDates(asOf, bounds)).toEqual(['2026-03-01', '2026-01-30', '2025-12-31', '2025-12-01']);
    const starts = bucketStartDates(asOf, bounds);
    const byDate = (basisDate: string) => {
      const i = starts.findIndex((start) => basisDate >= start);
      return i < 0 ? starts.length : i;
    };
    for (let age = -40; age <= 200; age++)
      expect([age, byDate(addDays(asOf, -age))]).toEqual([age, bucketIndex(age, bounds)]);
    expect(() => bucketStartDates(asOf, [0])).toThrow(RangeError);
  });
});

describe('statement periods', () => {
  it.each<[StatementFrequency, string, { from: string; to: string } | null]>([
    ['monthly', '2026-03-01', { from: '2026-02-01', to: '2026-02-28' }],
    ['monthly', '2026-03-31', { from: '2026-02-01', to: '2026-02-28' }],
    ['monthly', '2026-01-15', { from: '2025-12-01', to: '2025-12-31' }],
    ['weekly', '2026-11-23', { from: '2026-11-16', to: '2026-11-22' }], // a Monday: last week
    ['weekly', '2026-11-29', { from: '2026-11-16', to: '2026-11-22' }], // the Sunday after: still last week
    ['quarterly', '2026-04-01', { from: '2026-01-01', to: '2026-03-31' }],
    ['quarterly', '2026-02-10', { from: '2025-10-01', to: '2025-12-31' }],
    ['none', '2026-03-01', null],
  ])('%s as of %s', (frequency, asOf, expected) => expect(lastCompletedPeriod(frequency, asOf)).toEqual(expected));

  it('keys a statement by customer and period', () => {
    expect(statementKey('c1', { from: '2026-02-01', to: '2026-02-28' })).toBe('statement:c1:2026-02-01:2026-02-28');
  });
});
