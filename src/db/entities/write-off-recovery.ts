import { defineEntity, p } from '@mikro-orm/postgresql';
import { JournalEntry } from './journal-entry.js';
import { WriteOff } from './write-off.js';

export const WriteOffRecovery = defineEntity({
  name: 'WriteOffRecovery',
  tableName: 'write_off_recovery',
  properties: {
    id: p.uuid().primary(),
    writeOffId: () =>
      p
        .manyToOne(WriteOff)
        .mapToPk()
        .fieldName('write_off_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('write_off_recovery_write_off_id_fkey')
        .columnType('uuid'),
    amount: p.bigint('number'),
    entryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('entry_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('write_off_recovery_entry_id_fkey')
        .columnType('uuid'),
    receivedOn: p.date(),
    reference: p.text().nullable(),
    by: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  checks: [{ name: 'write_off_recovery_amount_check', expression: 'amount > 0' }],
});
