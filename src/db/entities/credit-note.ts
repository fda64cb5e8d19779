import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { Invoice } from './invoice.js';
import { JournalEntry } from './journal-entry.js';

export const CreditNote = defineEntity({
  name: 'CreditNote',
  tableName: 'credit_note',
  properties: {
    id: p.uuid().primary(),
    number: p.text(),
    series: p.text(),
    sequenceNo: p.bigint('number'),
    invoiceId: () =>
      p
        .manyToOne(Invoice)
        .mapToPk()
        .fieldName('invoice_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('credit_note_invoice_id_fkey')
        .columnType('uuid'),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('credit_note_customer_id_fkey')
        .columnType('uuid'),
    currency: p.character().length(3),
    kind: p.text(),
    reason: p.text(),
    issueDate: p.date(),
    netAmount: p.bigint('number'),
    taxAmount: p.bigint('number'),
    totalAmount: p.bigint('number'),
    entryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('entry_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('credit_note_entry_id_fkey')
        .columnType('uuid'),
    createdBy: p.text().defaultRaw("'api'"),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ name: 'credit_note_invoice_idx', properties: ['invoiceId', 'createdAt'] }],
  uniques: [
    { name: 'credit_note_number_key', properties: ['number'] },
    { name: 'credit_note_series_sequence_no_key', properties: ['series', 'sequenceNo'] },
  ],
  triggers: [
    {
      name: 'credit_note_ar_open_item',
      timing: 'after',
      events: ['insert'],
      forEach: 'statement',
      expression:
        'CREATE TRIGGER credit_note_ar_open_item AFTER INSERT ON public.credit_note REFERENCING NEW TABLE AS new_notes FOR EACH STATEMENT EXECUTE FUNCTION ar_open_item_credit_note()',
    },
  ],
  checks: [
    { name: 'credit_note_check', expression: '(total_amount > 0) AND (total_amount = (net_amount + tax_amount))' },
    { name: 'credit_note_kind_check', expression: "\"kind\" in ('partial', 'full', 'cancellation')" },
    { name: 'credit_note_net_amount_check', expression: 'net_amount >= 0' },
    { name: 'credit_note_reason_check', expression: 'length(btrim(reason)) > 0' },
    { name: 'credit_note_tax_amount_check', expression: 'tax_amount >= 0' },
  ],
});
