import { Migration } from '@mikro-orm/migrations';

/**
 * The full customer profile, its audit trail, terms assignments and merges, plus the match keys that duplicate
 * detection compares. Match keys are computed by the pure functions in src/payments/rules/matching.ts when a record is
 * written; the database only compares them, through indexes (pg_trgm GIN for names, btree/GIN for exact keys), so a
 * duplicate check costs a few index probes at 1M customers.
 */
export class Migration0005CustomerProfile extends Migration {
  override name = '0005-customer-profile';

  override up(): void {
    this.addSql('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    this.addSql(`
      ALTER TABLE customer
        ADD COLUMN tax_id text,
        ADD COLUMN tax_country char(2),
        ADD COLUMN tax_key text,
        ADD COLUMN contacts jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN communication jsonb NOT NULL DEFAULT '{"language":"en","channel":"email","statementFrequency":"monthly"}',
        ADD COLUMN terms_code text NOT NULL DEFAULT 'NET30' REFERENCES payment_terms_template (code),
        ADD COLUMN credit_limit bigint CHECK (credit_limit >= 0),
        ADD COLUMN risk_segment text CHECK (risk_segment IN ('low', 'medium', 'high')),
        ADD COLUMN external_ref text,
        ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
        ADD COLUMN hold jsonb,
        ADD COLUMN delinquency jsonb,
        ADD COLUMN merged_into uuid REFERENCES customer (id),
        ADD COLUMN closed_at timestamptz,
        ADD COLUMN name_key text NOT NULL DEFAULT '',
        ADD COLUMN address_key text NOT NULL DEFAULT '',
        ADD COLUMN match_emails text[] NOT NULL DEFAULT '{}',
        ADD COLUMN match_phones text[] NOT NULL DEFAULT '{}',
        ADD CONSTRAINT customer_tax_id_with_country CHECK ((tax_id IS NULL) = (tax_country IS NULL)),
        ADD CONSTRAINT customer_not_merged_into_self CHECK (merged_into IS NULL OR merged_into <> id)`);
    // Rows written before this migration get approximate keys; the next write of the record recomputes them.
    this.addSql(
      `UPDATE customer SET name_key = lower(regexp_replace(legal_name, '[^[:alnum:] ]', '', 'g')), match_emails = ARRAY[email]`,
    );
    this.addSql('CREATE INDEX customer_name_key_trgm_idx ON customer USING gin (name_key gin_trgm_ops)');
    this.addSql('CREATE INDEX customer_tax_key_idx ON customer (tax_key) WHERE tax_key IS NOT NULL');
    this.addSql('CREATE INDEX customer_match_emails_idx ON customer USING gin (match_emails)');
    this.addSql('CREATE INDEX customer_match_phones_idx ON customer USING gin (match_phones)');
    this.addSql('CREATE INDEX customer_tags_idx ON customer USING gin (tags)');
    this.addSql(
      `CREATE INDEX customer_search_trgm_idx ON customer USING gin ((lower(legal_name || ' ' || coalesce(display_name, ''))) gin_trgm_ops)`,
    );
    this.addSql('CREATE INDEX customer_name_order_idx ON customer (lower(legal_name), id)');
    this.addSql(
      'CREATE UNIQUE INDEX customer_external_ref_idx ON customer (external_ref) WHERE external_ref IS NOT NULL AND merged_into IS NULL',
    );
    this.addSql(
      `CREATE INDEX customer_delinquent_idx ON customer (id) WHERE delinquency IS NOT NULL AND status <> 'closed'`,
    );

    this.addSql(`
      CREATE TABLE customer_history (
        id bigserial PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customer (id),
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        field text NOT NULL,
        old_value jsonb,
        new_value jsonb,
        request_id text
      )`);
    this.addSql('CREATE INDEX customer_history_customer_idx ON customer_history (customer_id, id)');

    // Which terms applied from when: an invoice issued at t takes the assignment in force at t.
    this.addSql(`
      CREATE TABLE customer_terms_assignment (
        id bigserial PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customer (id),
        terms_code text NOT NULL REFERENCES payment_terms_template (code),
        terms jsonb NOT NULL,
        template_version integer NOT NULL,
        effective_from timestamptz NOT NULL DEFAULT now(),
        assigned_by text NOT NULL
      )`);
    this.addSql(
      'CREATE INDEX customer_terms_assignment_idx ON customer_terms_assignment (customer_id, effective_from)',
    );
    this
      .addSql(`INSERT INTO customer_terms_assignment (customer_id, terms_code, terms, template_version, effective_from, assigned_by)
      SELECT c.id, c.terms_code, t.terms, t.version, c.created_at, 'system:migration' FROM customer c JOIN payment_terms_template t ON t.code = c.terms_code`);

    this.addSql(`
      CREATE TABLE customer_merge (
        duplicate_id uuid PRIMARY KEY REFERENCES customer (id),
        survivor_id uuid NOT NULL REFERENCES customer (id),
        merged_at timestamptz NOT NULL DEFAULT now(),
        merged_by text NOT NULL,
        journal_entry_id uuid REFERENCES journal_entry (id),
        moved jsonb NOT NULL
      )`);
    this.addSql('CREATE INDEX customer_merge_survivor_idx ON customer_merge (survivor_id)');
  }
}
