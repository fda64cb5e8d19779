import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { Invoice } from './invoice.js';
import { JournalEntry } from './journal-entry.js';

export const WriteOff = defineEntity({
  name: 'WriteOff',
  tableName: 'write_off',
  properties: {
    id: p.uuid().primary(),
    invoiceId: () =>
      p
        .manyToOne(Invoice)
        .mapToPk()
        .fieldName('invoice_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('write_off_invoice_id_fkey')
        .columnType('uuid'),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('write_off_customer_id_fkey')
        .columnType('uuid'),
    currency: p.character().length(3),
    amount: p.bigint('number'),
    recoveredAmount: p.bigint('number').defaultRaw('0'),
    entryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('entry_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('write_off_entry_id_fkey')
        .columnType('uuid'),
    approvedBy: p.text(),
    taskId: p.uuid().nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ name: 'write_off_customer_idx', properties: ['customerId', 'createdAt'] }],
  uniques: [{ name: 'write_off_invoice_id_key', properties: ['invoiceId'] }],
  checks: [
    { name: 'write_off_amount_check', expression: 'amount > 0' },
    { name: 'write_off_check', expression: '(recovered_amount >= 0) AND (recovered_amount <= amount)' },
  ],
});
