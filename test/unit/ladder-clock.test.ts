import { countFromHandOver, isSubDayLadder } from '../../src/collections/rules/ladder-clock.js';

const ladder = (...steps: (string | null)[]) =>
  ({
    levels: steps.map((pastDueFor) => ({
      trigger: { pastDueFor, overdueAbove: pastDueFor === null ? 100 : null, match: 'any' as const },
    })),
  }) as never;

describe('isSubDayLadder', () => {
  it.each([
    [['PT2S', 'PT20S', 'PT40S'], true],
    [['PT1S', null, 'PT23H59M'], true],
    [['PT2S', 'P7D', 'P60D'], false], // a mixed ladder counts from the due date: its day-scale steps mean days past due
    [['P7D', 'P30D'], false],
    [['PT2S', 'PT24H'], false],
    [[null, null], false], // amount-only triggers have no clock
  ])('%j -> %s', (steps, expected) => {
    expect(isSubDayLadder(ladder(...steps))).toBe(expected);
  });
});

it('counts each invoice from its hand-over, keeping the due-date age where none is recorded', () => {
  const facts = {
    oldestOverdueAt: '2026-11-01T00:00:00.000Z',
    overdue: [
      { invoiceId: 'a', overdueAt: '2026-11-01T00:00:00.000Z', handedOverAt: '2026-11-04T10:00:00.000Z' },
      { invoiceId: 'b', overdueAt: '2026-11-03T00:00:00.000Z', handedOverAt: null },
    ],
  };
  const counted = countFromHandOver(facts);
  expect(counted.overdue.map((i) => i.overdueAt)).toEqual(['2026-11-04T10:00:00.000Z', '2026-11-03T00:00:00.000Z']);
  expect(counted.oldestOverdueAt).toBe('2026-11-03T00:00:00.000Z');
  expect(facts.overdue[0]!.overdueAt).toBe('2026-11-01T00:00:00.000Z');
});
