import { Migration } from '@mikro-orm/migrations';

/**
 * The distinctive words of the name (src/payments/rules/matching.ts#nameCore) carry the trigram index that fetches duplicate
 * candidates. Indexing the whole name key made every probe read the posting lists of generic words ("logistics",
 * "services") shared by thousands of customers, a cost growing with the book. fastupdate is off so a search right
 * after inserts never scans a pending list and no insert pays for flushing one (steadier p99).
 */
export class Migration0008CustomerNameCore extends Migration {
  override name = '0008-customer-name-core';

  override up(): void {
    this.addSql(`ALTER TABLE customer ADD COLUMN name_core text NOT NULL DEFAULT ''`);
    // Rows written before: the whole key; the next write of the record recomputes it.
    this.addSql('UPDATE customer SET name_core = name_key');
    this.addSql(
      'CREATE INDEX customer_name_core_trgm_idx ON customer USING gin (name_core gin_trgm_ops) WITH (fastupdate = off)',
    );
    this.addSql('DROP INDEX customer_name_key_trgm_idx');
  }
}
