import { defineEntity, p } from '@mikro-orm/postgresql';
import { LedgerAccount } from './ledger-account.js';

export const ArOpenItem = defineEntity({
  name: 'ArOpenItem',
  tableName: 'ar_open_item',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    itemType: p.text(),
    ref: p.text(),
    accountCode: () =>
      p
        .manyToOne(LedgerAccount)
        .mapToPk()
        .fieldName('account_code')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('ar_open_item_account_code_fkey')
        .columnType('text'),
    customerId: p.uuid(),
    currency: p.character().length(3),
    invoiceId: p.uuid().nullable(),
    openedOn: p.date(),
    issueDate: p.date().nullable(),
    dueDate: p.date().nullable(),
    balance: p.bigint('number'),
  },
  indexes: [
    {
      name: 'ar_open_item_aging_idx',
      expression:
        'CREATE INDEX ar_open_item_aging_idx ON public.ar_open_item USING btree (currency, customer_id) INCLUDE (item_type, due_date, issue_date, opened_on, balance) WHERE (balance <> 0)',
    },
    { name: 'ar_open_item_customer_idx', properties: ['customerId', 'currency'] },
    {
      name: 'ar_open_item_invoice_idx',
      expression:
        'CREATE INDEX ar_open_item_invoice_idx ON public.ar_open_item USING btree (invoice_id) WHERE (invoice_id IS NOT NULL)',
    },
    {
      name: 'ar_open_item_open_idx',
      expression:
        'CREATE INDEX ar_open_item_open_idx ON public.ar_open_item USING btree (currency, customer_id) WHERE (balance <> 0)',
    },
  ],
  uniques: [
    {
      name: 'ar_open_item_item_type_ref_account_code_customer_id_currenc_key',
      properties: ['itemType', 'ref', 'accountCode', 'customerId', 'currency'],
    },
  ],
  checks: [{ name: 'ar_open_item_item_type_check', expression: "\"item_type\" in ('invoice', 'credit', 'other')" }],
});
