import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { PaymentTermsTemplate } from './payment-terms-template.js';

export const CustomerTermsAssignment = defineEntity({
  name: 'CustomerTermsAssignment',
  tableName: 'customer_terms_assignment',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_terms_assignment_customer_id_fkey')
        .columnType('uuid'),
    termsCode: () =>
      p
        .manyToOne(PaymentTermsTemplate)
        .mapToPk()
        .fieldName('terms_code')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_terms_assignment_terms_code_fkey')
        .columnType('text'),
    terms: p.json(),
    templateVersion: p.integer(),
    effectiveFrom: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    assignedBy: p.text(),
  },
  indexes: [{ name: 'customer_terms_assignment_idx', properties: ['customerId', 'effectiveFrom'] }],
});
