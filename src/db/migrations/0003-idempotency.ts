import { Migration } from '@mikro-orm/migrations';

/** Responses of mutations sent with an Idempotency-Key, so a repeated request replays the first answer. */
export class Migration0003Idempotency extends Migration {
  override name = '0003-idempotency';

  override up(): void {
    this.addSql(`
      CREATE TABLE idempotency_record (
        scope text NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        status text NOT NULL CHECK (status IN ('in_progress', 'completed')),
        response_status integer,
        response_type text,
        response_body text,
        locked_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    this.addSql('CREATE INDEX idempotency_record_created_idx ON idempotency_record (created_at)');
  }
}
