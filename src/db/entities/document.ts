import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const Document = defineEntity({
  name: 'Document',
  tableName: 'document',
  properties: {
    id: p.uuid().primary(),
    kind: p.text(),
    ref: p.text(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('document_customer_id_fkey')
        .columnType('uuid'),
    periodFrom: p.date().nullable(),
    periodTo: p.date().nullable(),
    filename: p.text(),
    mediaType: p.text(),
    contentSha256: p.text(),
    sizeBytes: p.integer(),
    content: p.blob(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    {
      name: 'document_customer_idx',
      expression:
        'CREATE INDEX document_customer_idx ON public.document USING btree (customer_id, created_at DESC, id DESC)',
    },
  ],
  uniques: [{ name: 'document_kind_ref_key', properties: ['kind', 'ref'] }],
  checks: [
    {
      name: 'document_check',
      expression:
        '((period_from IS NULL) = (period_to IS NULL)) AND ((period_from IS NULL) OR (period_from <= period_to))',
    },
    { name: 'document_kind_check', expression: "\"kind\" in ('statement', 'invoice', 'receipt')" },
    { name: 'document_size_bytes_check', expression: 'size_bytes >= 0' },
  ],
});
