// KPI inputs read from the ledger (balances and credit sales by date), the open-items aging (current and over-90
// AR) and, where those modules are installed, disputes and promises to pay. The formulas are in src/reports/rules/kpis.ts.
import type { EntityManager } from '@mikro-orm/postgresql';
import { accountFor } from '../rules/chart.js';
import { addDays } from '../../shared/calendar-date.js';
import { computeKpis, monthsBack, type KpiFigure, type KpiInputs, type KpiName } from '../rules/kpis.js';
import { agingReport, nativePool } from './aging.js';

/** Months walked back by the count-back DSO before it gives up (and flags the figure as a lower bound). */
export const COUNT_BACK_MONTHS = 12;

export interface CurrencyKpis {
  currency: string;
  inputs: Omit<KpiInputs, 'currency' | 'from' | 'to'>;
  figures: Record<KpiName, KpiFigure>;
  /** The count-back walked all COUNT_BACK_MONTHS months and AR was still left: dsoCountBack is a lower bound. */
  countBackExhausted: boolean;
}

export interface DisputeKpis {
  available: boolean;
  method: string;
  period: { from: string; to: string };
  byCategory: { category: string; opened: number; resolved: number; averageDaysToResolve: number | null }[];
}

export interface PromiseKpis {
  available: boolean;
  method: string;
  period: { from: string; to: string };
  kept: number;
  broken: number;
  /** kept / (kept + broken) x 100; null when none was resolved in the period. */
  keptRate: number | null;
  amounts: { currency: string; kept: number; broken: number }[];
}

export interface KpiReport {
  from: string;
  to: string;
  currencies: CurrencyKpis[];
  disputes: DisputeKpis;
  promises: PromiseKpis;
}

type Row = Record<string, string | number | boolean | null>;
const num = (value: unknown) => Number(value ?? 0);

/** AR control balance per currency at the end of `asOf`: the balance now minus the lines dated after it. */
async function arBalances(em: EntityManager, asOf: string, currency?: string): Promise<Map<string, number>> {
  const ar = accountFor('accounts_receivable').code;
  const pool = await nativePool(em);
  const { rows } = await pool.query<Row>(
    `WITH now AS (SELECT currency, sum(balance) AS amount FROM customer_ledger_balance WHERE account_code = $1 GROUP BY currency),
          later AS (SELECT currency, sum(debit - credit) AS amount FROM journal_line WHERE account_code = $1 AND effective_date > $2::date GROUP BY currency)
     SELECT coalesce(n.currency, l.currency) AS currency, coalesce(n.amount, 0) - coalesce(l.amount, 0) AS amount
       FROM now n FULL JOIN later l ON l.currency = n.currency
      WHERE $3::text IS NULL OR coalesce(n.currency, l.currency) = $3::text`,
    [ar, asOf, currency ?? null],
  );
  return new Map(rows.map((r) => [String(r.currency).trim(), num(r.amount)]));
}

interface SalesRow {
  currency: string;
  month: string;
  inPeriod: boolean;
  sales: number;
  reductions: number;
  writeOffs: number;
}

/**
 * Receivable movements by kind (from the open-items movements), per currency and calendar month from the count-back
 * start to `to`, split at `from`: gross credit sales (issued invoices), reductions (credit notes, cancellations) and
 * write-offs (net of reversed write-offs).
 */
async function salesByMonth(
  em: EntityManager,
  input: { from: string; to: string; since: string; currency?: string },
): Promise<SalesRow[]> {
  const pool = await nativePool(em);
  const { rows } = await pool.query<Row>(
    `SELECT currency, to_char(date_trunc('month', effective_date), 'YYYY-MM') AS month, effective_date >= $2::date AS in_period,
            coalesce(sum(amount) FILTER (WHERE kind = 'invoice_issued' AND amount > 0), 0)::bigint AS sales,
            coalesce(-sum(amount) FILTER (WHERE kind IN ('credit_note', 'reversal:invoice_issued') AND amount < 0), 0)::bigint AS reductions,
            coalesce(-sum(amount) FILTER (WHERE kind IN ('write_off', 'reversal:write_off')), 0)::bigint AS write_offs
       FROM ar_item_movement
      WHERE kind IN ('invoice_issued', 'credit_note', 'reversal:invoice_issued', 'write_off', 'reversal:write_off')
        AND effective_date BETWEEN $1::date AND $3::date AND ($4::text IS NULL OR currency = $4::text)
      GROUP BY 1, 2, 3`,
    [input.since, input.from, input.to, input.currency ?? null],
  );
  return rows.map((r) => ({
    currency: String(r.currency).trim(),
    month: String(r.month),
    inPeriod: (r.in_period as unknown) === true,
    sales: num(r.sales),
    reductions: num(r.reductions),
    writeOffs: num(r.write_offs),
  }));
}

async function tableExists(em: EntityManager, table: string): Promise<boolean> {
  const [row] = await em.execute<{ present: boolean }[]>('SELECT to_regclass(?) IS NOT NULL AS present', [table]);
  return row?.present === true;
}

