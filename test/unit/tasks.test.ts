import {
  amountProblems,
  claimRefusal,
  completionRefusal,
  handOverRefusal,
  outcomeProblems,
  slaState,
} from '../../src/tasks/rules/tasks.js';

const at = (iso: string) => new Date(iso);

describe('slaState', () => {
  const base = { createdAt: at('2026-01-01T00:00:00Z'), slaDueAt: at('2026-01-11T00:00:00Z'), closedAt: null };
  it.each([
    ['no deadline', { ...base, slaDueAt: null, now: at('2026-01-05T00:00:00Z') }, 'none'],
    ['early in the window', { ...base, now: at('2026-01-02T00:00:00Z') }, 'on_track'],
    ['last 20 % of the window', { ...base, now: at('2026-01-09T00:00:01Z') }, 'due_soon'],
    ['at the deadline', { ...base, now: at('2026-01-11T00:00:00Z') }, 'due_soon'],
    ['past the deadline', { ...base, now: at('2026-01-11T00:00:01Z') }, 'breached'],
    ['closed in time', { ...base, closedAt: at('2026-01-10T00:00:00Z'), now: at('2026-02-01T00:00:00Z') }, 'met'],
    ['closed late', { ...base, closedAt: at('2026-01-12T00:00:00Z'), now: at('2026-02-01T00:00:00Z') }, 'breached'],
  ])('%s', (_name, input, expected) => {
    expect(slaState(input)).toBe(expected);
  });
});

describe('who may act on a task', () => {
  const open = { status: 'open' as const, assignee: null };
  const alices = { status: 'claimed' as const, assignee: 'alice' };
  const done = { status: 'completed' as const, assignee: 'alice' };
  it.each([
    ['claim an open task', claimRefusal(open, 'bob'), undefined],
    ['claim again your own', claimRefusal(alices, 'alice'), undefined],
    ["claim someone else's", claimRefusal(alices, 'bob')?.status, 409],
    ['claim a completed task', claimRefusal(done, 'bob')?.status, 409],
    ['release your own', handOverRefusal(alices, 'alice', false), undefined],
    ["release someone else's", handOverRefusal(alices, 'bob', false)?.status, 403],
    ["manager releases someone else's", handOverRefusal(alices, 'carol', true), undefined],
    ['complete your claim', completionRefusal(alices, 'alice', false), undefined],
    ['complete unclaimed', completionRefusal(open, 'alice', false)?.status, 409],
    ["complete someone else's", completionRefusal(alices, 'bob', false)?.status, 403],
    ["manager completes someone else's", completionRefusal(alices, 'carol', true), undefined],
    ['complete twice', completionRefusal(done, 'alice', true)?.status, 409],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

describe('completion validators', () => {
  it('names the outcome when it is not allowed', () => {
    expect(outcomeProblems(['a', 'b'], { outcome: 'c' })).toEqual([
      { pointer: '/outcome', detail: 'must be one of a, b for this task' },
    ]);
    expect(outcomeProblems(['a', 'b'], { outcome: 'b' })).toEqual([]);
  });
  it.each([
    [{}, { max: 10 }, 'is required for this outcome'],
    [{ amount: 1.5 }, { max: 10 }, 'must be a whole number of minor units'],
    [{ amount: '5' }, { max: 10 }, 'must be a whole number of minor units'],
    [{ amount: 0 }, { max: 10 }, 'must be at least 1'],
    [{ amount: 11 }, { max: 10 }, 'must not exceed 10'],
  ])('amount %j within %j: %s', (data, bounds, detail) => {
    expect(amountProblems(data, 'amount', bounds)).toEqual([{ pointer: '/data/amount', detail }]);
  });
  it('accepts an amount in bounds', () => {
    expect(amountProblems({ amount: 10 }, 'amount', { max: 10 })).toEqual([]);
  });
});
