import { Migration } from '@mikro-orm/migrations';
import { DEFAULT_CHART } from '../../reports/rules/chart.js';

/**
 * The double-entry ledger. The database itself guarantees what the books depend on:
 * - every entry balances per currency and has at least two lines (deferred constraint triggers, checked at commit);
 * - entries and lines are append-only (UPDATE/DELETE/TRUNCATE raise), so corrections must be reversals;
 * - an idempotency key posts once (unique), and an entry is reversed at most once (unique reverses_entry_id);
 * - sub-ledger accounts (receivables, customer credit) carry the customer on every line.
 */
export class Migration0002Ledger extends Migration {
  override name = '0002-ledger';

  override up(): void {
    this.addSql(`
      CREATE TABLE ledger_account (
        code text PRIMARY KEY,
        role text NOT NULL UNIQUE,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('asset', 'liability', 'income', 'expense')),
        requires_customer boolean NOT NULL
      )`);
    for (const a of DEFAULT_CHART) {
      this.addSql(
        `INSERT INTO ledger_account (code, role, name, type, requires_customer) VALUES ('${a.code}', '${a.role}', '${a.name.replace(/'/g, "''")}', '${a.type}', ${a.requiresCustomer})`,
      );
    }
    this.addSql(`
      CREATE TABLE journal_entry (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        idempotency_key text NOT NULL UNIQUE,
        kind text NOT NULL,
        effective_date date NOT NULL,
        source_type text NOT NULL,
        source_id text NOT NULL,
        description text,
        reverses_entry_id uuid UNIQUE REFERENCES journal_entry (id),
        posted_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX journal_entry_source_idx ON journal_entry (source_type, source_id)');
    this.addSql('CREATE INDEX journal_entry_effective_idx ON journal_entry (effective_date)');
    this.addSql(`
      CREATE TABLE journal_line (
        id bigserial PRIMARY KEY,
        entry_id uuid NOT NULL REFERENCES journal_entry (id),
        line_no integer NOT NULL,
        account_code text NOT NULL REFERENCES ledger_account (code),
        customer_id uuid REFERENCES customer (id),
        debit bigint NOT NULL CHECK (debit >= 0),
        credit bigint NOT NULL CHECK (credit >= 0),
        currency char(3) NOT NULL,
        memo text,
        effective_date date NOT NULL,
        CHECK ((debit = 0) <> (credit = 0)),
        UNIQUE (entry_id, line_no)
      )`);
    this.addSql('CREATE INDEX journal_line_entry_idx ON journal_line (entry_id)');
    this.addSql('CREATE INDEX journal_line_customer_idx ON journal_line (customer_id, account_code, effective_date)');
    this.addSql('CREATE INDEX journal_line_account_idx ON journal_line (account_code, currency, effective_date)');

    // Lines inherit the entry's accounting date (reports as of a date read lines only) and sub-ledger lines must
    // name their customer.
    this.addSql(`
      CREATE FUNCTION journal_line_prepare() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT effective_date INTO NEW.effective_date FROM journal_entry WHERE id = NEW.entry_id;
        IF NEW.customer_id IS NULL AND (SELECT requires_customer FROM ledger_account WHERE code = NEW.account_code) THEN
          RAISE EXCEPTION 'account % is a customer sub-ledger: the line needs a customer', NEW.account_code USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    this.addSql(
      'CREATE TRIGGER journal_line_prepare BEFORE INSERT ON journal_line FOR EACH ROW EXECUTE FUNCTION journal_line_prepare()',
    );

    this.addSql(`
      CREATE FUNCTION journal_entry_assert_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        target uuid;
      BEGIN
        IF TG_TABLE_NAME = 'journal_entry' THEN target := NEW.id; ELSE target := NEW.entry_id; END IF;
        IF (SELECT count(*) FROM journal_line WHERE entry_id = target) < 2 THEN
          RAISE EXCEPTION 'journal entry % has fewer than two lines', target USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM journal_line WHERE entry_id = target GROUP BY currency HAVING sum(debit) <> sum(credit)) THEN
          RAISE EXCEPTION 'journal entry % does not balance', target USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    this.addSql(`CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON journal_entry
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_assert_balanced()`);
    this.addSql(`CREATE CONSTRAINT TRIGGER journal_line_balanced AFTER INSERT ON journal_line
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_assert_balanced()`);

    this.addSql(`
      CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the journal is append-only: post a reversal instead of changing %', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END $$`);
    for (const table of ['journal_entry', 'journal_line']) {
      this.addSql(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION journal_append_only()`,
      );
      this.addSql(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only()`,
      );
    }
  }
}
