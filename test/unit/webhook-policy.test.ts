import {
  attemptSchedule,
  DEFAULT_WEBHOOK_POLICY,
  eventTypeMatches,
  nextAttemptAt,
  retryDelayMs,
  webhookPolicyProblems,
  type WebhookPolicy,
} from '../../src/webhooks/rules/webhook-policy.js';

const policy = (overrides: Partial<WebhookPolicy> = {}): WebhookPolicy => ({ ...DEFAULT_WEBHOOK_POLICY, ...overrides });
const t0 = new Date('2026-01-01T00:00:00Z');
const hours = (d: Date) => (d.getTime() - t0.getTime()) / 3_600_000;

describe('webhook retry schedule', () => {
  test.each([
    [1, 60_000],
    [2, 120_000],
    [3, 240_000],
    [10, 512 * 60_000],
    [11, 12 * 3_600_000], // capped at maxRetryInterval
    [30, 12 * 3_600_000],
  ])('after %i failed attempts the wait is %i ms', (failed, expected) => {
    expect(retryDelayMs(policy(), failed)).toBe(expected);
  });

  test('the default schedule spreads attempts over three days and stops there', () => {
    const times = attemptSchedule(policy(), t0);
    expect(hours(times.at(-1)!)).toBeLessThanOrEqual(72);
    expect(hours(times.at(-1)!)).toBeGreaterThan(60);
    // 1, 2, 4 ... 512 minutes, then 12-hour waits until three days are used up.
    expect(times.length).toBe(15);
    for (let i = 1; i < times.length; i++) expect(times[i]!.getTime()).toBeGreaterThan(times[i - 1]!.getTime());
  });

  test('a staging policy in seconds', () => {
    const fast = policy({ firstRetryAfter: 'PT1S', maxRetryInterval: 'PT4S', retryFor: 'PT10S' });
    const seconds = attemptSchedule(fast, t0).map((d) => (d.getTime() - t0.getTime()) / 1000);
    expect(seconds).toEqual([0, 1, 3, 7]);
  });

  test('dead after the last attempt: no next time beyond retryFor', () => {
    const fast = policy({ firstRetryAfter: 'PT1S', retryFor: 'PT2S' });
    expect(nextAttemptAt(fast, { failedAttempts: 1, firstAttemptAt: t0, lastAttemptAt: t0 })).toEqual(
      new Date(t0.getTime() + 1000),
    );
    expect(
      nextAttemptAt(fast, { failedAttempts: 2, firstAttemptAt: t0, lastAttemptAt: new Date(t0.getTime() + 1000) }),
    ).toBeNull();
  });

  test('a manual retry long after the window gets exactly one attempt', () => {
    const late = new Date(t0.getTime() + 5 * 86_400_000);
    expect(nextAttemptAt(policy(), { failedAttempts: 16, firstAttemptAt: t0, lastAttemptAt: late })).toBeNull();
  });
});

describe('webhook policy validation', () => {
  test.each([
    [{}, []],
    [{ retryFor: '3 days' }, ['retryFor must be an ISO-8601 duration, got "3 days"']],
    [{ backoffCoefficient: 0.5 }, ['backoffCoefficient must be between 1 and 10']],
    [{ maxParallel: 0 }, ['maxParallel must be a whole number from 1 to 100']],
  ])('%j -> %j', (overrides, expected) => {
    expect(webhookPolicyProblems(policy(overrides as Partial<WebhookPolicy>))).toEqual(expected);
  });
});

describe('event type patterns', () => {
  test.each([
    [['*'], 'invoice.paid', true],
    [['invoice.*'], 'invoice.paid', true],
    [['invoice.*'], 'invoices.paid', false],
    [['invoice.paid'], 'invoice.paid', true],
    [['invoice.paid'], 'invoice.sent', false],
    [['customer.*', 'payment.applied'], 'payment.applied', true],
    [[], 'payment.applied', false],
  ])('%j matches %s: %s', (patterns, type, expected) => {
    expect(eventTypeMatches(patterns, type)).toBe(expected);
  });
});
