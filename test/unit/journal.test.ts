import { accountFor, DEFAULT_CHART } from '../../src/reports/rules/chart.js';
import {
  assertBalanced,
  isIsoDate,
  reversalLines,
  UnbalancedEntryError,
  type JournalLineInput,
} from '../../src/shared/journal.js';

const issue: JournalLineInput[] = [
  { account: 'accounts_receivable', customerId: 'c', debit: 11900, credit: 0, currency: 'EUR' },
  { account: 'revenue', debit: 0, credit: 10000, currency: 'EUR' },
  { account: 'tax_payable', debit: 0, credit: 1900, currency: 'EUR' },
];

describe('journal rules', () => {
  it('accepts a balanced entry and mirrors it for a reversal', () => {
    expect(() => assertBalanced(issue)).not.toThrow();
    const reversal = reversalLines(issue);
    expect(reversal.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['accounts_receivable', 0, 11900],
      ['revenue', 10000, 0],
      ['tax_payable', 1900, 0],
    ]);
    expect(() => assertBalanced([...issue, ...reversal])).not.toThrow();
  });

  it.each<[string, JournalLineInput[]]>([
    ['one line', [issue[0]!]],
    ['debits above credits', [issue[0]!, issue[1]!]],
    ['both sides on one line', [{ ...issue[0]!, credit: 1 }, issue[1]!]],
    ['an empty line', [{ ...issue[0]!, debit: 0 }, issue[1]!]],
    [
      'negative amount',
      [
        { ...issue[0]!, debit: -1 },
        { ...issue[1]!, credit: -1 },
      ],
    ],
    [
      'fractional minor units',
      [
        { ...issue[0]!, debit: 0.5 },
        { ...issue[1]!, credit: 0.5 },
      ],
    ],
    ['balanced in total but not per currency', [issue[0]!, { ...issue[1]!, credit: 11900, currency: 'USD' }]],
  ])('refuses %s', (_label, lines) => {
    expect(() => assertBalanced(lines)).toThrow(UnbalancedEntryError);
  });

  it('finds accounts by role and validates dates', () => {
    expect(accountFor('accounts_receivable').code).toBe('1100');
    expect(DEFAULT_CHART.filter((a) => a.requiresCustomer).map((a) => a.role)).toEqual([
      'accounts_receivable',
      'customer_credit',
    ]);
    expect([isIsoDate('2026-02-28'), isIsoDate('2026-02-30'), isIsoDate('26-1-1')]).toEqual([true, false, false]);
  });
});
