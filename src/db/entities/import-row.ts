import { defineEntity, p } from '@mikro-orm/postgresql';
import { ImportJob } from './import-job.js';

export const ImportRow = defineEntity({
  name: 'ImportRow',
  tableName: 'import_row',
  properties: {
    importId: () =>
      p
        .manyToOne(ImportJob)
        .mapToPk()
        .fieldName('import_id')
        .primary()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('import_row_import_id_fkey')
        .columnType('uuid'),
    lineNo: p.integer().primary(),
    payload: p.json().nullable(),
    status: p.text().defaultRaw("'staged'"),
    problems: p.json().nullable(),
    entityId: p.uuid().nullable(),
    lifecycleStarted: p.boolean().defaultRaw('false'),
  },
  indexes: [
    {
      name: 'import_row_lifecycle_idx',
      expression:
        "CREATE INDEX import_row_lifecycle_idx ON public.import_row USING btree (import_id, line_no) WHERE ((status = 'imported'::text) AND (NOT lifecycle_started))",
    },
    {
      name: 'import_row_rejected_idx',
      expression:
        "CREATE INDEX import_row_rejected_idx ON public.import_row USING btree (import_id, line_no) WHERE (status = 'rejected'::text)",
    },
    {
      name: 'import_row_staged_idx',
      expression:
        "CREATE INDEX import_row_staged_idx ON public.import_row USING btree (import_id, line_no) WHERE (status = 'staged'::text)",
    },
  ],
  checks: [
    { name: 'import_row_status_check', expression: "\"status\" in ('staged', 'imported', 'skipped', 'rejected')" },
    {
      name: 'import_row_tax_id_sealed',
      expression:
        "(COALESCE(\nCASE jsonb_typeof((payload -> 'taxId'::text))\n    WHEN 'string'::text THEN (payload ->> 'taxId'::text)\n    WHEN 'object'::text THEN ((payload -> 'taxId'::text) ->> 'value'::text)\n    ELSE NULL::text\nEND, ''::text) = ''::text) OR (\nCASE jsonb_typeof((payload -> 'taxId'::text))\n    WHEN 'string'::text THEN (payload ->> 'taxId'::text)\n    WHEN 'object'::text THEN ((payload -> 'taxId'::text) ->> 'value'::text)\n    ELSE NULL::text\nEND ~~ 'sealed:v1:%'::text)",
    },
  ],
});
