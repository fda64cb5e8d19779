// Monthly KPI snapshots: the figures of a closed period stored once (per currency), so trends read stored history
// instead of recomputing it. Taking a snapshot of a period that already has one changes nothing (unique period and
// currency), which makes the schedule's activity safe to retry.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { kpiReport } from './kpis.js';

export interface KpiSnapshot {
  id: string;
  periodFrom: string;
  periodTo: string;
  currency: string;
  figures: Record<string, unknown>;
  takenBy: string;
  createdAt: string;
}

/** Computes the period's KPIs and stores one row per currency; returns how many rows were new. */
export async function takeKpiSnapshot(
  em: EntityManager,
  input: { from: string; to: string; takenBy: string },
): Promise<{ currencies: string[]; created: number }> {
  const report = await kpiReport(em, { from: input.from, to: input.to });
  let created = 0;
  for (const currency of report.currencies) {
    const figures = {
      ...currency.figures,
      inputs: currency.inputs,
      countBackExhausted: currency.countBackExhausted,
      disputes: report.disputes,
      promises: report.promises,
    };
    const rows = await em.execute<unknown[]>(
      `INSERT INTO kpi_snapshot (id, period_from, period_to, currency, figures, taken_by) VALUES (?, ?, ?, ?, ?::jsonb, ?)
       ON CONFLICT (period_from, period_to, currency) DO NOTHING RETURNING id`,
      [randomUUID(), input.from, input.to, currency.currency, JSON.stringify(figures), input.takenBy],
    );
    created += rows.length;
  }
  return { currencies: report.currencies.map((c) => c.currency), created };
}

/** Snapshots newest period first (keyset on period end, currency, id). */
export async function listKpiSnapshots(
  em: EntityManager,
  input: { currency?: string; after?: [string, string, string]; limit: number },
): Promise<KpiSnapshot[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `SELECT id, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to, currency, figures, taken_by, created_at
       FROM kpi_snapshot
      WHERE (?::text IS NULL OR currency = ?::text)
        AND (?::date IS NULL OR (period_to, currency, id) < (?::date, ?::char(3), ?::uuid))
      ORDER BY period_to DESC, currency DESC, id DESC LIMIT ?`,
    [
      input.currency ?? null,
      input.currency ?? null,
      input.after?.[0] ?? null,
      input.after?.[0] ?? null,
      input.after?.[1] ?? null,
      input.after?.[2] ?? null,
      input.limit,
    ],
  );
  return rows.map((r) => ({
    id: String(r.id),
    periodFrom: String(r.period_from),
    periodTo: String(r.period_to),
    currency: String(r.currency).trim(),
    figures: r.figures as Record<string, unknown>,
    takenBy: String(r.taken_by),
    createdAt: new Date(r.created_at as string).toISOString(),
  }));
}
