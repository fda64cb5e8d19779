import { Migration } from '@mikro-orm/migrations';

/**
 * Per-customer ledger balances maintained in the same transaction as the journal lines (a statement trigger on the
 * append-only journal_line), so the balance-range search is an index range scan instead of summing the journal.
 * `customerBalanceMismatches` (src/customers/store/balances.ts) proves the maintained figures equal the sum of the lines.
 */
export class Migration0006CustomerBalances extends Migration {
  override name = '0006-customer-balances';

  override up(): void {
    this.addSql(`
      CREATE TABLE customer_ledger_balance (
        customer_id uuid NOT NULL REFERENCES customer (id),
        account_code text NOT NULL REFERENCES ledger_account (code),
        currency char(3) NOT NULL,
        balance bigint NOT NULL,
        PRIMARY KEY (customer_id, account_code, currency)
      )`);
    this.addSql('CREATE INDEX customer_ledger_balance_range_idx ON customer_ledger_balance (account_code, balance)');
    this.addSql(`
      INSERT INTO customer_ledger_balance (customer_id, account_code, currency, balance)
      SELECT customer_id, account_code, currency, sum(debit - credit) FROM journal_line WHERE customer_id IS NOT NULL
       GROUP BY customer_id, account_code, currency`);
    // Rows are upserted in key order so two concurrent postings lock balances in the same order (no deadlock).
    this.addSql(`
      CREATE FUNCTION customer_ledger_balance_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_ledger_balance AS b (customer_id, account_code, currency, balance)
        SELECT customer_id, account_code, currency, sum(debit - credit) FROM new_lines WHERE customer_id IS NOT NULL
         GROUP BY customer_id, account_code, currency ORDER BY customer_id, account_code, currency
        ON CONFLICT (customer_id, account_code, currency) DO UPDATE SET balance = b.balance + EXCLUDED.balance;
        RETURN NULL;
      END $$`);
    this
      .addSql(`CREATE TRIGGER journal_line_customer_balance AFTER INSERT ON journal_line REFERENCING NEW TABLE AS new_lines
      FOR EACH STATEMENT EXECUTE FUNCTION customer_ledger_balance_apply()`);
  }
}
