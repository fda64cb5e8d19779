import { Migration } from '@mikro-orm/migrations';
import { STANDARD_TERMS } from '../../customers/rules/terms.js';

/**
 * Payment terms templates (terms as data). Customers reference a template by code; invoices read the customer's code
 * at issue time, so changing a customer's terms (or a template) never rewrites invoices already issued.
 */
export class Migration0004PaymentTerms extends Migration {
  override name = '0004-payment-terms';

  override up(): void {
    this.addSql(`
      CREATE TABLE payment_terms_template (
        code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_]{1,40}$'),
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        terms jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL DEFAULT 'system'
      )`);
    for (const t of STANDARD_TERMS) {
      this.addSql(
        `INSERT INTO payment_terms_template (code, name, terms) VALUES ('${t.code}', '${t.name.replace(/'/g, "''")}', '${JSON.stringify(t.terms).replace(/'/g, "''")}'::jsonb)`,
      );
    }
  }
}
