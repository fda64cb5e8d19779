// Which statement period a customer is due, from the statement frequency of its profile. The statement run asks on
// any day for the last *completed* period of each frequency, and sends it unless it was sent: a run missed during an
// outage is caught up by the next one, and running twice on the same day sends nothing twice.

export type StatementFrequency = 'none' | 'weekly' | 'monthly' | 'quarterly';

export const STATEMENT_FREQUENCIES: readonly StatementFrequency[] = ['none', 'weekly', 'monthly', 'quarterly'];

/** Customers whose profile says nothing get monthly statements (the common practice for current accounts). */
export const DEFAULT_STATEMENT_FREQUENCY: StatementFrequency = 'monthly';

export interface StatementPeriod {
  from: string;
  to: string;
}

const iso = (date: Date) => date.toISOString().slice(0, 10);

/** The last period of the frequency that ended before `asOf` (YYYY-MM-DD); null for `none`. Weeks run Monday to Sunday. */
export function lastCompletedPeriod(frequency: StatementFrequency, asOf: string): StatementPeriod | null {
  const day = new Date(`${asOf}T00:00:00Z`);
  const y = day.getUTCFullYear();
  const m = day.getUTCMonth();
  switch (frequency) {
    case 'none':
      return null;
    case 'weekly': {
      const sinceMonday = (day.getUTCDay() + 6) % 7;
      const thisMonday = Date.UTC(y, m, day.getUTCDate() - sinceMonday);
      return { from: iso(new Date(thisMonday - 7 * 86_400_000)), to: iso(new Date(thisMonday - 86_400_000)) };
    }
    case 'monthly':
      return { from: iso(new Date(Date.UTC(y, m - 1, 1))), to: iso(new Date(Date.UTC(y, m, 0))) };
    case 'quarterly': {
      const quarterStart = m - (m % 3);
      return { from: iso(new Date(Date.UTC(y, quarterStart - 3, 1))), to: iso(new Date(Date.UTC(y, quarterStart, 0))) };
    }
  }
}

export function isStatementFrequency(value: unknown): value is StatementFrequency {
  return typeof value === 'string' && (STATEMENT_FREQUENCIES as readonly string[]).includes(value);
}

/** The idempotency key of one customer's statement for one period: the document ref and the e-mail key. */
export function statementKey(customerId: string, period: StatementPeriod): string {
  return `statement:${customerId}:${period.from}:${period.to}`;
}
