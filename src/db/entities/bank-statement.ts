import { defineEntity, p } from '@mikro-orm/postgresql';

export const BankStatement = defineEntity({
  name: 'BankStatement',
  tableName: 'bank_statement',
  properties: {
    id: p.uuid().primary(),
    format: p.text(),
    fileSha256: p.text(),
    statementRef: p.text().nullable(),
    accountIban: p.text().nullable(),
    currency: p.character().length(3).nullable(),
    entryCount: p.integer(),
    createdCount: p.integer(),
    duplicateCount: p.integer(),
    skippedCount: p.integer(),
    entriesJson: p.json().defaultRaw("'[]'"),
    createdBy: p.text().defaultRaw("'api'"),
    importedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    accountIbanHash: p.text().nullable(),
  },
  indexes: [
    {
      name: 'bank_statement_account_iban_hash_idx',
      expression:
        'CREATE INDEX bank_statement_account_iban_hash_idx ON public.bank_statement USING btree (account_iban_hash) WHERE (account_iban_hash IS NOT NULL)',
    },
  ],
  uniques: [{ name: 'bank_statement_file_sha256_key', properties: ['fileSha256'] }],
  checks: [
    {
      name: 'bank_statement_account_sealed',
      expression:
        "(account_iban IS NULL) OR ((account_iban ~~ 'sealed:v1:%'::text) AND (account_iban_hash IS NOT NULL))",
    },
    { name: 'bank_statement_created_count_check', expression: 'created_count >= 0' },
    { name: 'bank_statement_duplicate_count_check', expression: 'duplicate_count >= 0' },
    { name: 'bank_statement_entry_count_check', expression: 'entry_count >= 0' },
    { name: 'bank_statement_format_check', expression: "\"format\" in ('camt053', 'csv')" },
    { name: 'bank_statement_skipped_count_check', expression: 'skipped_count >= 0' },
  ],
});
