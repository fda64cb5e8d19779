import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { Invoice } from './invoice.js';
import { JournalEntry } from './journal-entry.js';
import { Payment } from './payment.js';

export const PaymentAllocation = defineEntity({
  name: 'PaymentAllocation',
  tableName: 'payment_allocation',
  properties: {
    id: p.uuid().primary(),
    paymentId: () =>
      p
        .manyToOne(Payment)
        .mapToPk()
        .fieldName('payment_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('payment_allocation_payment_id_fkey')
        .columnType('uuid'),
    seq: p.integer(),
    invoiceId: () =>
      p
        .manyToOne(Invoice)
        .mapToPk()
        .fieldName('invoice_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('payment_allocation_invoice_id_fkey')
        .columnType('uuid'),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('payment_allocation_customer_id_fkey')
        .columnType('uuid'),
    currency: p.character().length(3),
    amount: p.bigint('number'),
    discountAmount: p.bigint('number').defaultRaw('0'),
    fundedFrom: p.text(),
    rule: p.text(),
    idempotencyKey: p.text(),
    entryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('entry_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('payment_allocation_entry_id_fkey')
        .columnType('uuid'),
    discountEntryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('discount_entry_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('payment_allocation_discount_entry_id_fkey')
        .columnType('uuid'),
    createdBy: p.text().defaultRaw("'system'"),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ name: 'payment_allocation_invoice_idx', properties: ['invoiceId', 'createdAt'] }],
  uniques: [
    { name: 'payment_allocation_idempotency_key_key', properties: ['idempotencyKey'] },
    { name: 'payment_allocation_payment_id_seq_key', properties: ['paymentId', 'seq'] },
  ],
  checks: [
    { name: 'payment_allocation_amount_check', expression: 'amount >= 0' },
    { name: 'payment_allocation_check', expression: '(amount + discount_amount) > 0' },
    { name: 'payment_allocation_discount_amount_check', expression: 'discount_amount >= 0' },
    {
      name: 'payment_allocation_funded_from_check',
      expression: "\"funded_from\" in ('cash', 'customer_credit', 'unapplied_cash')",
    },
    {
      name: 'payment_allocation_rule_check',
      expression:
        "\"rule\" in ('remittance', 'reference', 'exact_amount', 'amount_combination', 'oldest_first', 'manual')",
    },
    { name: 'payment_allocation_seq_check', expression: 'seq >= 1' },
  ],
});
