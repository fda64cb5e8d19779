// Pure rules of a collection: which level an account is at, when it escalates next, when the next contact is due
// (with the explicit catch-up rule: after an outage spanning several contact dates, one contact, the latest), and
// the promise-to-pay checks. The collection workflow and the API call these; no I/O here.
import { addDuration } from '../../shared/duration.js';
import type { DunningLevel, DunningPolicy } from './dunning-policy.js';
import type { FieldProblem } from '../../shared/field-problem.js';
import { today } from '../../shared/calendar-date.js';

/** What the level decision reads: the oldest overdue (not disputed) invoice and the overdue total. */
export interface OverdueFacts {
  /** When the oldest overdue, undisputed invoice became overdue (ISO instant); null when nothing is overdue. */
  oldestOverdueAt: string | null;
  overdueAmount: number;
}

function triggerHolds(level: DunningLevel, facts: OverdueFacts, now: Date): boolean {
  if (facts.oldestOverdueAt === null) return false;
  const { pastDueFor, overdueAbove, match } = level.trigger;
  const byTime =
    pastDueFor === null ? null : addDuration(new Date(facts.oldestOverdueAt), pastDueFor).getTime() <= now.getTime();
  const byAmount = overdueAbove === null ? null : facts.overdueAmount > overdueAbove;
  if (byTime === null) return byAmount === true;
  if (byAmount === null) return byTime;
  return match === 'all' ? byTime && byAmount : byTime || byAmount;
}

/**
 * The level the facts call for: the highest level whose trigger holds (-1: none yet). `floor` keeps an account at
 * least at a level it was pushed to (a broken promise escalates one level higher than the facts alone).
 */
export function selectLevel(policy: Pick<DunningPolicy, 'levels'>, facts: OverdueFacts, now: Date, floor = -1): number {
  if (facts.oldestOverdueAt === null) return -1;
  let level = -1;
  policy.levels.forEach((l, i) => {
    if (triggerHolds(l, facts, now)) level = i;
  });
  return Math.min(Math.max(level, floor), policy.levels.length - 1);
}

/**
 * When a higher level than `current` starts to hold by time alone, with the overdue amount as it is now; undefined
 * when none will (an amount-only trigger waits for new facts, which arrive as signals).
 */
export function nextEscalationAt(
  policy: Pick<DunningPolicy, 'levels'>,
  facts: OverdueFacts,
  current: number,
  now: Date,
): Date | undefined {
  if (facts.oldestOverdueAt === null) return undefined;
  for (let i = current + 1; i < policy.levels.length; i++) {
    const { pastDueFor, overdueAbove, match } = policy.levels[i]!.trigger;
    if (pastDueFor === null) continue;
    if (match === 'all' && overdueAbove !== null && !(facts.overdueAmount > overdueAbove)) continue;
    const at = addDuration(new Date(facts.oldestOverdueAt), pastDueFor);
    if (at.getTime() > now.getTime()) return at;
  }
  return undefined;
}

export interface ContactDecision {
  /** A contact is due now. */
  due: boolean;
  /** The contact slot it stands for (the latest one passed when several were missed), or the next slot when not due. */
  slot: Date;
  /** Contact dates passed over without a contact (catch-up sends one, the latest, never a burst). */
  skipped: number;
}

/** Slots missed in one step at most; beyond this the rest is counted in one jump (fixed-length durations only). */
const MAX_SLOT_WALK = 10_000;

/**
 * Whether a contact is due at `now` at a level contacted every `every`, given the slot of the last contact at this
 * level (null: none yet, so one is due on entering). Slots are anchored on the last slot, not on when the worker ran,
 * so a late contact does not shift the cadence.
 */
export function contactDue(lastSlot: string | null, every: string, now: Date): ContactDecision {
  if (lastSlot === null) return { due: true, slot: now, skipped: 0 };
  let slot = addDuration(new Date(lastSlot), every);
  if (slot.getTime() > now.getTime()) return { due: false, slot, skipped: 0 };
  let skipped = 0;
  for (let n = 0; n < MAX_SLOT_WALK; n++) {
    const following = addDuration(slot, every);
    if (following.getTime() > now.getTime()) return { due: true, slot, skipped };
    slot = following;
    skipped++;
  }
  return { due: true, slot, skipped };
}

