import { defineEntity, p } from '@mikro-orm/postgresql';

export const DocumentSeries = defineEntity({
  name: 'DocumentSeries',
  tableName: 'document_series',
  properties: {
    series: p.text().primary(),
    nextNumber: p.bigint('number'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  checks: [{ name: 'document_series_next_number_check', expression: 'next_number >= 1' }],
});
