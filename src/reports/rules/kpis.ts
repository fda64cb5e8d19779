// Receivables KPIs as pure functions of ledger figures. Amounts are integer minor units of one currency; the
// results are ratios (days, percent, times), not money, so they are plain numbers rounded for display only.
// Each figure carries its method and period: two tools that disagree on DSO usually use different methods.

export type KpiUnit = 'days' | 'percent' | 'times' | 'ratio' | 'count';

export interface KpiFigure {
  /** null when the figure is undefined for the data (e.g. no credit sales in the period). */
  value: number | null;
  unit: KpiUnit;
  method: string;
  period: { from: string; to: string; days: number };
  currency: string;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Simple DSO = ending total AR / credit sales x days in the period. */
export function simpleDso(input: { endingAr: number; creditSales: number; days: number }): number | null {
  if (input.creditSales <= 0) return null;
  return (input.endingAr / input.creditSales) * input.days;
}

export interface MonthSales {
  /** Credit sales of the month (minor units). */
  sales: number;
  /** Days in that month. */
  days: number;
}

/**
 * Count-back DSO: from the period-end AR, walk back month by month (newest first), subtracting each month's credit
 * sales and adding its days while the AR left is larger than the month's sales; the month that absorbs the rest adds
 * its fraction (rest / sales x days). `exhausted` says the AR was older than every month given (the figure is then
 * a lower bound: all the months' days).
 */
export function countBackDso(input: { endingAr: number; months: readonly MonthSales[] }): {
  days: number;
  exhausted: boolean;
} {
  let remaining = input.endingAr;
  let days = 0;
  if (remaining <= 0) return { days: 0, exhausted: false };
  for (const month of input.months) {
    if (remaining > month.sales) {
      remaining -= month.sales;
      days += month.days;
      continue;
    }
    return { days: days + (remaining / month.sales) * month.days, exhausted: false };
  }
  return { days, exhausted: true };
}

/** Best possible DSO = current (not yet due) AR / credit sales x days. */
export function bestPossibleDso(input: { currentAr: number; creditSales: number; days: number }): number | null {
  if (input.creditSales <= 0) return null;
  return (input.currentAr / input.creditSales) * input.days;
}

/** Average days delinquent = DSO - best possible DSO (both by the same method over the same period). */
export function averageDaysDelinquent(dso: number | null, bestPossible: number | null): number | null {
  return dso === null || bestPossible === null ? null : dso - bestPossible;
}

/**
 * Collection effectiveness index for one month:
 * (beginning AR + credit sales - ending total AR) / (beginning AR + credit sales - ending current AR) x 100.
 * `months` > 1 gives the multi-month variant that divides credit sales by the number of months (sources disagree on
 * the multi-month formula; this one is labelled as such wherever it is shown).
 */
export function collectionEffectivenessIndex(input: {
  beginningAr: number;
  creditSales: number;
  endingTotalAr: number;
  endingCurrentAr: number;
  months?: number;
}): number | null {
  const sales = input.creditSales / (input.months ?? 1);
  const collectible = input.beginningAr + sales - input.endingCurrentAr;
  if (collectible <= 0) return null;
  return ((input.beginningAr + sales - input.endingTotalAr) / collectible) * 100;
}

/** AR turnover = net credit sales / average AR ((beginning + ending) / 2). */
export function arTurnover(input: { netCreditSales: number; beginningAr: number; endingAr: number }): number | null {
  const average = (input.beginningAr + input.endingAr) / 2;
  if (average <= 0) return null;
  return input.netCreditSales / average;
}

/** Average collection period = days in the period / AR turnover. */
export function averageCollectionPeriod(days: number, turnover: number | null): number | null {
  if (turnover === null || turnover <= 0) return null;
  return days / turnover;
}

/** Bad-debt ratio = write-offs / net credit sales, as a percentage. */
export function badDebtRatio(input: { writeOffs: number; netCreditSales: number }): number | null {
  if (input.netCreditSales <= 0) return null;
  return (input.writeOffs / input.netCreditSales) * 100;
}

/** Share of AR more than 90 days past due, as a percentage of total AR. */
export function shareOver90(input: { over90: number; totalAr: number }): number | null {
  if (input.totalAr <= 0) return null;
  return (input.over90 / input.totalAr) * 100;
}

/** Calendar days from `from` to `to` inclusive (YYYY-MM-DD). */
export function periodDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The calendar months ending with the month of `to`, newest first (for count-back), as [from, to, days]. */
export function monthsBack(to: string, count: number): { from: string; to: string; days: number }[] {
  const end = new Date(`${to}T00:00:00Z`);
  const months: { from: string; to: string; days: number }[] = [];
  for (let i = 0; i < count; i++) {
    const first = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - i, 1));
    const last = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - i + 1, 0));
    const monthTo = i === 0 ? to : last.toISOString().slice(0, 10);
    const monthFrom = first.toISOString().slice(0, 10);
    months.push({ from: monthFrom, to: monthTo, days: periodDays(monthFrom, monthTo) });
  }
  return months;
}

