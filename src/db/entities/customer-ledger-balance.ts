import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';
import { LedgerAccount } from './ledger-account.js';

export const CustomerLedgerBalance = defineEntity({
  name: 'CustomerLedgerBalance',
  tableName: 'customer_ledger_balance',
  properties: {
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .primary()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_ledger_balance_customer_id_fkey')
        .columnType('uuid'),
    accountCode: () =>
      p
        .manyToOne(LedgerAccount)
        .mapToPk()
        .fieldName('account_code')
        .primary()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_ledger_balance_account_code_fkey')
        .columnType('text'),
    currency: p.character().length(3).primary(),
    balance: p.bigint('number'),
  },
  indexes: [{ name: 'customer_ledger_balance_range_idx', properties: ['accountCode', 'balance'] }],
});
