import { Migration } from '@mikro-orm/migrations';
import { DEFAULT_DUNNING_POLICY, DEFAULT_DUNNING_POLICY_CODE } from '../../collections/rules/dunning-policy.js';

/**
 * Collections: versioned dunning policies and their assignment (per risk segment, overridable per customer), every
 * contact, promises to pay, late fees, write-offs with later recoveries, and one row per customer mirroring its
 * collection workflow for the collector worklist.
 * - Late fees are charged onto the invoice they are levied on: `invoice.fee_amount` raises `total_amount` and
 *   `open_amount` in the same transaction as the Dr AR / Cr late-fee-income entry, so the AR invariant (control
 *   account = open invoices) and `applyToInvoice` keep working unchanged and a payment of the invoice pays its fees.
 *   The total's CHECK becomes subtotal + tax + fees. `late_fee` is unique per (invoice, level): one fee per level.
 * - `invoice.overdue_at` is the instant the invoice workflow turned the invoice overdue (its timer, not the worker's
 *   clock), the anchor of "past due for" triggers at second precision; older rows fall back to `overdue_since`.
 */
export class Migration0040Collections extends Migration {
  override name = '0040-collections';

  override up(): void {
    this.addSql(`ALTER TABLE invoice ADD COLUMN fee_amount bigint NOT NULL DEFAULT 0 CHECK (fee_amount >= 0)`);
    this.addSql(`ALTER TABLE invoice ADD COLUMN overdue_at timestamptz`);
    // The unnamed CHECK of 0010 (total = subtotal + tax) is found by its definition, then replaced.
    this.addSql(`
      DO $$ DECLARE c text; BEGIN
        SELECT conname INTO c FROM pg_constraint
         WHERE conrelid = 'invoice'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%total_amount = (subtotal_amount + tax_amount)%';
        IF c IS NOT NULL THEN EXECUTE format('ALTER TABLE invoice DROP CONSTRAINT %I', c); END IF;
      END $$`);
    this.addSql(
      `ALTER TABLE invoice ADD CONSTRAINT invoice_total_includes_fees CHECK (total_amount > 0 AND total_amount = subtotal_amount + tax_amount + fee_amount)`,
    );

    this.addSql(`
      CREATE TABLE dunning_policy (
        code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
        version integer NOT NULL CHECK (version >= 1),
        definition jsonb NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (code, version)
      )`);
    this.addSql(`
      CREATE TABLE dunning_policy_assignment (
        segment text PRIMARY KEY CHECK (segment IN ('default', 'low', 'medium', 'high')),
        policy_code text NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE customer_dunning_policy (
        customer_id uuid PRIMARY KEY REFERENCES customer (id),
        policy_code text NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Dollar-quoted: the seeded SOP is JSON and contains no `$seed$`.
    this.addSql(`INSERT INTO dunning_policy (code, version, definition, created_by)
      VALUES ('${DEFAULT_DUNNING_POLICY_CODE}', 1, $seed$${JSON.stringify(DEFAULT_DUNNING_POLICY)}$seed$::jsonb, 'system')`);
    this.addSql(
      `INSERT INTO dunning_policy_assignment (segment, policy_code, updated_by) VALUES ('default', '${DEFAULT_DUNNING_POLICY_CODE}', 'system')`,
    );

    this.addSql(`
      CREATE TABLE collection_contact (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customer (id),
        at timestamptz NOT NULL,
        channel text NOT NULL CHECK (channel IN ('email', 'letter', 'sms', 'call', 'visit', 'agency')),
        template text,
        level text,
        outcome text NOT NULL,
        note text,
        by text NOT NULL,
        invoice_ids uuid[] NOT NULL DEFAULT '{}',
        message_id text,
        task_id uuid,
        workflow_id text,
        idempotency_key text UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX collection_contact_customer_idx ON collection_contact (customer_id, at, id)');

    this.addSql(`
      CREATE TABLE promise_to_pay (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customer (id),
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        promised_date date NOT NULL,
        invoice_ids uuid[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'broken', 'cancelled')),
        baseline_amount bigint NOT NULL CHECK (baseline_amount >= amount),
        deadline_at timestamptz NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz
      )`);
    this.addSql('CREATE INDEX promise_to_pay_customer_idx ON promise_to_pay (customer_id, created_at)');

    this.addSql(`
      CREATE TABLE late_fee (
        id uuid PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        invoice_id uuid NOT NULL REFERENCES invoice (id),
        customer_id uuid NOT NULL REFERENCES customer (id),
        level text NOT NULL,
        policy_code text NOT NULL,
        policy_version integer NOT NULL,
        currency char(3) NOT NULL,
        fixed_amount bigint NOT NULL CHECK (fixed_amount >= 0),
        interest_amount bigint NOT NULL CHECK (interest_amount >= 0),
        amount bigint NOT NULL CHECK (amount > 0 AND amount = fixed_amount + interest_amount),
        principal bigint NOT NULL,
        days integer NOT NULL,
        annual_rate_bp integer,
        day_count_basis integer CHECK (day_count_basis IN (360, 365)),
        entry_id uuid NOT NULL REFERENCES journal_entry (id),
        charged_at timestamptz NOT NULL,
        UNIQUE (invoice_id, level)
      )`);

    this.addSql(`
      CREATE TABLE write_off (
        id uuid PRIMARY KEY,
        invoice_id uuid NOT NULL UNIQUE REFERENCES invoice (id),
        customer_id uuid NOT NULL REFERENCES customer (id),
        currency char(3) NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        recovered_amount bigint NOT NULL DEFAULT 0 CHECK (recovered_amount >= 0 AND recovered_amount <= amount),
        entry_id uuid NOT NULL REFERENCES journal_entry (id),
        approved_by text NOT NULL,
        task_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX write_off_customer_idx ON write_off (customer_id, created_at)');
    this.addSql(`
      CREATE TABLE write_off_recovery (
        id uuid PRIMARY KEY,
        write_off_id uuid NOT NULL REFERENCES write_off (id),
        amount bigint NOT NULL CHECK (amount > 0),
        entry_id uuid NOT NULL REFERENCES journal_entry (id),
        received_on date NOT NULL,
        reference text,
        by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    this.addSql(`
      CREATE TABLE collection_case (
        customer_id uuid PRIMARY KEY REFERENCES customer (id),
        workflow_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'closed')),
        policy_code text NOT NULL,
        policy_version integer NOT NULL,
        level integer NOT NULL,
        level_name text,
        currency char(3) NOT NULL,
        overdue_amount bigint NOT NULL,
        oldest_overdue_at timestamptz,
        next_action text,
        next_action_at timestamptz,
        paused_until timestamptz,
        contacts integer NOT NULL DEFAULT 0,
        revision bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`CREATE INDEX collection_case_worklist_idx ON collection_case (status, next_action_at)`);
  }

  override down(): void {
    for (const table of [
      'collection_case',
      'write_off_recovery',
      'write_off',
      'late_fee',
      'promise_to_pay',
      'collection_contact',
      'customer_dunning_policy',
      'dunning_policy_assignment',
      'dunning_policy',
    ]) {
      this.addSql(`DROP TABLE ${table}`);
    }
    this.addSql('ALTER TABLE invoice DROP CONSTRAINT invoice_total_includes_fees');
    this.addSql(
      'ALTER TABLE invoice ADD CONSTRAINT invoice_total_amount_check CHECK (total_amount > 0 AND total_amount = subtotal_amount + tax_amount)',
    );
    this.addSql('ALTER TABLE invoice DROP COLUMN overdue_at, DROP COLUMN fee_amount');
  }
}
