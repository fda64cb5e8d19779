import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const CollectionCase = defineEntity({
  name: 'CollectionCase',
  tableName: 'collection_case',
  properties: {
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .primary()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('collection_case_customer_id_fkey')
        .columnType('uuid'),
    workflowId: p.text(),
    status: p.text(),
    policyCode: p.text(),
    policyVersion: p.integer(),
    level: p.integer(),
    levelName: p.text().nullable(),
    currency: p.character().length(3),
    overdueAmount: p.bigint('number'),
    oldestOverdueAt: p.datetime().columnType('timestamptz').nullable(),
    nextAction: p.text().nullable(),
    nextActionAt: p.datetime().columnType('timestamptz').nullable(),
    pausedUntil: p.datetime().columnType('timestamptz').nullable(),
    contacts: p.integer().defaultRaw('0'),
    revision: p.bigint('number').defaultRaw('0'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ name: 'collection_case_worklist_idx', properties: ['status', 'nextActionAt'] }],
  checks: [{ name: 'collection_case_status_check', expression: "\"status\" in ('active', 'closed')" }],
});
