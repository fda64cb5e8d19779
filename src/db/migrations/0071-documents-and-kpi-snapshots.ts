import { Migration } from '@mikro-orm/migrations';

/**
 * Documents the engine produced for customers (statements, invoice PDFs, payment receipts) and the monthly KPI
 * snapshots.
 * - `document`: the rendered bytes with their SHA-256; `(kind, ref)` is unique, so rendering the statement of one
 *   customer and period (or the PDF of one invoice) twice stores it once and the e-mail attaches the stored bytes.
 * - `kpi_snapshot`: one row per period and currency, written once by the monthly schedule; trends read these rows
 *   instead of recomputing history (which later back-dated postings could otherwise change silently).
 */
export class Migration0071DocumentsAndKpiSnapshots extends Migration {
  override name = '0071-documents-and-kpi-snapshots';

  override up(): void {
    this.addSql(`
      CREATE TABLE document (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('statement', 'invoice', 'receipt')),
        ref text NOT NULL,
        customer_id uuid NOT NULL REFERENCES customer (id),
        period_from date,
        period_to date,
        filename text NOT NULL,
        media_type text NOT NULL,
        content_sha256 text NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes >= 0),
        content bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, ref),
        CHECK ((period_from IS NULL) = (period_to IS NULL) AND (period_from IS NULL OR period_from <= period_to))
      )`);
    this.addSql('CREATE INDEX document_customer_idx ON document (customer_id, created_at DESC, id DESC)');
    this.addSql(`
      CREATE TABLE kpi_snapshot (
        id uuid PRIMARY KEY,
        period_from date NOT NULL,
        period_to date NOT NULL,
        currency char(3) NOT NULL,
        figures jsonb NOT NULL,
        taken_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (period_from, period_to, currency),
        CHECK (period_from <= period_to)
      )`);
    this.addSql('CREATE INDEX kpi_snapshot_period_idx ON kpi_snapshot (period_to DESC, currency)');
  }

  override down(): void {
    this.addSql('DROP TABLE kpi_snapshot');
    this.addSql('DROP TABLE document');
  }
}
