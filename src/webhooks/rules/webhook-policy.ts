// Policy data of webhook delivery (ISO-8601 durations, so a staging policy can compress three days into seconds) and
// the pure rules that decide when the next attempt happens, when a delivery is dead-lettered, and which events a
// subscription wants. Recorded in each dispatcher workflow's input, so its history shows which policy decided.
import { addDuration, durationMs, isDuration } from '../../shared/duration.js';

export interface WebhookPolicy {
  /** How often the dispatcher looks for new events in the outbox when nothing wakes it earlier. */
  pollEvery: string;
  /** Wait after the first failed attempt; each later wait is the previous one times `backoffCoefficient`. */
  firstRetryAfter: string;
  backoffCoefficient: number;
  /** Upper bound of one wait. */
  maxRetryInterval: string;
  /** Attempts stop (the delivery is dead-lettered) when the next one would fall later than this after the first. */
  retryFor: string;
  /** One HTTP attempt gives up after this long. */
  requestTimeout: string;
  /** Deliveries of one subscription in flight at once (different entities; one entity is always one at a time). */
  maxParallel: number;
  version: string;
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = {
  pollEvery: 'PT2S',
  firstRetryAfter: 'PT1M',
  backoffCoefficient: 2,
  maxRetryInterval: 'PT12H',
  retryFor: 'P3D',
  requestTimeout: 'PT10S',
  maxParallel: 8,
  version: 'default-1',
};

export function webhookPolicyProblems(policy: WebhookPolicy): string[] {
  const problems: string[] = [];
  for (const key of ['pollEvery', 'firstRetryAfter', 'maxRetryInterval', 'retryFor', 'requestTimeout'] as const) {
    if (!isDuration(policy[key])) problems.push(`${key} must be an ISO-8601 duration, got "${policy[key]}"`);
  }
  if (!(policy.backoffCoefficient >= 1 && policy.backoffCoefficient <= 10))
    problems.push('backoffCoefficient must be between 1 and 10');
  if (!Number.isInteger(policy.maxParallel) || policy.maxParallel < 1 || policy.maxParallel > 100)
    problems.push('maxParallel must be a whole number from 1 to 100');
  return problems;
}

/** The wait after the `failedAttempts`-th failure (1-based): first * coefficient^(n-1), capped. */
export function retryDelayMs(policy: WebhookPolicy, failedAttempts: number): number {
  const first = durationMs(policy.firstRetryAfter);
  const cap = durationMs(policy.maxRetryInterval);
  return Math.min(cap, Math.round(first * policy.backoffCoefficient ** Math.max(0, failedAttempts - 1)));
}

/**
 * When to try again after a failed attempt, or null when the delivery is dead: the next attempt would land later
 * than `retryFor` after the first attempt.
 */
export function nextAttemptAt(
  policy: WebhookPolicy,
  input: { failedAttempts: number; firstAttemptAt: Date; lastAttemptAt: Date },
): Date | null {
  const next = new Date(input.lastAttemptAt.getTime() + retryDelayMs(policy, input.failedAttempts));
  const deadline = addDuration(input.firstAttemptAt, policy.retryFor);
  return next.getTime() > deadline.getTime() ? null : next;
}

/** The attempt times a delivery that always fails gets, from its first attempt (for docs and tests). */
export function attemptSchedule(policy: WebhookPolicy, firstAttemptAt: Date): Date[] {
  const times = [firstAttemptAt];
  for (let n = 1; n < 1000; n++) {
    const next = nextAttemptAt(policy, { failedAttempts: n, firstAttemptAt, lastAttemptAt: times.at(-1)! });
    if (!next) break;
    times.push(next);
  }
  return times;
}

/** `*` matches everything, `invoice.*` every invoice event, anything else exactly one type. */
export function eventTypeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/** The ordering lane of an event: deliveries of one subscription and entity go out one at a time, in event order. */
export function laneOf(event: { entityType: string; entityId: string }): string {
  return `${event.entityType}:${event.entityId}`;
}
