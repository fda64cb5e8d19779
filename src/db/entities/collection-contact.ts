import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const CollectionContact = defineEntity({
  name: 'CollectionContact',
  tableName: 'collection_contact',
  properties: {
    id: p.uuid().primary(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('collection_contact_customer_id_fkey')
        .columnType('uuid'),
    at: p.datetime().columnType('timestamptz'),
    channel: p.text(),
    template: p.text().nullable(),
    level: p.text().nullable(),
    outcome: p.text(),
    note: p.text().nullable(),
    by: p.text(),
    invoiceIds: p.array().columnType('uuid[]').defaultRaw("'{}'"),
    messageId: p.text().nullable(),
    taskId: p.uuid().nullable(),
    workflowId: p.text().nullable(),
    idempotencyKey: p.text().nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ name: 'collection_contact_customer_idx', properties: ['customerId', 'at', 'id'] }],
  uniques: [{ name: 'collection_contact_idempotency_key_key', properties: ['idempotencyKey'] }],
  checks: [
    {
      name: 'collection_contact_channel_check',
      expression: "\"channel\" in ('email', 'letter', 'sms', 'call', 'visit', 'agency')",
    },
  ],
});
