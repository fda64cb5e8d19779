import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const PromiseToPay = defineEntity({
  name: 'PromiseToPay',
  tableName: 'promise_to_pay',
  properties: {
    id: p.uuid().primary(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('promise_to_pay_customer_id_fkey')
        .columnType('uuid'),
    amount: p.bigint('number'),
    currency: p.character().length(3),
    promisedDate: p.date(),
    invoiceIds: p.array().columnType('uuid[]').defaultRaw("'{}'"),
    status: p.text().defaultRaw("'open'"),
    baselineAmount: p.bigint('number'),
    deadlineAt: p.datetime().columnType('timestamptz'),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    resolvedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  indexes: [{ name: 'promise_to_pay_customer_idx', properties: ['customerId', 'createdAt'] }],
  checks: [
    { name: 'promise_to_pay_amount_check', expression: 'amount > 0' },
    { name: 'promise_to_pay_check', expression: 'baseline_amount >= amount' },
    { name: 'promise_to_pay_status_check', expression: "\"status\" in ('open', 'kept', 'broken', 'cancelled')" },
  ],
});
