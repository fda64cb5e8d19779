// Where a dunning ladder's steps count from. Production ladders (steps of days) count from the due date, the one age
// an invoice has everywhere. A staging ladder whose every step is shorter than a day would, on that clock, put any
// invoice a day overdue straight at its highest level; such a ladder counts from the moment each invoice was handed
// to collections instead, so its steps show one by one. The age shown (worklist, letters, aging) stays the due date's.
import { durationMs } from '../../shared/duration.js';
import type { DunningPolicy } from './dunning-policy.js';

const DAY_MS = 86_400_000;

/** Every time trigger of the ladder is shorter than a day (and there is at least one). */
export function isSubDayLadder(policy: Pick<DunningPolicy, 'levels'>): boolean {
  const steps = policy.levels.map((l) => l.trigger.pastDueFor).filter((d): d is string => d !== null);
  return steps.length > 0 && steps.every((d) => durationMs(d) < DAY_MS);
}

interface LadderInvoice {
  overdueAt: string;
  /** When the invoice was handed to collections (`invoice.overdue_at`); absent in facts read before it was carried. */
  handedOverAt?: string | null;
}

/**
 * The facts a sub-day ladder decides on: each invoice counted from its hand-over to collections (its due-date age
 * when no hand-over is recorded), and the oldest of those.
 */
export function countFromHandOver<I extends LadderInvoice, F extends { overdue: I[]; oldestOverdueAt: string | null }>(
  facts: F,
): F {
  const overdue = facts.overdue.map((i) => (i.handedOverAt ? { ...i, overdueAt: i.handedOverAt } : i));
  const oldest = overdue.reduce<string | null>(
    (min, i) => (min === null || Date.parse(i.overdueAt) < Date.parse(min) ? i.overdueAt : min),
    null,
  );
  return { ...facts, overdue, oldestOverdueAt: oldest };
}
