// Aging buckets: pure rules shared by the aging report, statements and KPIs.
// An item's age in days is the as-of date minus its basis date (due date, issue date, or for customer credits the
// posting date). Zero or fewer days is `current` (not yet due on the due basis); then one bucket per range of the
// bounds (1-30, 31-60, 61-90 for bounds 30,60,90); everything older falls in the open-ended last bucket. Every item
// falls in exactly one bucket (future-dated items are current), so the buckets always sum to the total.
import { isIsoDate } from '../../shared/journal.js';
import type { FieldProblem } from '../../shared/field-problem.js';
import { addDays, daysBetween } from '../../shared/calendar-date.js';

export type AgingBasis = 'due' | 'issue';

export const DEFAULT_AGING_BOUNDS: readonly number[] = [30, 60, 90];
export const MAX_AGING_BUCKETS = 12;

export interface AgingBucket {
  key: string;
  label: string;
  /** Smallest age in days that falls in the bucket (null: no lower limit, the current bucket). */
  fromDays: number | null;
  /** Largest age in days (null: open-ended). */
  toDays: number | null;
}

/** Parses `30,60,90`: strictly increasing positive whole days, at most MAX_AGING_BUCKETS - 2 bounds. */
export function parseAgingBounds(
  raw: string | undefined,
  pointer = '/buckets',
): { bounds: number[] } | { problem: FieldProblem } {
  if (raw === undefined || raw.trim() === '') return { bounds: [...DEFAULT_AGING_BOUNDS] };
  const parts = raw.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^\d{1,4}$/.test(p)))
    return { problem: { pointer, detail: 'must be a comma-separated list of whole days, e.g. 30,60,90' } };
  const bounds = parts.map(Number);
  if (bounds[0]! < 1) return { problem: { pointer, detail: 'the first bound must be at least 1 day' } };
  for (let i = 1; i < bounds.length; i++) {
    if (bounds[i]! <= bounds[i - 1]!) return { problem: { pointer, detail: 'bounds must be strictly increasing' } };
  }
  if (bounds.length > MAX_AGING_BUCKETS - 2)
    return { problem: { pointer, detail: `at most ${MAX_AGING_BUCKETS - 2} bounds` } };
  return { bounds };
}

/** The buckets of the bounds: current, one per range, and the open-ended last one. */
export function agingBuckets(bounds: readonly number[]): AgingBucket[] {
  const buckets: AgingBucket[] = [{ key: 'current', label: 'Current', fromDays: null, toDays: 0 }];
  let from = 1;
  for (const to of bounds) {
    buckets.push({ key: `${from}-${to}`, label: `${from}-${to} days`, fromDays: from, toDays: to });
    from = to + 1;
  }
  buckets.push({ key: `${from}+`, label: `${from}+ days`, fromDays: from, toDays: null });
  return buckets;
}

/** Index of the bucket for an age in days (negative ages, i.e. not yet due, are current). */
export function bucketIndex(ageDays: number, bounds: readonly number[]): number {
  if (ageDays <= 0) return 0;
  for (let i = 0; i < bounds.length; i++) if (ageDays <= bounds[i]!) return i + 1;
  return bounds.length + 1;
}

export interface AgingItem {
  /** Minor units; positive is owed to us (an invoice), negative is owed to the customer (a credit). */
  amount: number;
  /** The date the age is counted from (due or issue date; posting date for credits). */
  basisDate: string;
}

/** Sums items into the buckets of `bounds` as of a date; the result has bounds.length + 2 entries summing to the total. */
export function ageItems(items: readonly AgingItem[], asOf: string, bounds: readonly number[]): number[] {
  const sums = new Array<number>(bounds.length + 2).fill(0);
  for (const item of items) sums[bucketIndex(daysBetween(item.basisDate, asOf), bounds)]! += item.amount;
  return sums;
}

/** The SQL CASE expression (as text) that maps an age in days to a bucket index; bounds are validated integers. */
export function bucketCaseSql(ageExpression: string, bounds: readonly number[]): string {
  if (!bounds.every((b) => Number.isSafeInteger(b) && b > 0))
    throw new RangeError('aging bounds must be positive integers');
  const whens = [
    `WHEN ${ageExpression} <= 0 THEN 0`,
    ...bounds.map((b, i) => `WHEN ${ageExpression} <= ${b} THEN ${i + 1}`),
  ];
  return `CASE ${whens.join(' ')} ELSE ${bounds.length + 1} END`;
}

/**
 * The earliest basis date of each bucket but the last, as of a date: an item is in bucket i when its basis date is on
 * or after `starts[i]` and before `starts[i - 1]` (current: on or after the as-of date; the last bucket: before the
 * last start). The same buckets as bucketIndex, decided by comparing stored dates with constants, so a report
 * compares each row's date instead of computing its age per bucket.
 */
export function bucketStartDates(asOf: string, bounds: readonly number[]): string[] {
  if (!bounds.every((b) => Number.isSafeInteger(b) && b > 0))
    throw new RangeError('aging bounds must be positive integers');
  return [asOf, ...bounds.map((b) => addDays(asOf, -b))];
}

export { isIsoDate };
