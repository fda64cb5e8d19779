import { Migration } from '@mikro-orm/migrations';

/**
 * Open items: the receivable and customer-credit sub-ledgers broken down per document, maintained from the journal
 * in the same transaction as its lines (a statement trigger on the append-only journal_line), so aging reads one row
 * per open item instead of summing the journal.
 *
 * - `ar_open_item`: one row per item with its balance now (debits minus credits: an invoice is positive, a customer
 *   credit negative). An AR line belongs to an invoice when its entry's source is that invoice (issue, cancellation)
 *   or its memo is the invoice number (payments, discounts, credit notes, write-offs); a customer-credit line belongs
 *   to its source document (the payment that left the credit); anything else is an `other` item of its source.
 * - `ar_item_movement`: every line's amount, effective date and entry kind (`reversal:<kind reversed>` for
 *   reversals). Aging as of a past date starts from the balances now and takes back the movements dated after it, so
 *   the cost grows with what happened since, not with history; KPIs read credit sales and write-offs from it.
 * - The invoice's issue and due dates are copied onto its item when the invoice row is written (the issue entry is
 *   posted first, in the same transaction). Likewise a credit note's entry is posted before its row exists: when the
 *   row arrives, the movements of the `credit_note:<id>` item move onto the invoice it credits.
 */
const ITEM_KEY = 'item_type, ref, account_code, customer_id, currency';
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** Resolves each new line to its item and applies it; `source` is the transition table (or journal_line to backfill). */
export function applyLinesSql(source: string): string {
  return `
    WITH resolved AS (
      SELECT l.id AS line_id, l.account_code, l.customer_id, l.currency, l.effective_date, l.debit - l.credit AS amount,
             CASE WHEN e.kind = 'reversal' THEN 'reversal:' || coalesce((SELECT r.kind FROM journal_entry r WHERE r.id = e.reverses_entry_id), '') ELSE e.kind END AS kind,
             CASE WHEN a.role = 'customer_credit' THEN 'credit' WHEN inv.id IS NOT NULL THEN 'invoice' ELSE 'other' END AS item_type,
             CASE WHEN a.role = 'customer_credit' OR inv.id IS NULL THEN e.source_type || ':' || e.source_id ELSE inv.id::text END AS ref,
             CASE WHEN a.role = 'customer_credit' THEN NULL ELSE inv.id END AS invoice_id,
             i.issue_date, i.due_date
        FROM ${source} l
        JOIN ledger_account a ON a.code = l.account_code AND a.role IN ('accounts_receivable', 'customer_credit')
        JOIN journal_entry e ON e.id = l.entry_id
        LEFT JOIN LATERAL (
          SELECT CASE WHEN e.source_type = 'invoice' AND e.source_id ~ '${UUID}' THEN e.source_id::uuid
                      ELSE coalesce(
                        (SELECT x.id FROM invoice x WHERE x.number = l.memo AND x.customer_id = l.customer_id),
                        CASE WHEN e.source_type = 'credit_note' AND e.source_id ~ '${UUID}' THEN (SELECT n.invoice_id FROM credit_note n WHERE n.id = e.source_id::uuid) END
                      ) END AS id
        ) inv ON true
        LEFT JOIN invoice i ON i.id = inv.id
    ),
    upserted AS (
      INSERT INTO ar_open_item AS o (${ITEM_KEY}, invoice_id, opened_on, issue_date, due_date, balance)
      SELECT ${ITEM_KEY}, max(invoice_id::text)::uuid, min(effective_date), max(issue_date), max(due_date), sum(amount)
        FROM resolved GROUP BY ${ITEM_KEY} ORDER BY ${ITEM_KEY}
      ON CONFLICT (${ITEM_KEY}) DO UPDATE SET
        balance = o.balance + EXCLUDED.balance,
        opened_on = least(o.opened_on, EXCLUDED.opened_on),
        issue_date = coalesce(o.issue_date, EXCLUDED.issue_date),
        due_date = coalesce(o.due_date, EXCLUDED.due_date)
      RETURNING o.id, ${ITEM_KEY.split(', ')
        .map((c) => `o.${c}`)
        .join(', ')}
    )
    INSERT INTO ar_item_movement (line_id, item_id, effective_date, amount, kind, currency)
    SELECT r.line_id, u.id, r.effective_date, r.amount, r.kind, r.currency
      FROM resolved r JOIN upserted u USING (${ITEM_KEY})`;
}

export class Migration0070ArOpenItems extends Migration {
  override name = '0070-ar-open-items';

