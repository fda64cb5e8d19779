import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const CreditBureauReport = defineEntity({
  name: 'CreditBureauReport',
  tableName: 'credit_bureau_report',
  properties: {
    id: p.uuid().primary(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('credit_bureau_report_customer_id_fkey')
        .columnType('uuid'),
    provider: p.text(),
    reference: p.text(),
    score: p.integer(),
    data: p.json().defaultRaw("'{}'"),
    pulledAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    pulledFor: p.text(),
  },
  indexes: [
    {
      name: 'credit_bureau_report_customer_idx',
      expression:
        'CREATE INDEX credit_bureau_report_customer_idx ON public.credit_bureau_report USING btree (customer_id, pulled_at DESC)',
    },
  ],
  uniques: [{ name: 'credit_bureau_report_pulled_for_key', properties: ['pulledFor'] }],
  checks: [{ name: 'credit_bureau_report_score_check', expression: '(score >= 0) AND (score <= 100)' }],
});
