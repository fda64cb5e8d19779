import { defineEntity, p } from '@mikro-orm/postgresql';

export const LedgerAccount = defineEntity({
  name: 'LedgerAccount',
  tableName: 'ledger_account',
  properties: {
    code: p.text().primary(),
    role: p.text(),
    name: p.text(),
    type: p.text(),
    requiresCustomer: p.boolean(),
  },
  uniques: [{ name: 'ledger_account_role_key', properties: ['role'] }],
  checks: [
    { name: 'ledger_account_type_check', expression: "\"type\" in ('asset', 'liability', 'income', 'expense')" },
  ],
});