  override up(): void {
    this.addSql(`
      CREATE TABLE ar_open_item (
        id bigserial PRIMARY KEY,
        item_type text NOT NULL CHECK (item_type IN ('invoice', 'credit', 'other')),
        ref text NOT NULL,
        account_code text NOT NULL REFERENCES ledger_account (code),
        customer_id uuid NOT NULL,
        currency char(3) NOT NULL,
        invoice_id uuid,
        opened_on date NOT NULL,
        issue_date date,
        due_date date,
        balance bigint NOT NULL,
        UNIQUE (item_type, ref, account_code, customer_id, currency)
      )`);
    // Aging reads open items only; the partial index keeps that set small however many items were ever settled.
    this.addSql('CREATE INDEX ar_open_item_open_idx ON ar_open_item (currency, customer_id) WHERE balance <> 0');
    this.addSql('CREATE INDEX ar_open_item_customer_idx ON ar_open_item (customer_id, currency)');
    this.addSql('CREATE INDEX ar_open_item_invoice_idx ON ar_open_item (invoice_id) WHERE invoice_id IS NOT NULL');
    this.addSql(`
      CREATE TABLE ar_item_movement (
        line_id bigint PRIMARY KEY,
        item_id bigint NOT NULL REFERENCES ar_open_item (id),
        effective_date date NOT NULL,
        amount bigint NOT NULL,
        kind text NOT NULL,
        currency char(3) NOT NULL
      )`);
    this.addSql(
      'CREATE INDEX ar_item_movement_date_idx ON ar_item_movement (effective_date, item_id) INCLUDE (amount)',
    );
    // KPIs: credit sales, credit notes, cancellations and write-offs of a period, by kind and date.
    this.addSql(
      'CREATE INDEX ar_item_movement_kind_idx ON ar_item_movement (kind, effective_date) INCLUDE (currency, amount)',
    );
    this.addSql(applyLinesSql('journal_line'));
    this.addSql(`
      CREATE FUNCTION ar_open_item_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${applyLinesSql('new_lines')};
        RETURN NULL;
      END $$`);
    this
      .addSql(`CREATE TRIGGER journal_line_ar_open_item AFTER INSERT ON journal_line REFERENCING NEW TABLE AS new_lines
      FOR EACH STATEMENT EXECUTE FUNCTION ar_open_item_apply()`);
    this.addSql(`
      CREATE FUNCTION ar_open_item_invoice_dates() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE ar_open_item o SET issue_date = n.issue_date, due_date = n.due_date, invoice_id = n.id
          FROM new_invoices n WHERE o.item_type = 'invoice' AND o.ref = n.id::text;
        RETURN NULL;
      END $$`);
    this.addSql(`CREATE TRIGGER invoice_ar_open_item_dates AFTER INSERT ON invoice REFERENCING NEW TABLE AS new_invoices
      FOR EACH STATEMENT EXECUTE FUNCTION ar_open_item_invoice_dates()`);
    this.addSql(`
      CREATE FUNCTION ar_open_item_credit_note() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        CREATE TEMP TABLE IF NOT EXISTS ar_item_rehome (from_id bigint, to_id bigint, amount bigint) ON COMMIT DROP;
        DELETE FROM ar_item_rehome;
        INSERT INTO ar_item_rehome
        SELECT o.id, target.id, o.balance
          FROM new_notes n
          JOIN ar_open_item o ON o.item_type = 'other' AND o.ref = 'credit_note:' || n.id::text
          JOIN ar_open_item target ON target.item_type = 'invoice' AND target.ref = n.invoice_id::text
           AND target.account_code = o.account_code AND target.customer_id = o.customer_id AND target.currency = o.currency;
        UPDATE ar_item_movement m SET item_id = r.to_id FROM ar_item_rehome r WHERE m.item_id = r.from_id;
        UPDATE ar_open_item t SET balance = t.balance + s.amount
          FROM (SELECT to_id, sum(amount) AS amount FROM ar_item_rehome GROUP BY to_id) s WHERE t.id = s.to_id;
        UPDATE ar_open_item o SET balance = 0 FROM ar_item_rehome r WHERE o.id = r.from_id;
        RETURN NULL;
      END $$`);
    this.addSql(`CREATE TRIGGER credit_note_ar_open_item AFTER INSERT ON credit_note REFERENCING NEW TABLE AS new_notes
      FOR EACH STATEMENT EXECUTE FUNCTION ar_open_item_credit_note()`);
    // KPIs read receivable balances by date: an index-only scan instead of heap fetches.
    this.addSql(
      'CREATE INDEX journal_line_kpi_idx ON journal_line (account_code, currency, effective_date) INCLUDE (debit, credit)',
    );
  }

  override down(): void {
    this.addSql('DROP INDEX journal_line_kpi_idx');
    this.addSql('DROP TRIGGER credit_note_ar_open_item ON credit_note');
    this.addSql('DROP FUNCTION ar_open_item_credit_note()');
    this.addSql('DROP TRIGGER invoice_ar_open_item_dates ON invoice');
    this.addSql('DROP FUNCTION ar_open_item_invoice_dates()');
    this.addSql('DROP TRIGGER journal_line_ar_open_item ON journal_line');
    this.addSql('DROP FUNCTION ar_open_item_apply()');
    this.addSql('DROP TABLE ar_item_movement');
    this.addSql('DROP TABLE ar_open_item');
  }
}
