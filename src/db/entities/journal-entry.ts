import { defineEntity, p } from '@mikro-orm/postgresql';

export const JournalEntry = defineEntity({
  name: 'JournalEntry',
  tableName: 'journal_entry',
  properties: {
    id: p.uuid().primary(),
    seq: p.bigint('number').autoincrement(),
    idempotencyKey: p.text(),
    kind: p.text(),
    effectiveDate: p.date(),
    sourceType: p.text(),
    sourceId: p.text(),
    description: p.text().nullable(),
    reversesEntryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('reverses_entry_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('journal_entry_reverses_entry_id_fkey')
        .columnType('uuid'),
    postedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    { name: 'journal_entry_effective_idx', properties: ['effectiveDate'] },
    { name: 'journal_entry_source_idx', properties: ['sourceType', 'sourceId'] },
  ],
  uniques: [
    { name: 'journal_entry_idempotency_key_key', properties: ['idempotencyKey'] },
    { name: 'journal_entry_reverses_entry_id_key', properties: ['reversesEntryId'] },
    { name: 'journal_entry_seq_key', properties: ['seq'] },
  ],
  triggers: [
    {
      name: 'journal_entry_append_only',
      timing: 'before',
      events: ['delete', 'update'],
      forEach: 'row',
      expression:
        'CREATE TRIGGER journal_entry_append_only BEFORE DELETE OR UPDATE ON public.journal_entry FOR EACH ROW EXECUTE FUNCTION journal_append_only()',
    },
    {
      name: 'journal_entry_balanced',
      timing: 'after',
      events: ['insert'],
      forEach: 'row',
      expression:
        'CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON public.journal_entry DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_assert_balanced()',
    },
  ],
});
