import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox of domain events. A change and its event commit in one transaction, so no event is lost and none is
 * invented. `position` orders the stream; `tx_id` lets a reader stop before transactions still in flight (a smaller
 * position can commit after a larger one). `dedupe_key` makes a retried writer record the event once.
 * Task comments and the task audit trail live here too.
 */
export class Migration0030DomainEvents extends Migration {
  override name = '0030-domain-events';

  override up(): void {
    this.addSql(`
      CREATE TABLE domain_event (
        position bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        customer_id uuid,
        data jsonb NOT NULL DEFAULT '{}',
        actor text,
        dedupe_key text UNIQUE,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        occurred_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX domain_event_entity_idx ON domain_event (entity_type, entity_id, position)');
    this.addSql('CREATE INDEX domain_event_customer_idx ON domain_event (customer_id, position)');
    this.addSql(`
      CREATE TABLE task_activity (
        id bigserial PRIMARY KEY,
        task_id uuid NOT NULL REFERENCES task (id),
        kind text NOT NULL CHECK (kind IN ('created', 'claimed', 'released', 'assigned', 'commented', 'escalated', 'completed', 'cancelled')),
        actor text NOT NULL,
        body text,
        data jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX task_activity_task_idx ON task_activity (task_id, id)');
    this.addSql(`ALTER TABLE task ADD COLUMN version integer NOT NULL DEFAULT 1`);
    this.addSql(`ALTER TABLE task ADD COLUMN claimed_at timestamptz`);
    this.addSql(`ALTER TABLE task ADD COLUMN escalated_at timestamptz`);
    this.addSql(`ALTER TABLE task ADD COLUMN customer_id uuid`);
    this.addSql(`CREATE INDEX task_assignee_idx ON task (assignee, status, sla_due_at)`);
    this.addSql(`CREATE INDEX task_sla_idx ON task (status, sla_due_at, id)`);
  }

  override down(): void {
    this.addSql('DROP TABLE task_activity');
    this.addSql('DROP TABLE domain_event');
    this.addSql(
      'ALTER TABLE task DROP COLUMN version, DROP COLUMN claimed_at, DROP COLUMN escalated_at, DROP COLUMN customer_id',
    );
  }
}
