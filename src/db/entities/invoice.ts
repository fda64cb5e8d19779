import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { JournalEntry } from './journal-entry.js';

export const Invoice = defineEntity({
  name: 'Invoice',
  tableName: 'invoice',
  properties: {
    id: p.uuid().primary(),
    number: p.text(),
    series: p.text(),
    sequenceNo: p.bigint('number'),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('invoice_customer_id_fkey')
        .columnType('uuid'),
    currency: p.character().length(3),
    issueDate: p.date(),
    dueDate: p.date(),
    termsCode: p.text().nullable(),
    terms: p.json().nullable(),
    instalments: p.json().defaultRaw("'[]'"),
    subtotalAmount: p.bigint('number'),
    taxAmount: p.bigint('number'),
    totalAmount: p.bigint('number'),
    openAmount: p.bigint('number'),
    creditedAmount: p.bigint('number').defaultRaw('0'),
    status: p.text().defaultRaw("'issued'"),
    discountDeadline: p.date().nullable(),
    discountRateBp: p.integer().nullable(),
    discountAmount: p.bigint('number').nullable(),
    externalRef: p.text().nullable(),
    issueEntryId: () =>
      p
        .manyToOne(JournalEntry)
        .mapToPk()
        .fieldName('issue_entry_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('invoice_issue_entry_id_fkey')
        .columnType('uuid'),
    sentAt: p.datetime().columnType('timestamptz').nullable(),
    remindedAt: p.datetime().columnType('timestamptz').nullable(),
    overdueSince: p.date().nullable(),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
    createdBy: p.text().defaultRaw("'api'"),
    version: p.integer().defaultRaw('1'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    feeAmount: p.bigint('number').defaultRaw('0'),
    overdueAt: p.datetime().columnType('timestamptz').nullable(),
    creditHold: p.json().nullable(),
    creditOverride: p.json().nullable(),
  },
  indexes: [
    { name: 'invoice_customer_idx', properties: ['customerId', 'dueDate', 'id'] },
    { name: 'invoice_due_idx', properties: ['dueDate', 'id'] },
    {
      name: 'invoice_external_ref_idx',
      expression:
        'CREATE INDEX invoice_external_ref_idx ON public.invoice USING btree (external_ref) WHERE (external_ref IS NOT NULL)',
    },
    {
      name: 'invoice_held_idx',
      expression:
        "CREATE INDEX invoice_held_idx ON public.invoice USING btree (customer_id) WHERE (status = 'held'::text)",
    },
    { name: 'invoice_status_idx', properties: ['status', 'dueDate'] },
  ],
  uniques: [
    { name: 'invoice_number_key', properties: ['number'] },
    { name: 'invoice_series_sequence_no_key', properties: ['series', 'sequenceNo'] },
  ],
  triggers: [
    {
      name: 'invoice_ar_open_item_dates',
      timing: 'after',
      events: ['insert'],
      forEach: 'statement',
      expression:
        'CREATE TRIGGER invoice_ar_open_item_dates AFTER INSERT ON public.invoice REFERENCING NEW TABLE AS new_invoices FOR EACH STATEMENT EXECUTE FUNCTION ar_open_item_invoice_dates()',
    },
  ],
  checks: [
    { name: 'invoice_check', expression: 'due_date >= issue_date' },
    { name: 'invoice_check2', expression: '(open_amount >= 0) AND (open_amount <= total_amount)' },
    { name: 'invoice_check3', expression: '(credited_amount >= 0) AND (credited_amount <= total_amount)' },
    { name: 'invoice_check4', expression: '(discount_deadline IS NULL) = (discount_amount IS NULL)' },
    { name: 'invoice_currency_check', expression: "currency ~ '^[A-Z]{3}$'::text" },
    { name: 'invoice_discount_amount_check', expression: 'discount_amount >= 0' },
    { name: 'invoice_discount_rate_bp_check', expression: '(discount_rate_bp > 0) AND (discount_rate_bp < 10000)' },
    { name: 'invoice_fee_amount_check', expression: 'fee_amount >= 0' },
    { name: 'invoice_sequence_no_check', expression: 'sequence_no >= 1' },
    {
      name: 'invoice_status_check',
      expression:
        "\"status\" in ('held', 'issued', 'sent', 'due', 'overdue', 'partially_paid', 'paid', 'disputed', 'written_off', 'cancelled')",
    },
    { name: 'invoice_subtotal_amount_check', expression: 'subtotal_amount >= 0' },
    { name: 'invoice_tax_amount_check', expression: 'tax_amount >= 0' },
    {
      name: 'invoice_total_includes_fees',
      expression: '(total_amount > 0) AND (total_amount = ((subtotal_amount + tax_amount) + fee_amount))',
    },
  ],
});
