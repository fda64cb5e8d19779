import { Migration } from '@mikro-orm/migrations';

/**
 * Disputes of invoices and what their resolution did.
 * - `dispute` is the record of truth for reports and the API; its workflow `dispute-<id>` holds the process (SLA
 *   clock, tasks). `lines` is null when the whole invoice is disputed, else the disputed invoice line numbers. While a
 *   dispute is active (open, awaiting_info) its invoice has status `disputed`.
 * - `dispute_effect` makes every ledger effect of a resolution idempotent: the key (`dispute-<id>:<step>`) commits in
 *   the transaction that posts the credit note or issues the corrected invoice, so a retried activity finds it.
 * - `dispute_instalment` is a payment plan agreed in a dispute, each instalment tracked (pending, kept, missed).
 */
export class Migration0050Disputes extends Migration {
  override name = '0050-disputes';

  override up(): void {
    this.addSql(`
      CREATE TABLE dispute (
        id uuid PRIMARY KEY,
        invoice_id uuid NOT NULL REFERENCES invoice (id),
        customer_id uuid NOT NULL REFERENCES customer (id),
        category text NOT NULL CHECK (category IN ('pricing', 'quantity', 'quality', 'delivery', 'documentation', 'other')),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'awaiting_info', 'resolved', 'withdrawn')),
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        reason text NOT NULL CHECK (length(btrim(reason)) > 0),
        lines jsonb,
        attachments jsonb NOT NULL DEFAULT '[]',
        correspondence jsonb NOT NULL DEFAULT '[]',
        queue text,
        outcome jsonb,
        root_cause_category text,
        root_cause_note text,
        policy_version text,
        opened_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz,
        acknowledged_by text,
        sla_due_at timestamptz,
        escalated_at timestamptz,
        resolved_at timestamptz,
        opened_by text NOT NULL,
        channel text NOT NULL DEFAULT 'staff' CHECK (channel IN ('staff', 'portal')),
        workflow_id text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status IN ('resolved', 'withdrawn')) = (resolved_at IS NOT NULL)),
        CHECK (lines IS NULL OR jsonb_typeof(lines) = 'array')
      )`);
    this.addSql('CREATE INDEX dispute_invoice_idx ON dispute (invoice_id, opened_at)');
    this.addSql('CREATE INDEX dispute_customer_idx ON dispute (customer_id, opened_at)');
    this.addSql('CREATE INDEX dispute_list_idx ON dispute (opened_at DESC, id DESC)');
    this.addSql(
      `CREATE INDEX dispute_active_idx ON dispute (status, sla_due_at) WHERE status IN ('open', 'awaiting_info')`,
    );
    this.addSql(`
      CREATE TABLE dispute_effect (
        idempotency_key text PRIMARY KEY,
        dispute_id uuid NOT NULL REFERENCES dispute (id),
        kind text NOT NULL CHECK (kind IN ('credit_note', 'reissue')),
        credit_note_id uuid REFERENCES credit_note (id),
        invoice_id uuid REFERENCES invoice (id),
        amount bigint NOT NULL DEFAULT 0 CHECK (amount >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX dispute_effect_dispute_idx ON dispute_effect (dispute_id)');
    this.addSql(`
      CREATE TABLE dispute_instalment (
        dispute_id uuid NOT NULL REFERENCES dispute (id),
        seq integer NOT NULL CHECK (seq >= 1),
        due_date date NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'kept', 'missed', 'cancelled')),
        checked_at timestamptz,
        PRIMARY KEY (dispute_id, seq)
      )`);
  }

  override down(): void {
    this.addSql('DROP TABLE dispute_instalment');
    this.addSql('DROP TABLE dispute_effect');
    this.addSql('DROP TABLE dispute');
  }
}
