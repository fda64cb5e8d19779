import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { Invoice } from './invoice.js';

export const Dispute = defineEntity({
  name: 'Dispute',
  tableName: 'dispute',
  properties: {
    id: p.uuid().primary(),
    invoiceId: () =>
      p
        .manyToOne(Invoice)
        .mapToPk()
        .fieldName('invoice_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('dispute_invoice_id_fkey')
        .columnType('uuid'),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('dispute_customer_id_fkey')
        .columnType('uuid'),
    category: p.text(),
    status: p.text().defaultRaw("'open'"),
    amount: p.bigint('number'),
    currency: p.character().length(3),
    reason: p.text(),
    lines: p.json().nullable(),
    attachments: p.json().defaultRaw("'[]'"),
    correspondence: p.json().defaultRaw("'[]'"),
    queue: p.text().nullable(),
    outcome: p.json().nullable(),
    rootCauseCategory: p.text().nullable(),
    rootCauseNote: p.text().nullable(),
    policyVersion: p.text().nullable(),
    openedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    acknowledgedAt: p.datetime().columnType('timestamptz').nullable(),
    acknowledgedBy: p.text().nullable(),
    slaDueAt: p.datetime().columnType('timestamptz').nullable(),
    escalatedAt: p.datetime().columnType('timestamptz').nullable(),
    resolvedAt: p.datetime().columnType('timestamptz').nullable(),
    openedBy: p.text(),
    channel: p.text().defaultRaw("'staff'"),
    workflowId: p.text(),
    version: p.integer().defaultRaw('1'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    {
      name: 'dispute_active_idx',
      expression:
        "CREATE INDEX dispute_active_idx ON public.dispute USING btree (status, sla_due_at) WHERE (status = ANY (ARRAY['open'::text, 'awaiting_info'::text]))",
    },
    { name: 'dispute_customer_idx', properties: ['customerId', 'openedAt'] },
    { name: 'dispute_invoice_idx', properties: ['invoiceId', 'openedAt'] },
    {
      name: 'dispute_list_idx',
      expression: 'CREATE INDEX dispute_list_idx ON public.dispute USING btree (opened_at DESC, id DESC)',
    },
  ],
  checks: [
    { name: 'dispute_amount_check', expression: 'amount > 0' },
    {
      name: 'dispute_category_check',
      expression: "\"category\" in ('pricing', 'quantity', 'quality', 'delivery', 'documentation', 'other')",
    },
    { name: 'dispute_channel_check', expression: "\"channel\" in ('staff', 'portal')" },
    {
      name: 'dispute_check',
      expression: "(status = ANY (ARRAY['resolved'::text, 'withdrawn'::text])) = (resolved_at IS NOT NULL)",
    },
    { name: 'dispute_currency_check', expression: "currency ~ '^[A-Z]{3}$'::text" },
    { name: 'dispute_lines_check', expression: "(lines IS NULL) OR (jsonb_typeof(lines) = 'array'::text)" },
    { name: 'dispute_reason_check', expression: 'length(btrim(reason)) > 0' },
    { name: 'dispute_status_check', expression: "\"status\" in ('open', 'awaiting_info', 'resolved', 'withdrawn')" },
  ],
});