/** Disputes opened and resolved in the period by category, with the average days from opening to resolution. */
export async function disputeKpis(em: EntityManager, period: { from: string; to: string }): Promise<DisputeKpis> {
  const method =
    'opened: opened_at in period; resolved: resolved_at in period (status resolved); days: resolved_at - opened_at, averaged over those resolved';
  if (!(await tableExists(em, 'dispute'))) return { available: false, method, period, byCategory: [] };
  const rows = await em.execute<Row[]>(
    `SELECT category,
            count(*) FILTER (WHERE opened_at::date BETWEEN ?::date AND ?::date) AS opened,
            count(*) FILTER (WHERE status = 'resolved' AND resolved_at::date BETWEEN ?::date AND ?::date) AS resolved,
            avg(extract(epoch FROM resolved_at - opened_at) / 86400) FILTER (WHERE status = 'resolved' AND resolved_at::date BETWEEN ?::date AND ?::date) AS days
       FROM dispute
      WHERE opened_at::date <= ?::date AND (opened_at::date >= ?::date OR resolved_at::date >= ?::date)
      GROUP BY category ORDER BY category`,
    [period.from, period.to, period.from, period.to, period.from, period.to, period.to, period.from, period.from],
  );
  return {
    available: true,
    method,
    period,
    byCategory: rows.map((r) => ({
      category: String(r.category),
      opened: num(r.opened),
      resolved: num(r.resolved),
      averageDaysToResolve: r.days === null ? null : Math.round(Number(r.days) * 100) / 100,
    })),
  };
}

/** Promises to pay resolved in the period: kept versus broken, counts and amounts per currency. */
export async function promiseKpis(em: EntityManager, period: { from: string; to: string }): Promise<PromiseKpis> {
  const method =
    'promises resolved (resolved_at) in the period with status kept or broken; kept rate = kept / (kept + broken) x 100';
  if (!(await tableExists(em, 'promise_to_pay')))
    return { available: false, method, period, kept: 0, broken: 0, keptRate: null, amounts: [] };
  const rows = await em.execute<Row[]>(
    `SELECT currency, count(*) FILTER (WHERE status = 'kept') AS kept, count(*) FILTER (WHERE status = 'broken') AS broken,
            coalesce(sum(amount) FILTER (WHERE status = 'kept'), 0) AS kept_amount, coalesce(sum(amount) FILTER (WHERE status = 'broken'), 0) AS broken_amount
       FROM promise_to_pay
      WHERE status IN ('kept', 'broken') AND resolved_at::date BETWEEN ?::date AND ?::date
      GROUP BY currency ORDER BY currency`,
    [period.from, period.to],
  );
  const kept = rows.reduce((sum, r) => sum + num(r.kept), 0);
  const broken = rows.reduce((sum, r) => sum + num(r.broken), 0);
  return {
    available: true,
    method,
    period,
    kept,
    broken,
    keptRate: kept + broken === 0 ? null : Math.round((kept / (kept + broken)) * 10_000) / 100,
    amounts: rows.map((r) => ({
      currency: String(r.currency).trim(),
      kept: num(r.kept_amount),
      broken: num(r.broken_amount),
    })),
  };
}

/** Every KPI for the period, per currency (all currencies with receivables, or the one asked for). */
export async function kpiReport(
  em: EntityManager,
  input: { from: string; to: string; currency?: string },
): Promise<KpiReport> {
  const months = monthsBack(input.to, COUNT_BACK_MONTHS);
  const since = months.at(-1)!.from < input.from ? months.at(-1)!.from : input.from;
  const [beginning, ending, sales, aging, disputes, promises] = await Promise.all([
    arBalances(em, addDays(input.from, -1), input.currency),
    arBalances(em, input.to, input.currency),
    salesByMonth(em, { from: input.from, to: input.to, since, currency: input.currency }),
    agingReport(em, { asOf: input.to, basis: 'due', bounds: [90], currency: input.currency, receivableOnly: true }),
    disputeKpis(em, input),
    promiseKpis(em, input),
  ]);
  const currencies = new Set<string>([...beginning.keys(), ...ending.keys(), ...sales.map((s) => s.currency)]);
  if (input.currency) currencies.add(input.currency);
  const result: CurrencyKpis[] = [];
  for (const currency of [...currencies].sort()) {
    const own = sales.filter((s) => s.currency === currency);
    const inPeriod = own.filter((s) => s.inPeriod);
    const agingOf = aging.currencies.find((c) => c.currency === currency);
    const monthlySales = months.map((m) => ({
      ...m,
      sales: own.filter((s) => s.month === m.from.slice(0, 7)).reduce((sum, s) => sum + s.sales, 0),
    }));
    const inputs: KpiInputs = {
      currency,
      from: input.from,
      to: input.to,
      beginningAr: beginning.get(currency) ?? 0,
      endingAr: ending.get(currency) ?? 0,
      endingCurrentAr: agingOf?.buckets[0] ?? 0,
      endingOver90: agingOf?.buckets[2] ?? 0,
      grossCreditSales: inPeriod.reduce((sum, s) => sum + s.sales, 0),
      salesReductions: inPeriod.reduce((sum, s) => sum + s.reductions, 0),
      writeOffs: inPeriod.reduce((sum, s) => sum + s.writeOffs, 0),
      monthlySales,
    };
    const { exhaustedCountBack, ...figures } = computeKpis(inputs);
    const { currency: _c, from: _f, to: _t, ...rest } = inputs;
    result.push({ currency, inputs: rest, figures, countBackExhausted: exhaustedCountBack });
  }
  return { from: input.from, to: input.to, currencies: result, disputes, promises };
}
