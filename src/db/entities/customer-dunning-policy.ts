import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const CustomerDunningPolicy = defineEntity({
  name: 'CustomerDunningPolicy',
  tableName: 'customer_dunning_policy',
  properties: {
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .primary()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_dunning_policy_customer_id_fkey')
        .columnType('uuid'),
    policyCode: p.text(),
    updatedBy: p.text(),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
});
