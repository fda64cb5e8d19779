import { defineEntity, p } from '@mikro-orm/postgresql';
import { BankStatement } from './bank-statement.js';
import { Payment } from './payment.js';

export const BankStatementEntry = defineEntity({
  name: 'BankStatementEntry',
  tableName: 'bank_statement_entry',
  properties: {
    dedupeKey: p.text().primary(),
    bankStatementId: () =>
      p
        .manyToOne(BankStatement)
        .mapToPk()
        .fieldName('bank_statement_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('bank_statement_entry_bank_statement_id_fkey')
        .columnType('uuid'),
    position: p.integer(),
    creditDebit: p.text(),
    amount: p.bigint('number'),
    currency: p.character().length(3),
    bookingDate: p.date(),
    paymentId: () =>
      p
        .manyToOne(Payment)
        .mapToPk()
        .fieldName('payment_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('bank_statement_entry_payment_id_fkey')
        .columnType('uuid'),
    data: p.json(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    {
      name: 'bank_statement_entry_statement_idx',
      expression:
        'CREATE INDEX bank_statement_entry_statement_idx ON public.bank_statement_entry USING btree (bank_statement_id, "position")',
    },
  ],
  checks: [
    { name: 'bank_statement_entry_amount_check', expression: 'amount > 0' },
    { name: 'bank_statement_entry_credit_debit_check', expression: "\"credit_debit\" in ('credit', 'debit')" },
    {
      name: 'bank_statement_entry_iban_sealed',
      expression:
        "(((data -> 'transaction'::text) ->> 'counterpartyIban'::text) IS NULL) OR (((data -> 'transaction'::text) ->> 'counterpartyIban'::text) ~~ 'sealed:v1:%'::text)",
    },
  ],
});