/** Calendar months a period touches (2026-01-15..2026-03-10 touches 3). */
export function monthsSpanned(from: string, to: string): number {
  const index = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7));
  return Math.max(1, index(to) - index(from) + 1);
}

/** The previous calendar month of a date, e.g. 2026-03-01 -> 2026-02-01..2026-02-28. */
export function previousMonth(date: string): { from: string; to: string } {
  const d = new Date(`${date}T00:00:00Z`);
  const from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
  const to = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 0)).toISOString().slice(0, 10);
  return { from, to };
}

/** What the ledger and the aging say about one currency over one period: the inputs of every KPI. */
export interface KpiInputs {
  currency: string;
  from: string;
  to: string;
  /** AR control balance at the end of the day before `from`. */
  beginningAr: number;
  /** AR control balance at the end of `to`. */
  endingAr: number;
  /** Part of the ending AR not yet due at `to`. */
  endingCurrentAr: number;
  /** Part of the ending AR more than 90 days past due at `to`. */
  endingOver90: number;
  /** Invoiced in the period (AR debits of issued invoices). */
  grossCreditSales: number;
  /** Credit notes and cancellations in the period (AR credits). */
  salesReductions: number;
  /** Written off in the period (net of reversed write-offs). */
  writeOffs: number;
  /** Gross credit sales of each calendar month ending with `to`, newest first (count-back). */
  monthlySales: readonly (MonthSales & { from: string; to: string })[];
}

export const KPI_METHODS = {
  dsoSimple: 'simple: ending AR / gross credit sales x days in period',
  dsoCountBack: 'count-back: ending AR absorbed by monthly credit sales, newest month first (calendar months)',
  bestPossibleDso: 'best possible: current (not yet due) AR / gross credit sales x days in period (simple method)',
  averageDaysDelinquent: 'DSO (simple) - best possible DSO (simple), same period',
  cei: 'CEI, one period: (beginning AR + credit sales - ending AR) / (beginning AR + credit sales - ending current AR) x 100',
  ceiMultiMonth: 'CEI, multi-month variant: credit sales divided by the number of months in the period',
  arTurnover: 'net credit sales / ((beginning AR + ending AR) / 2)',
  averageCollectionPeriod: 'days in period / AR turnover',
  badDebtRatio: 'write-offs / net credit sales x 100',
  shareOver90: 'AR more than 90 days past due (due-date basis) / ending AR x 100',
} as const;

export type KpiName = keyof typeof KPI_METHODS;

/** Every figure for one currency and period, each stamped with its method, unit and period. */
export function computeKpis(input: KpiInputs): Record<KpiName, KpiFigure> & { exhaustedCountBack: boolean } {
  const days = periodDays(input.from, input.to);
  const period = { from: input.from, to: input.to, days };
  const months = monthsSpanned(input.from, input.to);
  const netCreditSales = input.grossCreditSales - input.salesReductions;
  const figure = (name: KpiName, value: number | null, unit: KpiUnit): KpiFigure => ({
    value: value === null || !Number.isFinite(value) ? null : round2(value),
    unit,
    method: KPI_METHODS[name],
    period,
    currency: input.currency,
  });
  const dso = simpleDso({ endingAr: input.endingAr, creditSales: input.grossCreditSales, days });
  const best = bestPossibleDso({ currentAr: input.endingCurrentAr, creditSales: input.grossCreditSales, days });
  const countBack = countBackDso({ endingAr: input.endingAr, months: input.monthlySales });
  const turnover = arTurnover({ netCreditSales, beginningAr: input.beginningAr, endingAr: input.endingAr });
  const ceiInput = {
    beginningAr: input.beginningAr,
    creditSales: input.grossCreditSales,
    endingTotalAr: input.endingAr,
    endingCurrentAr: input.endingCurrentAr,
  };
  return {
    dsoSimple: figure('dsoSimple', dso, 'days'),
    dsoCountBack: figure('dsoCountBack', input.monthlySales.length ? countBack.days : null, 'days'),
    bestPossibleDso: figure('bestPossibleDso', best, 'days'),
    averageDaysDelinquent: figure('averageDaysDelinquent', averageDaysDelinquent(dso, best), 'days'),
    cei: figure('cei', collectionEffectivenessIndex(ceiInput), 'percent'),
    ceiMultiMonth: figure(
      'ceiMultiMonth',
      months > 1 ? collectionEffectivenessIndex({ ...ceiInput, months }) : null,
      'percent',
    ),
    arTurnover: figure('arTurnover', turnover, 'times'),
    averageCollectionPeriod: figure('averageCollectionPeriod', averageCollectionPeriod(days, turnover), 'days'),
    badDebtRatio: figure('badDebtRatio', badDebtRatio({ writeOffs: input.writeOffs, netCreditSales }), 'percent'),
    shareOver90: figure('shareOver90', shareOver90({ over90: input.endingOver90, totalAr: input.endingAr }), 'percent'),
    exhaustedCountBack: countBack.exhausted,
  };
}
