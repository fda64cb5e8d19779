import { Migration } from '@mikro-orm/migrations';

/**
 * The audit of decisions on human tasks and approvals, kept in PostgreSQL so it outlives the retention of workflow
 * histories: who decided (credential kind, id and display name), with which roles and which approval authority, on
 * what amount, with what outcome, under which policy version, for which task and workflow run, and when. A completion
 * writes its row in the transaction that marks the task completed, once per workflow id + task id
 * (`decision_key`); attempts refused for authority or four eyes are rows too (outcome `refused`, no key). Rows are
 * never changed or deleted.
 *
 * `task_decision_context` carries what only the API knows about the person completing a task (roles, display name,
 * ceiling) to the activity that records the completion; the activity consumes it in the same transaction.
 */
export class Migration0133DecisionAudit extends Migration {
  override name = '0133-decision-audit';

  override up(): void {
    this.addSql(`
      CREATE TABLE decision_audit (
        id uuid PRIMARY KEY,
        decision_key text UNIQUE,
        outcome text NOT NULL CHECK (length(outcome) > 0),
        refusal jsonb,
        actor text NOT NULL,
        actor_kind text CHECK (actor_kind IN ('user', 'api_key', 'token')),
        actor_id text,
        actor_name text,
        roles text[] NOT NULL DEFAULT '{}',
        authority jsonb,
        amount bigint,
        currency text CHECK (currency ~ '^[A-Z]{3}$'),
        policy_version text,
        task_id uuid NOT NULL,
        task_type text NOT NULL,
        subject_type text,
        subject_id text,
        customer_id uuid,
        workflow_id text,
        run_id text,
        comment text,
        data jsonb NOT NULL DEFAULT '{}',
        decided_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((outcome = 'refused') = (refusal IS NOT NULL)),
        CHECK ((amount IS NULL) = (currency IS NULL))
      )`);
    this.addSql('CREATE INDEX decision_audit_time_idx ON decision_audit (decided_at DESC, id DESC)');
    this.addSql(
      'CREATE INDEX decision_audit_customer_idx ON decision_audit (customer_id, decided_at DESC) WHERE customer_id IS NOT NULL',
    );
    this.addSql('CREATE INDEX decision_audit_task_idx ON decision_audit (task_id)');
    this.addSql(`
      CREATE FUNCTION decision_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the decision audit is append-only' USING ERRCODE = 'restrict_violation';
      END $$`);
    this.addSql(
      'CREATE TRIGGER decision_audit_no_change BEFORE UPDATE OR DELETE ON decision_audit FOR EACH ROW EXECUTE FUNCTION decision_audit_append_only()',
    );
    this.addSql(
      'CREATE TRIGGER decision_audit_no_truncate BEFORE TRUNCATE ON decision_audit FOR EACH STATEMENT EXECUTE FUNCTION decision_audit_append_only()',
    );
    this.addSql(`
      CREATE TABLE task_decision_context (
        task_id uuid NOT NULL,
        actor text NOT NULL,
        context jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (task_id, actor)
      )`);
  }

  override down(): void {
    this.addSql('DROP TABLE task_decision_context');
    this.addSql('DROP TABLE decision_audit');
    this.addSql('DROP FUNCTION decision_audit_append_only()');
  }
}
