import { Migration } from '@mikro-orm/migrations';

/**
 * Invoices, their lines, credit notes and the gap-free number series.
 * - `document_series` holds the next number of each series (`INV-2026`, `CN-2026`); the issuing transaction takes the
 *   number with an upsert that locks the row until commit, so a rolled-back issue leaves no gap.
 * - `invoice.open_amount` is what the customer still owes on the document; payments (allocations), credit notes,
 *   discounts and write-offs lower it under `SELECT ... FOR UPDATE` in the same transaction as their posting.
 * - Amounts are integer minor units (bigint); the lines' totals and the header agree by construction and by CHECKs.
 */
export class Migration0010Invoices extends Migration {
  override name = '0010-invoices';

  override up(): void {
    this.addSql(`
      CREATE TABLE document_series (
        series text PRIMARY KEY,
        next_number bigint NOT NULL CHECK (next_number >= 1),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE invoice (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        series text NOT NULL,
        sequence_no bigint NOT NULL CHECK (sequence_no >= 1),
        customer_id uuid NOT NULL REFERENCES customer (id),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        issue_date date NOT NULL,
        due_date date NOT NULL CHECK (due_date >= issue_date),
        terms_code text,
        terms jsonb,
        instalments jsonb NOT NULL DEFAULT '[]',
        subtotal_amount bigint NOT NULL CHECK (subtotal_amount >= 0),
        tax_amount bigint NOT NULL CHECK (tax_amount >= 0),
        total_amount bigint NOT NULL CHECK (total_amount > 0 AND total_amount = subtotal_amount + tax_amount),
        open_amount bigint NOT NULL CHECK (open_amount >= 0 AND open_amount <= total_amount),
        credited_amount bigint NOT NULL DEFAULT 0 CHECK (credited_amount >= 0 AND credited_amount <= total_amount),
        status text NOT NULL DEFAULT 'issued' CHECK (status IN
          ('issued', 'sent', 'due', 'overdue', 'partially_paid', 'paid', 'disputed', 'written_off', 'cancelled')),
        discount_deadline date,
        discount_rate_bp integer CHECK (discount_rate_bp > 0 AND discount_rate_bp < 10000),
        discount_amount bigint CHECK (discount_amount >= 0),
        external_ref text,
        issue_entry_id uuid NOT NULL REFERENCES journal_entry (id),
        sent_at timestamptz,
        reminded_at timestamptz,
        overdue_since date,
        closed_at timestamptz,
        created_by text NOT NULL DEFAULT 'api',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (series, sequence_no),
        CHECK ((discount_deadline IS NULL) = (discount_amount IS NULL))
      )`);
    this.addSql('CREATE INDEX invoice_customer_idx ON invoice (customer_id, due_date, id)');
    this.addSql('CREATE INDEX invoice_due_idx ON invoice (due_date, id)');
    this.addSql('CREATE INDEX invoice_status_idx ON invoice (status, due_date)');
    this.addSql('CREATE INDEX invoice_external_ref_idx ON invoice (external_ref) WHERE external_ref IS NOT NULL');
    this.addSql(`
      CREATE TABLE invoice_line (
        invoice_id uuid NOT NULL REFERENCES invoice (id),
        line_no integer NOT NULL CHECK (line_no >= 1),
        description text NOT NULL,
        quantity_milli bigint NOT NULL CHECK (quantity_milli > 0),
        unit_price bigint NOT NULL CHECK (unit_price >= 0),
        tax_rate_ppm integer NOT NULL CHECK (tax_rate_ppm >= 0 AND tax_rate_ppm <= 1000000),
        net_amount bigint NOT NULL CHECK (net_amount >= 0),
        tax_amount bigint NOT NULL CHECK (tax_amount >= 0),
        PRIMARY KEY (invoice_id, line_no)
      )`);
    this.addSql(`
      CREATE TABLE credit_note (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        series text NOT NULL,
        sequence_no bigint NOT NULL,
        invoice_id uuid NOT NULL REFERENCES invoice (id),
        customer_id uuid NOT NULL REFERENCES customer (id),
        currency char(3) NOT NULL,
        kind text NOT NULL CHECK (kind IN ('partial', 'full', 'cancellation')),
        reason text NOT NULL CHECK (length(btrim(reason)) > 0),
        issue_date date NOT NULL,
        net_amount bigint NOT NULL CHECK (net_amount >= 0),
        tax_amount bigint NOT NULL CHECK (tax_amount >= 0),
        total_amount bigint NOT NULL CHECK (total_amount > 0 AND total_amount = net_amount + tax_amount),
        entry_id uuid NOT NULL REFERENCES journal_entry (id),
        created_by text NOT NULL DEFAULT 'api',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (series, sequence_no)
      )`);
    this.addSql('CREATE INDEX credit_note_invoice_idx ON credit_note (invoice_id, created_at)');
  }

  override down(): void {
    this.addSql('DROP TABLE credit_note');
    this.addSql('DROP TABLE invoice_line');
    this.addSql('DROP TABLE invoice');
    this.addSql('DROP TABLE document_series');
  }
}