/** The end of a promised date (UTC) plus the grace period: when an unkept promise counts as broken. */
export function promiseDeadline(promisedDate: string, grace: string): Date {
  return addDuration(addDuration(new Date(`${promisedDate}T00:00:00.000Z`), 'P1D'), grace);
}

/** What a recorded promise to pay says, wherever it travels (update result, stored row, facts of open promises). */
export interface PromiseTerms {
  amount: number;
  currency: string;
  promisedDate: string;
  invoiceIds: string[];
  /** What the covered invoices owed when the promise was made; kept once they came down by `amount`. */
  baselineAmount: number;
  /** End of the promised day plus the policy's grace: unpaid by then, the promise is broken. */
  deadlineAt: string;
}

export interface PromiseRequest {
  amount: number;
  date: string;
  invoiceIds?: string[];
}

export interface PromiseContext {
  now: Date;
  policy: Pick<DunningPolicy, 'promise'>;
  /** Overdue invoices the promise may cover, with their open amounts. */
  overdue: { invoiceId: string; openAmount: number }[];
  openPromises: number;
}

/** Everything wrong with a promise to pay (JSON pointers of the request body); empty when it can be recorded. */
export function promiseProblems(request: PromiseRequest, ctx: PromiseContext): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const asOfDate = today(ctx.now);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(request.date) || Number.isNaN(Date.parse(`${request.date}T00:00:00Z`))) {
    problems.push({ pointer: '/date', detail: 'must be a date (YYYY-MM-DD)' });
  } else if (request.date <= asOfDate) {
    problems.push({ pointer: '/date', detail: `must be in the future (after ${asOfDate})` });
  } else {
    const latest = addDuration(new Date(`${asOfDate}T00:00:00Z`), ctx.policy.promise.maxAhead)
      .toISOString()
      .slice(0, 10);
    if (request.date > latest)
      problems.push({
        pointer: '/date',
        detail: `is beyond the policy maximum of ${ctx.policy.promise.maxAhead} (latest ${latest})`,
      });
  }
  const known = new Map(ctx.overdue.map((i) => [i.invoiceId, i.openAmount]));
  request.invoiceIds?.forEach((id, i) => {
    if (!known.has(id))
      problems.push({
        pointer: `/invoiceIds/${i}`,
        detail: `invoice ${id} is not an overdue invoice of this customer`,
      });
  });
  const covered = request.invoiceIds?.length
    ? request.invoiceIds.reduce((a, id) => a + (known.get(id) ?? 0), 0)
    : [...known.values()].reduce((a, v) => a + v, 0);
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0)
    problems.push({ pointer: '/amount', detail: 'must be a positive integer of minor units' });
  else if (covered === 0) problems.push({ pointer: '/amount', detail: 'nothing is overdue to promise against' });
  else if (request.amount > covered)
    problems.push({ pointer: '/amount', detail: `is above the overdue total ${covered}` });
  if (ctx.openPromises >= ctx.policy.promise.maxOpen)
    problems.push({
      pointer: '',
      detail: `the customer already has ${ctx.openPromises} open promise(s); the policy allows ${ctx.policy.promise.maxOpen}`,
    });
  return problems;
}

/** A promise is kept once what it covers has come down by the promised amount since it was made. */
export function promiseKept(promise: { amount: number; baselineAmount: number }, coveredOpenNow: number): boolean {
  return coveredOpenNow <= promise.baselineAmount - promise.amount;
}

/**
 * The invoices a level's late fee applies to: each one that is itself past due for the level's `pastDueFor` (an
 * invoice overdue for four days owes no demand fee because an older one put the account at demand). With an
 * amount-only trigger, every overdue invoice.
 */
export function invoicesDueForFee<T extends { overdueAt: string }>(
  level: Pick<DunningLevel, 'trigger'>,
  invoices: readonly T[],
  now: Date,
): T[] {
  const { pastDueFor } = level.trigger;
  if (pastDueFor === null) return [...invoices];
  return invoices.filter((i) => addDuration(new Date(i.overdueAt), pastDueFor).getTime() <= now.getTime());
}
