// A business-day calendar and a clock that only runs on business days. SLAs such as "resolve within 10 business
// days" are business-time durations: P10D means ten business days of 24 hours each, PT30S thirty seconds of business
// time (a staging policy). Time on weekends and holidays does not count, so an SLA started on a Friday afternoon ends
// on the Friday afternoon two weeks later, one day later again if a holiday falls in between. Days are UTC days.
import { parseDuration, type Duration } from './duration.js';
import type { FieldProblem } from './field-problem.js';

export interface BusinessCalendar {
  /** Days of the week that are not business days, 0 = Sunday ... 6 = Saturday. */
  weekendDays: readonly number[];
  /** Non-business dates, YYYY-MM-DD. */
  holidays: readonly string[];
}

export const DEFAULT_CALENDAR: BusinessCalendar = { weekendDays: [0, 6], holidays: [] };

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Every problem with a calendar as (pointer, detail); empty when valid. */
export function calendarProblems(calendar: BusinessCalendar): FieldProblem[] {
  const problems: FieldProblem[] = [];
  calendar.weekendDays.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > 6)
      problems.push({
        pointer: `/weekendDays/${i}`,
        detail: 'must be a day of the week from 0 (Sunday) to 6 (Saturday)',
      });
  });
  if (new Set(calendar.weekendDays).size >= 7)
    problems.push({ pointer: '/weekendDays', detail: 'at least one day of the week must be a business day' });
  calendar.holidays.forEach((h, i) => {
    if (
      !ISO_DATE.test(h) ||
      Number.isNaN(Date.parse(`${h}T00:00:00Z`)) ||
      new Date(`${h}T00:00:00Z`).toISOString().slice(0, 10) !== h
    ) {
      problems.push({ pointer: `/holidays/${i}`, detail: 'must be a calendar date YYYY-MM-DD' });
    }
  });
  return problems;
}

const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

export function isBusinessDay(date: string | Date, calendar: BusinessCalendar): boolean {
  const day = typeof date === 'string' ? new Date(`${date}T00:00:00Z`) : date;
  if (calendar.weekendDays.includes(day.getUTCDay())) return false;
  return !calendar.holidays.includes(day.toISOString().slice(0, 10));
}

/** Milliseconds of business time that a business-time duration stands for (P1D = one business day of 24 hours). */
export function businessDurationMs(duration: string | Duration): number {
  const d = typeof duration === 'string' ? parseDuration(duration) : duration;
  if (d.years || d.months)
    throw new RangeError('business-time durations count days, hours, minutes and seconds, not months or years');
  return (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60_000 + Math.round(d.seconds * 1000);
}

/** The instant at which `businessMs` of business time has passed after `from` (non-business days are skipped). */
export function addBusinessTime(from: Date, businessMs: number, calendar: BusinessCalendar): Date {
  if (!Number.isFinite(businessMs) || businessMs < 0)
    throw new RangeError(`business time must be a non-negative number of ms, got ${businessMs}`);
  let at = from.getTime();
  let left = businessMs;
  // A calendar with no business day at all would loop for ever; calendarProblems refuses it, this guards the loop.
  for (let guard = 0; guard < 100_000; guard++) {
    const dayStart = startOfDay(at);
    if (!isBusinessDay(new Date(dayStart), calendar)) {
      at = dayStart + DAY_MS;
      continue;
    }
    const inDay = dayStart + DAY_MS - at;
    if (left <= inDay) {
      // Exactly at the end of a business day: the deadline is that instant, not the next business morning.
      return new Date(at + left);
    }
    left -= inDay;
    at = dayStart + DAY_MS;
  }
  throw new RangeError('the calendar has no business days within 100,000 days');
}

/** The instant `duration` of business time after `from`: the SLA deadline of something started at `from`. */
export function addBusinessDuration(from: Date, duration: string, calendar: BusinessCalendar): Date {
  return addBusinessTime(from, businessDurationMs(duration), calendar);
}

/** Business time (ms) between two instants; 0 when `to` is not after `from`. */
export function businessTimeBetween(from: Date, to: Date, calendar: BusinessCalendar): number {
  let at = from.getTime();
  const end = to.getTime();
  let total = 0;
  while (at < end) {
    const dayEnd = startOfDay(at) + DAY_MS;
    const stop = Math.min(dayEnd, end);
    if (isBusinessDay(new Date(startOfDay(at)), calendar)) total += stop - at;
    at = stop;
  }
  return total;
}

/** Whole business days from one date to a later one (exclusive of `from`, inclusive of `to`). */
export function businessDaysBetween(from: string, to: string, calendar: BusinessCalendar): number {
  return Math.floor(businessTimeBetween(new Date(`${from}T00:00:00Z`), new Date(`${to}T00:00:00Z`), calendar) / DAY_MS);
}

/**
 * An SLA clock that can pause: `remainingMs` of business time is left; while running, it ends at
 * `addBusinessTime(runningSince, remainingMs)`. Pausing banks what is left; resuming starts from there.
 */
export interface SlaClock {
  remainingMs: number;
  /** Set while the clock runs (ISO instant); null while paused. */
  runningSince: string | null;
}

export function startSla(now: Date, duration: string): SlaClock {
  return { remainingMs: businessDurationMs(duration), runningSince: now.toISOString() };
}

export function slaDeadline(clock: SlaClock, calendar: BusinessCalendar): Date | null {
  return clock.runningSince === null
    ? null
    : addBusinessTime(new Date(clock.runningSince), clock.remainingMs, calendar);
}

export function pauseSla(clock: SlaClock, now: Date, calendar: BusinessCalendar): SlaClock {
  if (clock.runningSince === null) return clock;
  const used = businessTimeBetween(new Date(clock.runningSince), now, calendar);
  return { remainingMs: Math.max(0, clock.remainingMs - used), runningSince: null };
}

export function resumeSla(clock: SlaClock, now: Date): SlaClock {
  return clock.runningSince === null ? { ...clock, runningSince: now.toISOString() } : clock;
}
