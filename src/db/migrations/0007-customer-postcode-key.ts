import { Migration } from '@mikro-orm/migrations';

/**
 * Country + normalized postal code of the billing address, the blocking key under which the whole-book duplicate scan
 * compares moderately similar names (the address has to help such a pair anyway). A btree join on it costs the size
 * of each postcode group, where a trigram self-join over all names grows with the square of the book.
 */
export class Migration0007CustomerPostcodeKey extends Migration {
  override name = '0007-customer-postcode-key';

  override up(): void {
    this.addSql(`ALTER TABLE customer ADD COLUMN postcode_key text NOT NULL DEFAULT ''`);
    this.addSql(
      `UPDATE customer SET postcode_key = lower(billing_address->>'country') || ':' || regexp_replace(lower(billing_address->>'postalCode'), '[^a-z0-9]', '', 'g')`,
    );
    this.addSql(`CREATE INDEX customer_postcode_key_idx ON customer (postcode_key, id) WHERE postcode_key <> ''`);
  }
}
