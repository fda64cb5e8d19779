// ISO-8601 durations (PnYnMnWnDTnHnMnS) as policy data: a production policy says P30D, a staging one PT30S.
// Years and months are calendar units, so durations are added to a date rather than converted to a fixed length.

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const PATTERN =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

export class InvalidDurationError extends Error {
  constructor(readonly input: string) {
    super(`not an ISO-8601 duration: "${input}" (examples: P30D, P1M, PT12H, PT5S)`);
    this.name = 'InvalidDurationError';
  }
}

export function parseDuration(input: string): Duration {
  const match = PATTERN.exec(input);
  if (!match) throw new InvalidDurationError(input);
  const [, y, mo, w, d, h, mi, s] = match;
  return {
    years: Number(y ?? 0),
    months: Number(mo ?? 0),
    weeks: Number(w ?? 0),
    days: Number(d ?? 0),
    hours: Number(h ?? 0),
    minutes: Number(mi ?? 0),
    seconds: Number(s ?? 0),
  };
}

export function isDuration(input: string): boolean {
  return PATTERN.test(input);
}

/** Adds a duration to an instant in UTC; month ends clamp (Jan 31 + P1M = Feb 28/29). */
export function addDuration(from: Date, duration: Duration | string): Date {
  const d = typeof duration === 'string' ? parseDuration(duration) : duration;
  const result = new Date(from.getTime());
  if (d.years || d.months) {
    const day = result.getUTCDate();
    result.setUTCDate(1);
    result.setUTCMonth(result.getUTCMonth() + d.years * 12 + d.months);
    const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
    result.setUTCDate(Math.min(day, lastDay));
  }
  const fixedMs = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60_000 + Math.round(d.seconds * 1000);
  return new Date(result.getTime() + fixedMs);
}

/** Milliseconds from `from` until `from + duration` (calendar-aware). */
export function durationMs(duration: Duration | string, from: Date = new Date(0)): number {
  return addDuration(from, duration).getTime() - from.getTime();
}
