import {
  afterReviewStarted,
  NO_CREDIT_WATCH,
  periodicReviewAt,
  planCreditReview,
  withBaseline,
  withCreditDecision,
  type AccountCreditWatch,
} from '../../src/credit/rules/account-credit.js';
import { DEFAULT_CREDIT_POLICY as policy } from '../../src/credit/rules/credit-policy.js';
import { NO_FACTS, type AccountFacts } from '../../src/collections/rules/delinquency.js';

const decided: AccountCreditWatch = {
  ...NO_CREDIT_WATCH,
  lastReviewId: 'r-1',
  riskClass: 'low',
  nextReviewDate: '2027-03-01',
  baseline: { daysBeyondTerms: 0, brokenPromises: 0 },
};
const facts = (f: Partial<AccountFacts> = {}): AccountFacts => ({ ...NO_FACTS, ...f });
const plan = (watch: AccountCreditWatch, f: Partial<AccountFacts>, today: string, signals: string[] = []) =>
  planCreditReview(watch, { facts: facts(f), today, now: new Date(`${today}T12:00:00Z`), signals }, policy);

describe('account credit watch', () => {
  it('takes a decision in: next review date, risk class, and the decided review is no longer in flight', () => {
    const inFlight = { ...decided, reviewInFlight: 'r-2' };
    expect(
      withCreditDecision(inFlight, { reviewId: 'r-2', nextReviewDate: '2027-06-01', riskClass: 'medium' }),
    ).toMatchObject({ lastReviewId: 'r-2', nextReviewDate: '2027-06-01', riskClass: 'medium', reviewInFlight: null });
    expect(withCreditDecision(inFlight, { reviewId: 'r-1', nextReviewDate: '2027-03-01', riskClass: 'low' })).toBe(
      inFlight,
    );
    expect(withCreditDecision(decided, null)).toBe(decided);
  });

  it('wakes for the periodic review at the start of its day, not while a review runs or once started for that date', () => {
    expect(periodicReviewAt(decided)?.toISOString()).toBe('2027-03-01T00:00:00.000Z');
    expect(periodicReviewAt(NO_CREDIT_WATCH)).toBeNull();
    expect(periodicReviewAt({ ...decided, reviewInFlight: 'r-2' })).toBeNull();
    expect(periodicReviewAt({ ...decided, periodicStartedFor: '2027-03-01' })).toBeNull();
  });

  it.each<[string, AccountCreditWatch, Partial<AccountFacts>, string, string[], unknown]>([
    ['nothing due, nothing worse', decided, {}, '2027-02-28', [], null],
    ['the review date came', decided, {}, '2027-03-01', [], { trigger: 'periodic', reasons: ['periodic'] }],
    [
      'days beyond terms rose 20 days',
      decided,
      { oldestOpenDueDate: '2027-01-01' },
      '2027-01-21',
      [],
      { trigger: 'early', reasons: ['days_beyond_terms_rising'] },
    ],
    ['days beyond terms rose 10 days', decided, { oldestOpenDueDate: '2027-01-01' }, '2027-01-11', [], null],
    [
      'a promise broke (count)',
      decided,
      { brokenPromises: 1 },
      '2027-01-11',
      [],
      { trigger: 'early', reasons: ['promise_broken'] },
    ],
    [
      'a promise broke (signal)',
      decided,
      {},
      '2027-01-11',
      ['promise_broken'],
      { trigger: 'early', reasons: ['promise_broken'] },
    ],
    [
      'due and deteriorated: periodic with the reasons',
      decided,
      { brokenPromises: 1 },
      '2027-03-02',
      [],
      { trigger: 'periodic', reasons: ['periodic', 'promise_broken'] },
    ],
    [
      'a review is running',
      { ...decided, reviewInFlight: 'r-2' },
      { brokenPromises: 3 },
      '2027-03-02',
      ['promise_broken'],
      null,
    ],
    [
      "no baseline yet: today's level is not a rise",
      { ...decided, baseline: null },
      { oldestOpenDueDate: '2026-01-01' },
      '2027-01-11',
      [],
      null,
    ],
    [
      'never reviewed: not under credit management',
      { ...NO_CREDIT_WATCH },
      { brokenPromises: 2 },
      '2027-01-11',
      ['promise_broken'],
      null,
    ],
    [
      'days beyond terms rose again within 30 days of the last start',
      { ...decided, lastStartedAt: '2027-01-01T00:00:00Z' },
      { oldestOpenDueDate: '2026-12-01' },
      '2027-01-20',
      [],
      null,
    ],
    [
      'a broken promise counts within those 30 days',
      { ...decided, lastStartedAt: '2027-01-01T00:00:00Z' },
      {},
      '2027-01-20',
      ['promise_broken'],
      { trigger: 'early', reasons: ['promise_broken'] },
    ],
  ])('%s', (_label, watch, f, today, signals, expected) => {
    expect(plan(watch, f, today, signals)).toEqual(expected);
  });

  it('moves the baseline and marks the review in flight once started', () => {
    const started = afterReviewStarted(decided, {
      workflowId: 'r-2',
      plan: { trigger: 'periodic', reasons: ['periodic'] },
      facts: facts({ brokenPromises: 2, oldestOpenDueDate: '2027-02-01' }),
      today: '2027-03-01',
      now: new Date('2027-03-01T06:00:00Z'),
    });
    expect(started).toMatchObject({
      lastStartedAt: '2027-03-01T06:00:00.000Z',
      reviewInFlight: 'r-2',
      periodicStartedFor: '2027-03-01',
      baseline: { daysBeyondTerms: 28, brokenPromises: 2 },
      reviewsStarted: 1,
    });
    expect(
      plan(
        withCreditDecision(started, { reviewId: 'r-2', nextReviewDate: '2028-03-01', riskClass: 'low' }),
        { brokenPromises: 2, oldestOpenDueDate: '2027-02-01' },
        '2027-03-02',
      ),
    ).toBeNull();
    expect(withBaseline(NO_CREDIT_WATCH, facts({ brokenPromises: 1 }), '2027-01-01').baseline).toEqual({
      daysBeyondTerms: 0,
      brokenPromises: 1,
    });
  });
});
