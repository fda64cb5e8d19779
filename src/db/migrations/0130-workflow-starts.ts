import { Migration } from '@mikro-orm/migrations';

/**
 * Workflow starts recorded in the transaction that writes the row a workflow is for. The workflow is started only
 * after that transaction commits (at once by the request, or by the relay if the request's process died or the
 * workflow service was unreachable), so its first activity always finds the row, and a rolled-back request leaves
 * neither a row nor a workflow.
 */
export class Migration0130WorkflowStarts extends Migration {
  override name = '0130-workflow-starts';

  override up(): void {
    this.addSql(`CREATE TABLE workflow_start (
      workflow_id text PRIMARY KEY,
      workflow_type text NOT NULL,
      task_queue text NOT NULL,
      args json NOT NULL, -- json, not jsonb: the arguments reach the workflow exactly as written, key order included
      entity_type text NOT NULL,
      customer_id uuid,
      request_id text,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      next_attempt_at timestamptz NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      started_at timestamptz,
      run_id text
    )`);
    this.addSql('CREATE INDEX workflow_start_pending_idx ON workflow_start (next_attempt_at) WHERE started_at IS NULL');
  }

  override down(): void {
    this.addSql('DROP TABLE workflow_start');
  }
}
