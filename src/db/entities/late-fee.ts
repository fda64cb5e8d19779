import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { Invoice } from './invoice.js';
import { JournalEntry } from './journal-entry.js';

export const LateFee = defineEntity({
  name: 'LateFee',
  tableName: 'late_fee',
  properties: {
    id: p.uuid().primary(),
    idempotencyKey: p.text(),
    invoiceId: () =>
      p
        .manyToOne(Invoice)
        .mapToPk()
        .fieldName('invoice_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('late_fee_invoice_id_fkey')
        .columnType('uuid'),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('late_fee_customer_id_fkey')
        .columnType('uuid'),
    level: p.text(),
    policyCode: p.text(),
    policyVersion: p.integer(),
    currency: p.character().length(3),
    fixedAmount: p.bigint('number'),
    interestAmount: p.bigint('number'),
    amount: p.bigint('number'),
    principal: p.bigint('number'),
    days: p.integer(),
    annualRateBp: p.integer().nullable(),
    dayCountBasis: p.integer().nullable(),
    entryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('entry_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('late_fee_entry_id_fkey')
        .columnType('uuid'),
    chargedAt: p.datetime().columnType('timestamptz'),
  },
  uniques: [
    { name: 'late_fee_idempotency_key_key', properties: ['idempotencyKey'] },
    { name: 'late_fee_invoice_id_level_key', properties: ['invoiceId', 'level'] },
  ],
  checks: [
    { name: 'late_fee_check', expression: '(amount > 0) AND (amount = (fixed_amount + interest_amount))' },
    { name: 'late_fee_day_count_basis_check', expression: 'day_count_basis = ANY (ARRAY[360, 365])' },
    { name: 'late_fee_fixed_amount_check', expression: 'fixed_amount >= 0' },
    { name: 'late_fee_interest_amount_check', expression: 'interest_amount >= 0' },
  ],
});
