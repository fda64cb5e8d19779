import { Migration } from '@mikro-orm/migrations';

/**
 * Portal payments through a card/bank-debit gateway. A `gateway_payment` is what the customer started (the gateway's
 * payment intent, the invoices it is meant for); once the gateway confirms it (a verified webhook) it becomes an
 * ordinary `payment` (payment_id) and goes through cash application. `gateway_event` makes webhook handling
 * idempotent: the gateway retries deliveries, each event id is processed once.
 */
export class Migration0091Portal extends Migration {
  override name = '0091-portal';

  override up(): void {
    this.addSql(`
      CREATE TABLE gateway_payment (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customer (id),
        provider text NOT NULL,
        provider_ref text NOT NULL,
        method text NOT NULL CHECK (method IN ('card', 'ach_debit')),
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        invoice_ids uuid[] NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'processing', 'succeeded', 'failed', 'canceled')),
        failure_reason text,
        payment_id uuid REFERENCES payment (id),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (provider, provider_ref)
      )`);
    this.addSql('CREATE INDEX gateway_payment_customer_idx ON gateway_payment (customer_id, created_at DESC)');
    this.addSql(`
      CREATE TABLE gateway_event (
        provider text NOT NULL,
        event_id text NOT NULL,
        type text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, event_id)
      )`);
  }

  override down(): void {
    this.addSql('DROP TABLE gateway_event');
    this.addSql('DROP TABLE gateway_payment');
  }
}
