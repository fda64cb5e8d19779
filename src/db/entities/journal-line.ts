import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { JournalEntry } from './journal-entry.js';
import { LedgerAccount } from './ledger-account.js';

export const JournalLine = defineEntity({
  name: 'JournalLine',
  tableName: 'journal_line',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    entryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('entry_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('journal_line_entry_id_fkey')
        .columnType('uuid'),
    lineNo: p.integer(),
    accountCode: () =>
      p
        .manyToOne(LedgerAccount)
        .mapToPk()
        .fieldName('account_code')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('journal_line_account_code_fkey')
        .columnType('text'),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('journal_line_customer_id_fkey')
        .columnType('uuid'),
    debit: p.bigint('number'),
    credit: p.bigint('number'),
    currency: p.character().length(3),
    memo: p.text().nullable(),
    effectiveDate: p.date(),
  },
  indexes: [
    { name: 'journal_line_account_idx', properties: ['accountCode', 'currency', 'effectiveDate'] },
    { name: 'journal_line_customer_idx', properties: ['customerId', 'accountCode', 'effectiveDate'] },
    { name: 'journal_line_entry_idx', properties: ['entryId'] },
    {
      name: 'journal_line_kpi_idx',
      expression:
        'CREATE INDEX journal_line_kpi_idx ON public.journal_line USING btree (account_code, currency, effective_date) INCLUDE (debit, credit)',
    },
  ],
  uniques: [{ name: 'journal_line_entry_id_line_no_key', properties: ['entryId', 'lineNo'] }],
  triggers: [
    {
      name: 'journal_line_append_only',
      timing: 'before',
      events: ['delete', 'update'],
      forEach: 'row',
      expression:
        'CREATE TRIGGER journal_line_append_only BEFORE DELETE OR UPDATE ON public.journal_line FOR EACH ROW EXECUTE FUNCTION journal_append_only()',
    },
    {
      name: 'journal_line_ar_open_item',
      timing: 'after',
      events: ['insert'],
      forEach: 'statement',
      expression:
        'CREATE TRIGGER journal_line_ar_open_item AFTER INSERT ON public.journal_line REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION ar_open_item_apply()',
    },
    {
      name: 'journal_line_balanced',
      timing: 'after',
      events: ['insert'],
      forEach: 'row',
      expression:
        'CREATE CONSTRAINT TRIGGER journal_line_balanced AFTER INSERT ON public.journal_line DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_assert_balanced()',
    },
    {
      name: 'journal_line_customer_balance',
      timing: 'after',
      events: ['insert'],
      forEach: 'statement',
      expression:
        'CREATE TRIGGER journal_line_customer_balance AFTER INSERT ON public.journal_line REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION customer_ledger_balance_apply()',
    },
    {
      name: 'journal_line_prepare',
      timing: 'before',
      events: ['insert'],
      forEach: 'row',
      expression:
        'CREATE TRIGGER journal_line_prepare BEFORE INSERT ON public.journal_line FOR EACH ROW EXECUTE FUNCTION journal_line_prepare()',
    },
  ],
  checks: [
    { name: 'journal_line_check', expression: '(debit = 0) <> (credit = 0)' },
    { name: 'journal_line_credit_check', expression: 'credit >= 0' },
    { name: 'journal_line_debit_check', expression: 'debit >= 0' },
  ],
});
