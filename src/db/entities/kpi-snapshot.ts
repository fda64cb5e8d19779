import { defineEntity, p } from '@mikro-orm/postgresql';

export const KpiSnapshot = defineEntity({
  name: 'KpiSnapshot',
  tableName: 'kpi_snapshot',
  properties: {
    id: p.uuid().primary(),
    periodFrom: p.date(),
    periodTo: p.date(),
    currency: p.character().length(3),
    figures: p.json(),
    takenBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    {
      name: 'kpi_snapshot_period_idx',
      expression: 'CREATE INDEX kpi_snapshot_period_idx ON public.kpi_snapshot USING btree (period_to DESC, currency)',
    },
  ],
  uniques: [
    { name: 'kpi_snapshot_period_from_period_to_currency_key', properties: ['periodFrom', 'periodTo', 'currency'] },
  ],
  checks: [{ name: 'kpi_snapshot_check', expression: 'period_from <= period_to' }],
});
