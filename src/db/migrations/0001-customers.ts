import { Migration } from '@mikro-orm/migrations';

export class Migration0001Customers extends Migration {
  override name = '0001-customers';

  override up(): void {
    this.addSql(`
      CREATE TABLE customer (
        id uuid PRIMARY KEY,
        legal_name text NOT NULL CHECK (length(btrim(legal_name)) > 0),
        display_name text,
        email text NOT NULL,
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        billing_address jsonb NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'on_hold', 'delinquent', 'closed')),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX customer_email_idx ON customer (email)');
    this.addSql('CREATE INDEX customer_status_idx ON customer (status)');
    this.addSql(`
      CREATE TABLE outbound_message (
        idempotency_key text PRIMARY KEY,
        template text NOT NULL,
        recipient text NOT NULL,
        subject text NOT NULL,
        message_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('sending', 'sent')),
        customer_id uuid REFERENCES customer (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    this.addSql('CREATE INDEX outbound_message_customer_idx ON outbound_message (customer_id, created_at)');
  }

  override down(): void {
    this.addSql('DROP TABLE outbound_message');
    this.addSql('DROP TABLE customer');
  }
}
