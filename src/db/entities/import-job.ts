import { defineEntity, p } from '@mikro-orm/postgresql';

export const ImportJob = defineEntity({
  name: 'ImportJob',
  tableName: 'import_job',
  properties: {
    id: p.uuid().primary(),
    kind: p.text(),
    format: p.text(),
    status: p.text().defaultRaw("'staging'"),
    options: p.json().defaultRaw("'{}'"),
    totalRows: p.integer().defaultRaw('0'),
    processedRows: p.integer().defaultRaw('0'),
    importedRows: p.integer().defaultRaw('0'),
    skippedRows: p.integer().defaultRaw('0'),
    rejectedRows: p.integer().defaultRaw('0'),
    error: p.text().nullable(),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    startedAt: p.datetime().columnType('timestamptz').nullable(),
    finishedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  checks: [
    { name: 'import_job_format_check', expression: "\"format\" in ('csv', 'jsonl')" },
    { name: 'import_job_kind_check', expression: "\"kind\" in ('customers', 'invoices', 'opening_balances')" },
    { name: 'import_job_status_check', expression: "\"status\" in ('staging', 'processing', 'completed', 'failed')" },
  ],
});
