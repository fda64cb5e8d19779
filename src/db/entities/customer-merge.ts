import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { JournalEntry } from './journal-entry.js';

export const CustomerMerge = defineEntity({
  name: 'CustomerMerge',
  tableName: 'customer_merge',
  properties: {
    duplicateId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('duplicate_id')
        .primary()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_merge_duplicate_id_fkey')
        .columnType('uuid'),
    survivorId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('survivor_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_merge_survivor_id_fkey')
        .columnType('uuid'),
    mergedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    mergedBy: p.text(),
    journalEntryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('journal_entry_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_merge_journal_entry_id_fkey')
        .columnType('uuid'),
    moved: p.json(),
  },
  indexes: [{ name: 'customer_merge_survivor_idx', properties: ['survivorId'] }],
});
