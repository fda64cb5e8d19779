import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import { resealBankAccounts } from '../../payments/store/sealed-bank-accounts.js';
import { resealCustomerTaxIds } from '../../customers/store/sealed-tax-id.js';
import { resealEventData } from '../../events/store/sealed-data.js';
import { resealStagedRows } from '../../imports/store/sealed-rows.js';

const SEALED = `LIKE 'sealed:v1:%'`;

/**
 * Tax ids and bank account numbers are sealed at rest (src/security/keyring.ts), each next to a keyed hash that exact
 * matching compares (src/security/match-hash.ts): customer.tax_id with tax_key (which held the comparable id in clear
 * and now holds its hash), bank_statement.account_iban with account_iban_hash, payment.counterparty's iban with
 * counterparty_iban_hash; the copies in the audit trail, the outbox, staged import rows, statement entries and research
 * tasks are sealed too, and dedupe keys name the account by its hash.
 *
 * Existing clear values are sealed here, in code and in this migration's transaction, because sealing needs the data
 * key, which only the application holds: after this migration commits no clear value is left and every hash is in
 * place, so there is no window in which duplicate detection compares clear keys with hashes (as there would be if
 * the move waited for an operator to run `npm run ar -- reseal`). The CHECK constraints then refuse any clear value
 * written later. Run it with the production DATA_ENCRYPTION_KEYS and DATA_HASH_KEY set, as start-up does.
 */
export class Migration0134SealedIdentifiers extends Migration {
  override name = '0134-sealed-identifiers';

  override async up(): Promise<void> {
    await this.execute('ALTER TABLE bank_statement ADD COLUMN account_iban_hash text');
    await this.execute('ALTER TABLE payment ADD COLUMN counterparty_iban_hash text');
    // Recognising a payer by the account the money came from: one index probe per payment.
    await this.execute(
      'CREATE INDEX payment_counterparty_iban_hash_idx ON payment (counterparty_iban_hash) WHERE counterparty_iban_hash IS NOT NULL',
    );
    await this.execute(
      'CREATE INDEX bank_statement_account_iban_hash_idx ON bank_statement (account_iban_hash) WHERE account_iban_hash IS NOT NULL',
    );

    const em = this.getEntityManager() as unknown as EntityManager;
    await resealCustomerTaxIds(em);
    await resealBankAccounts(em);
    await resealEventData(em);
    await resealStagedRows(em);

    await this.execute(`ALTER TABLE customer
      ADD CONSTRAINT customer_tax_id_sealed CHECK (tax_id IS NULL OR tax_id ${SEALED}),
      ADD CONSTRAINT customer_tax_key_hashed CHECK (tax_key IS NULL OR tax_key ~ '^[0-9a-f]{64}$')`);
    const historyValue = (column: string) =>
      `(CASE WHEN field = 'taxId' THEN ${column}->>'value' ELSE ${column}->'taxId'->>'value' END)`;
    await this.execute(`ALTER TABLE customer_history ADD CONSTRAINT customer_history_tax_id_sealed CHECK (
      (${historyValue('old_value')} IS NULL OR ${historyValue('old_value')} ${SEALED}) AND (${historyValue('new_value')} IS NULL OR ${historyValue('new_value')} ${SEALED}))`);
    await this.execute(`ALTER TABLE bank_statement
      ADD CONSTRAINT bank_statement_account_sealed CHECK (account_iban IS NULL OR (account_iban ${SEALED} AND account_iban_hash IS NOT NULL))`);
    await this.execute(`ALTER TABLE payment
      ADD CONSTRAINT payment_counterparty_iban_sealed CHECK (counterparty->>'iban' IS NULL OR (counterparty->>'iban' ${SEALED} AND counterparty_iban_hash IS NOT NULL))`);
    await this.execute(`ALTER TABLE bank_statement_entry
      ADD CONSTRAINT bank_statement_entry_iban_sealed CHECK (data->'transaction'->>'counterpartyIban' IS NULL OR data->'transaction'->>'counterpartyIban' ${SEALED})`);
    await this.execute(`ALTER TABLE task
      ADD CONSTRAINT task_counterparty_iban_sealed CHECK (payload->'counterparty'->>'iban' IS NULL OR payload->'counterparty'->>'iban' ${SEALED})`);
    await this.execute(`ALTER TABLE domain_event
      ADD CONSTRAINT domain_event_tax_id_sealed CHECK (data->'customer'->'taxId'->>'value' IS NULL OR data->'customer'->'taxId'->>'value' ${SEALED})`);
    const staged = `(CASE jsonb_typeof(payload->'taxId') WHEN 'string' THEN payload->>'taxId' WHEN 'object' THEN payload->'taxId'->>'value' END)`;
    await this.execute(
      `ALTER TABLE import_row ADD CONSTRAINT import_row_tax_id_sealed CHECK (coalesce(${staged}, '') = '' OR ${staged} ${SEALED})`,
    );
    await this.execute(
      `COMMENT ON COLUMN customer.tax_key IS 'HMAC-SHA-256 of the comparable tax id (src/customers/store/sealed-tax-id.ts)'`,
    );
  }
}
