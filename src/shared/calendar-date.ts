// Calendar dates as `YYYY-MM-DD` strings in UTC: today's date, moving a date by whole days and counting the days
// between two dates. Pure; shared by the terms, aging, reports and the API.

const DAY_MS = 86_400_000;

/** The UTC calendar date of `now` (default: the current instant). */
export const today = (now: Date = new Date()): string => now.toISOString().slice(0, 10);

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The date `days` calendar days after `date` (before it when negative). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
