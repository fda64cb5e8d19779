import { Migration } from '@mikro-orm/migrations';

/**
 * Payments, their allocations to invoices, imported bank statements and the task store.
 * - `payment.applied_amount + unapplied_amount = amount` always (CHECK): what is not applied to invoices is customer
 *   credit (known payer) or unapplied cash (unknown payer) and stays available for `POST /payments/:id/allocations`.
 * - `payment.source_key` is the dedupe key of the bank statement entry that created the payment (unique), so
 *   re-importing a file creates nothing new.
 * - `payment_allocation.idempotency_key` is the journal key of the allocation (`payment-<id>:alloc-<invoiceId>`), and
 *   `rule` records why the money went there (remittance, reference, exact_amount, ...).
 * - `task` is the human task store (research of old unapplied cash now; the task inbox later). `unique_key` makes
 *   creation idempotent per workflow step.
 */
export class Migration0020Payments extends Migration {
  override name = '0020-payments';

  override up(): void {
    this.addSql(`
      CREATE TABLE bank_statement (
        id uuid PRIMARY KEY,
        format text NOT NULL CHECK (format IN ('camt053', 'csv')),
        file_sha256 text NOT NULL UNIQUE,
        statement_ref text,
        account_iban text,
        currency char(3),
        entry_count integer NOT NULL CHECK (entry_count >= 0),
        created_count integer NOT NULL CHECK (created_count >= 0),
        duplicate_count integer NOT NULL CHECK (duplicate_count >= 0),
        skipped_count integer NOT NULL CHECK (skipped_count >= 0),
        entries_json jsonb NOT NULL DEFAULT '[]',
        created_by text NOT NULL DEFAULT 'api',
        imported_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE payment (
        id uuid PRIMARY KEY,
        customer_id uuid REFERENCES customer (id),
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        method text NOT NULL CHECK (method IN ('card', 'ach', 'wire', 'check', 'cash')),
        received_at timestamptz NOT NULL,
        reference text NOT NULL DEFAULT '',
        remittance jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'applied', 'partially_applied', 'unapplied')),
        applied_amount bigint NOT NULL DEFAULT 0 CHECK (applied_amount >= 0),
        unapplied_amount bigint NOT NULL CHECK (unapplied_amount >= 0),
        discount_amount bigint NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
        source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'bank_statement')),
        source_key text UNIQUE,
        bank_statement_id uuid REFERENCES bank_statement (id),
        counterparty jsonb,
        applied_at timestamptz,
        created_by text NOT NULL DEFAULT 'api',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (applied_amount + unapplied_amount = amount)
      )`);
    this.addSql('CREATE INDEX payment_customer_idx ON payment (customer_id, received_at)');
    this.addSql('CREATE INDEX payment_list_idx ON payment (created_at DESC, id DESC)');
    this.addSql(`CREATE INDEX payment_unapplied_idx ON payment (received_at) WHERE unapplied_amount > 0`);
    this.addSql(`
      CREATE TABLE payment_allocation (
        id uuid PRIMARY KEY,
        payment_id uuid NOT NULL REFERENCES payment (id),
        seq integer NOT NULL CHECK (seq >= 1),
        invoice_id uuid NOT NULL REFERENCES invoice (id),
        customer_id uuid NOT NULL REFERENCES customer (id),
        currency char(3) NOT NULL,
        amount bigint NOT NULL CHECK (amount >= 0),
        discount_amount bigint NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
        funded_from text NOT NULL CHECK (funded_from IN ('cash', 'customer_credit', 'unapplied_cash')),
        rule text NOT NULL CHECK (rule IN ('remittance', 'reference', 'exact_amount', 'amount_combination', 'oldest_first', 'manual')),
        idempotency_key text NOT NULL UNIQUE,
        entry_id uuid REFERENCES journal_entry (id),
        discount_entry_id uuid REFERENCES journal_entry (id),
        created_by text NOT NULL DEFAULT 'system',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (payment_id, seq),
        CHECK (amount + discount_amount > 0)
      )`);
    this.addSql('CREATE INDEX payment_allocation_invoice_idx ON payment_allocation (invoice_id, created_at)');
    this.addSql(`
      CREATE TABLE bank_statement_entry (
        dedupe_key text PRIMARY KEY,
        bank_statement_id uuid NOT NULL REFERENCES bank_statement (id),
        position integer NOT NULL,
        credit_debit text NOT NULL CHECK (credit_debit IN ('credit', 'debit')),
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        booking_date date NOT NULL,
        payment_id uuid REFERENCES payment (id),
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(
      'CREATE INDEX bank_statement_entry_statement_idx ON bank_statement_entry (bank_statement_id, position)',
    );
    this.addSql(`
      CREATE TABLE task (
        id uuid PRIMARY KEY,
        unique_key text NOT NULL UNIQUE,
        type text NOT NULL,
        queue text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'completed', 'cancelled')),
        title text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        workflow_id text,
        assignee text,
        sla_due_at timestamptz,
        payload jsonb NOT NULL DEFAULT '{}',
        outcome jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CHECK ((status IN ('completed', 'cancelled')) = (completed_at IS NOT NULL))
      )`);
    this.addSql(`CREATE INDEX task_inbox_idx ON task (queue, status, sla_due_at)`);
    this.addSql('CREATE INDEX task_subject_idx ON task (subject_type, subject_id)');
  }

  override down(): void {
    this.addSql('DROP TABLE task');
    this.addSql('DROP TABLE bank_statement_entry');
    this.addSql('DROP TABLE payment_allocation');
    this.addSql('DROP TABLE payment');
    this.addSql('DROP TABLE bank_statement');
  }
}
