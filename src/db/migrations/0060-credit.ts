import { Migration } from '@mikro-orm/migrations';

/**
 * Credit management.
 * - `credit_review`: one row per review workflow `credit-review-<customerId>-<seq>` (application, periodic or early),
 *   with the application figures, the bureau report used, the full scorecard result (every input, point and
 *   weight), the approver the authority matrix chose and the decision. `request_key` makes a retried start reuse
 *   the same review.
 * - `credit_bureau_report`: reports pulled from a bureau; a report younger than the policy's `bureauMaxAge` is reused.
 * - `customer.credit_decision`: the latest decision on the customer (limit, risk class, approver, next review), next
 *   to `credit_limit` and `risk_segment`, which the decision writes through the profile path.
 * - `invoice.status` gains `held` (issued but awaiting a credit override before delivery); `credit_hold` records why
 *   it was held and `credit_override` who released or rejected it.
 */
export class Migration0060Credit extends Migration {
  override name = '0060-credit';

  override up(): void {
    this.addSql(`
      CREATE TABLE credit_review (
        workflow_id text PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customer (id),
        seq integer NOT NULL CHECK (seq > 0),
        trigger text NOT NULL CHECK (trigger IN ('application', 'periodic', 'early')),
        reasons text[] NOT NULL DEFAULT '{}',
        request_key text UNIQUE,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'awaiting_approval', 'decided', 'failed')),
        currency char(3) NOT NULL,
        requested_limit bigint CHECK (requested_limit >= 0),
        application jsonb,
        bureau jsonb,
        scorecard jsonb,
        policy_version text,
        risk_class text CHECK (risk_class IN ('low', 'medium', 'high')),
        recommended_limit bigint,
        approver text,
        task_id uuid,
        outcome text CHECK (outcome IN ('approved', 'rejected')),
        approved_limit bigint CHECK (approved_limit >= 0),
        previous_limit bigint,
        decided_by text,
        decision_comment text,
        next_review_date date,
        requested_by text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        UNIQUE (customer_id, seq)
      )`);
    this.addSql('CREATE INDEX credit_review_customer_idx ON credit_review (customer_id, seq DESC)');
    this.addSql(`
      CREATE TABLE credit_bureau_report (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customer (id),
        provider text NOT NULL,
        reference text NOT NULL,
        score integer NOT NULL CHECK (score BETWEEN 0 AND 100),
        data jsonb NOT NULL DEFAULT '{}',
        pulled_at timestamptz NOT NULL DEFAULT now(),
        pulled_for text NOT NULL UNIQUE
      )`);
    this.addSql('CREATE INDEX credit_bureau_report_customer_idx ON credit_bureau_report (customer_id, pulled_at DESC)');
    this.addSql('ALTER TABLE customer ADD COLUMN credit_decision jsonb');
    // The status CHECK was declared inline (its name is generated): find it by its definition.
    this.addSql(`
      DO $$ DECLARE c text; BEGIN
        FOR c IN SELECT conname FROM pg_constraint
          WHERE conrelid = 'invoice'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%''partially_paid''%'
        LOOP EXECUTE format('ALTER TABLE invoice DROP CONSTRAINT %I', c); END LOOP;
      END $$`);
    this.addSql(`ALTER TABLE invoice ADD CONSTRAINT invoice_status_check CHECK (status IN
      ('held', 'issued', 'sent', 'due', 'overdue', 'partially_paid', 'paid', 'disputed', 'written_off', 'cancelled'))`);
    this.addSql('ALTER TABLE invoice ADD COLUMN credit_hold jsonb');
    this.addSql('ALTER TABLE invoice ADD COLUMN credit_override jsonb');
    this.addSql(`CREATE INDEX invoice_held_idx ON invoice (customer_id) WHERE status = 'held'`);
  }

  override down(): void {
    this.addSql('DROP INDEX invoice_held_idx');
    this.addSql('ALTER TABLE invoice DROP COLUMN credit_override, DROP COLUMN credit_hold');
    this.addSql('ALTER TABLE invoice DROP CONSTRAINT invoice_status_check');
    this.addSql(`ALTER TABLE invoice ADD CONSTRAINT invoice_status_check CHECK (status IN
      ('issued', 'sent', 'due', 'overdue', 'partially_paid', 'paid', 'disputed', 'written_off', 'cancelled'))`);
    this.addSql('ALTER TABLE customer DROP COLUMN credit_decision');
    this.addSql('DROP TABLE credit_bureau_report');
    this.addSql('DROP TABLE credit_review');
  }
}
