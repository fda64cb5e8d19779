import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { Payment } from './payment.js';

export const GatewayPayment = defineEntity({
  name: 'GatewayPayment',
  tableName: 'gateway_payment',
  properties: {
    id: p.uuid().primary(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('gateway_payment_customer_id_fkey')
        .columnType('uuid'),
    provider: p.text(),
    providerRef: p.text(),
    method: p.text(),
    amount: p.bigint('number'),
    currency: p.character().length(3),
    invoiceIds: p.array().columnType('uuid[]'),
    status: p.text(),
    failureReason: p.text().nullable(),
    paymentId: () =>
      p
        .manyToOne(Payment)
        .mapToPk()
        .fieldName('payment_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('gateway_payment_payment_id_fkey')
        .columnType('uuid'),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    {
      name: 'gateway_payment_customer_idx',
      expression:
        'CREATE INDEX gateway_payment_customer_idx ON public.gateway_payment USING btree (customer_id, created_at DESC)',
    },
  ],
  uniques: [{ name: 'gateway_payment_provider_provider_ref_key', properties: ['provider', 'providerRef'] }],
  checks: [
    { name: 'gateway_payment_amount_check', expression: 'amount > 0' },
    { name: 'gateway_payment_method_check', expression: "\"method\" in ('card', 'ach_debit')" },
    {
      name: 'gateway_payment_status_check',
      expression: "\"status\" in ('pending', 'processing', 'succeeded', 'failed', 'canceled')",
    },
  ],
});
