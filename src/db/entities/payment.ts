import { defineEntity, p } from '@mikro-orm/postgresql';
import { BankStatement } from './bank-statement.js';
import { Customer } from './customer.js';

export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  properties: {
    id: p.uuid().primary(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('payment_customer_id_fkey')
        .columnType('uuid'),
    amount: p.bigint('number'),
    currency: p.character().length(3),
    method: p.text(),
    receivedAt: p.datetime().columnType('timestamptz'),
    reference: p.text().defaultRaw("''"),
    remittance: p.json().defaultRaw("'[]'"),
    status: p.text().defaultRaw("'received'"),
    appliedAmount: p.bigint('number').defaultRaw('0'),
    unappliedAmount: p.bigint('number'),
    discountAmount: p.bigint('number').defaultRaw('0'),
    source: p.text().defaultRaw("'api'"),
    sourceKey: p.text().nullable(),
    bankStatementId: () =>
      p
        .manyToOne(BankStatement)
        .mapToPk()
        .fieldName('bank_statement_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('payment_bank_statement_id_fkey')
        .columnType('uuid'),
    counterparty: p.json().nullable(),
    appliedAt: p.datetime().columnType('timestamptz').nullable(),
    createdBy: p.text().defaultRaw("'api'"),
    version: p.integer().defaultRaw('1'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    counterpartyIbanHash: p.text().nullable(),
  },
  indexes: [
    {
      name: 'payment_counterparty_iban_hash_idx',
      expression:
        'CREATE INDEX payment_counterparty_iban_hash_idx ON public.payment USING btree (counterparty_iban_hash) WHERE (counterparty_iban_hash IS NOT NULL)',
    },
    { name: 'payment_customer_idx', properties: ['customerId', 'receivedAt'] },
    {
      name: 'payment_list_idx',
      expression: 'CREATE INDEX payment_list_idx ON public.payment USING btree (created_at DESC, id DESC)',
    },
    {
      name: 'payment_unapplied_idx',
      expression:
        'CREATE INDEX payment_unapplied_idx ON public.payment USING btree (received_at) WHERE (unapplied_amount > 0)',
    },
  ],
  uniques: [{ name: 'payment_source_key_key', properties: ['sourceKey'] }],
  checks: [
    { name: 'payment_amount_check', expression: 'amount > 0' },
    { name: 'payment_applied_amount_check', expression: 'applied_amount >= 0' },
    { name: 'payment_check', expression: '(applied_amount + unapplied_amount) = amount' },
    {
      name: 'payment_counterparty_iban_sealed',
      expression:
        "((counterparty ->> 'iban'::text) IS NULL) OR (((counterparty ->> 'iban'::text) ~~ 'sealed:v1:%'::text) AND (counterparty_iban_hash IS NOT NULL))",
    },
    { name: 'payment_currency_check', expression: "currency ~ '^[A-Z]{3}$'::text" },
    { name: 'payment_discount_amount_check', expression: 'discount_amount >= 0' },
    { name: 'payment_method_check', expression: "\"method\" in ('card', 'ach', 'wire', 'check', 'cash')" },
    { name: 'payment_source_check', expression: "\"source\" in ('api', 'bank_statement')" },
    {
      name: 'payment_status_check',
      expression: "\"status\" in ('received', 'applied', 'partially_applied', 'unapplied', 'reversed')",
    },
    { name: 'payment_unapplied_amount_check', expression: 'unapplied_amount >= 0' },
  ],
});
