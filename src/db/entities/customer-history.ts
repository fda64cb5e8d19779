import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const CustomerHistory = defineEntity({
  name: 'CustomerHistory',
  tableName: 'customer_history',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_history_customer_id_fkey')
        .columnType('uuid'),
    at: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    actor: p.text(),
    field: p.text(),
    oldValue: p.json().nullable(),
    newValue: p.json().nullable(),
    requestId: p.text().nullable(),
  },
  indexes: [{ name: 'customer_history_customer_idx', properties: ['customerId', 'id'] }],
  checks: [
    {
      name: 'customer_history_tax_id_sealed',
      expression:
        "((\nCASE\n    WHEN (field = 'taxId'::text) THEN (old_value ->> 'value'::text)\n    ELSE ((old_value -> 'taxId'::text) ->> 'value'::text)\nEND IS NULL) OR (\nCASE\n    WHEN (field = 'taxId'::text) THEN (old_value ->> 'value'::text)\n    ELSE ((old_value -> 'taxId'::text) ->> 'value'::text)\nEND ~~ 'sealed:v1:%'::text)) AND ((\nCASE\n    WHEN (field = 'taxId'::text) THEN (new_value ->> 'value'::text)\n    ELSE ((new_value -> 'taxId'::text) ->> 'value'::text)\nEND IS NULL) OR (\nCASE\n    WHEN (field = 'taxId'::text) THEN (new_value ->> 'value'::text)\n    ELSE ((new_value -> 'taxId'::text) ->> 'value'::text)\nEND ~~ 'sealed:v1:%'::text))",
    },
  ],
});
