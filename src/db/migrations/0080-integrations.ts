import { Migration } from '@mikro-orm/migrations';

/**
 * Integrations: webhook subscriptions with their deliveries and attempts, staged bulk imports, the ordering index
 * `GET /events` and the webhook dispatcher read the outbox by, and the opening-balance suspense account.
 * - A subscription keeps its own outbox cursor `(cursor_tx, cursor_position)`: the dispatcher fans events out into
 *   `webhook_delivery` (one row per subscription and event, unique) and advances the cursor in the same transaction,
 *   so a crash between a change and its delivery loses nothing and never fans an event out twice.
 * - Every HTTP attempt is a `webhook_attempt` row (status code, response excerpt, error, duration).
 * - An import is staged row by row (`import_row`) from the streamed upload, then processed in batches; each row ends
 *   `imported`, `skipped` (its external reference was imported before) or `rejected` with its problems.
 */
export class Migration0080Integrations extends Migration {
  override name = '0080-integrations';

  override up(): void {
    this.addSql('CREATE INDEX domain_event_stream_idx ON domain_event (tx_id, position)');
    this.addSql(`
      CREATE TABLE webhook_subscription (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        event_types text[] NOT NULL,
        secret text NOT NULL,
        description text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted')),
        cursor_tx xid8 NOT NULL,
        cursor_position bigint NOT NULL DEFAULT 0,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    this.addSql(`
      CREATE TABLE webhook_delivery (
        id uuid PRIMARY KEY,
        subscription_id uuid NOT NULL REFERENCES webhook_subscription (id),
        event_id uuid NOT NULL REFERENCES domain_event (id),
        event_position bigint NOT NULL,
        event_type text NOT NULL,
        entity_key text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        -- New and manually re-queued deliveries are due at once, whatever the dispatcher's clock says.
        due_now boolean NOT NULL DEFAULT true,
        first_attempt_at timestamptz,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        dead_at timestamptz,
        manual_retries integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (subscription_id, event_id)
      )`);
    this.addSql(
      `CREATE INDEX webhook_delivery_lane_idx ON webhook_delivery (subscription_id, entity_key, event_position) WHERE status = 'pending'`,
    );
    this.addSql('CREATE INDEX webhook_delivery_list_idx ON webhook_delivery (subscription_id, created_at DESC, id)');
    this.addSql(`CREATE INDEX webhook_delivery_dead_idx ON webhook_delivery (status, dead_at) WHERE status = 'dead'`);
    this.addSql(`
      CREATE TABLE webhook_attempt (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_delivery (id),
        attempt_no integer NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        status_code integer,
        response_excerpt text,
        error text,
        duration_ms integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
        UNIQUE (delivery_id, attempt_no)
      )`);
    this.addSql(`
      CREATE TABLE import_job (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('customers', 'invoices', 'opening_balances')),
        format text NOT NULL CHECK (format IN ('csv', 'jsonl')),
        status text NOT NULL DEFAULT 'staging' CHECK (status IN ('staging', 'processing', 'completed', 'failed')),
        options jsonb NOT NULL DEFAULT '{}',
        total_rows integer NOT NULL DEFAULT 0,
        processed_rows integer NOT NULL DEFAULT 0,
        imported_rows integer NOT NULL DEFAULT 0,
        skipped_rows integer NOT NULL DEFAULT 0,
        rejected_rows integer NOT NULL DEFAULT 0,
        error text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    this.addSql(`
      CREATE TABLE import_row (
        import_id uuid NOT NULL REFERENCES import_job (id),
        line_no integer NOT NULL,
        payload jsonb,
        status text NOT NULL DEFAULT 'staged' CHECK (status IN ('staged', 'imported', 'skipped', 'rejected')),
        problems jsonb,
        entity_id uuid,
        -- Whether the imported entity's workflow (account, invoice lifecycle) has been started.
        lifecycle_started boolean NOT NULL DEFAULT false,
        PRIMARY KEY (import_id, line_no)
      )`);
    this.addSql(`CREATE INDEX import_row_staged_idx ON import_row (import_id, line_no) WHERE status = 'staged'`);
    this.addSql(
      `CREATE INDEX import_row_lifecycle_idx ON import_row (import_id, line_no) WHERE status = 'imported' AND NOT lifecycle_started`,
    );
    this.addSql(`CREATE INDEX import_row_rejected_idx ON import_row (import_id, line_no) WHERE status = 'rejected'`);
    this.addSql(
      `INSERT INTO ledger_account (code, role, name, type, requires_customer) VALUES ('2900', 'opening_balance_suspense', 'Opening balance suspense (cleared against the general ledger at go-live)', 'liability', false) ON CONFLICT DO NOTHING`,
    );
  }

  override down(): void {
    this.addSql(`DELETE FROM ledger_account WHERE role = 'opening_balance_suspense'`);
    this.addSql('DROP TABLE import_row');
    this.addSql('DROP TABLE import_job');
    this.addSql('DROP TABLE webhook_attempt');
    this.addSql('DROP TABLE webhook_delivery');
    this.addSql('DROP TABLE webhook_subscription');
    this.addSql('DROP INDEX domain_event_stream_idx');
  }
}
