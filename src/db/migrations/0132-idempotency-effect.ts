import { Migration } from '@mikro-orm/migrations';

/**
 * When a request sent with an Idempotency-Key committed its effect: written in the transaction that commits it, so a
 * failure after the commit (the database gone before the answer was stored) can never free the key for a retry that
 * would do the same thing twice; with it, where the result can be read, so that retry is sent there (303).
 */
export class Migration0132IdempotencyEffect extends Migration {
  override name = '0132-idempotency-effect';

  override up(): void {
    this.addSql(
      'ALTER TABLE idempotency_record ADD COLUMN effect_committed_at timestamptz, ADD COLUMN effect_location text',
    );
  }

  override down(): void {
    this.addSql('ALTER TABLE idempotency_record DROP COLUMN effect_committed_at, DROP COLUMN effect_location');
  }
}
