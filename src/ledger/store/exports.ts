// General-ledger and open-item exports, produced page by page (keyset) as async generators of CSV text, so a year of
// journal lines streams to the client without being held in memory. Amounts are integer minor units with currency.
import type { EntityManager } from '@mikro-orm/postgresql';
import { OPEN_STATUSES } from '../../invoices/rules/invoice-status.js';
import { csvLine } from '../csv.js';

const PAGE = 5000;

export const JOURNAL_COLUMNS = [
  'entry_id',
  'entry_seq',
  'effective_date',
  'posted_at',
  'kind',
  'source_type',
  'source_id',
  'description',
  'reverses_entry_id',
  'line_no',
  'account_code',
  'account_role',
  'account_name',
  'customer_id',
  'debit',
  'credit',
  'currency',
  'memo',
] as const;

/** Journal lines with an effective date in [from, to], in posting order. */
export async function* journalCsv(em: EntityManager, range: { from: string; to: string }): AsyncGenerator<string> {
  yield csvLine(JOURNAL_COLUMNS);
  let after: [number, number] = [0, 0];
  for (;;) {
    const rows = await em.execute<Record<string, unknown>[]>(
      `SELECT e.id AS entry_id, e.seq AS entry_seq, to_char(e.effective_date, 'YYYY-MM-DD') AS effective_date, e.posted_at, e.kind, e.source_type, e.source_id,
              e.description, e.reverses_entry_id, l.line_no, l.account_code, a.role AS account_role, a.name AS account_name, l.customer_id,
              l.debit, l.credit, l.currency, l.memo
         FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id JOIN ledger_account a ON a.code = l.account_code
        WHERE e.effective_date BETWEEN ?::date AND ?::date AND (e.seq, l.line_no) > (?::bigint, ?::int)
        ORDER BY e.seq, l.line_no LIMIT ?`,
      [range.from, range.to, after[0], after[1], PAGE],
    );
    for (const r of rows) yield csvLine(JOURNAL_COLUMNS.map((c) => r[c]));
    if (rows.length < PAGE) return;
    const last = rows.at(-1)!;
    after = [Number(last.entry_seq), Number(last.line_no)];
  }
}

export const OPEN_ITEM_COLUMNS = [
  'item_type',
  'id',
  'number',
  'customer_id',
  'customer_name',
  'customer_external_ref',
  'currency',
  'issue_date',
  'due_date',
  'total',
  'open_amount',
  'status',
  'days_past_due',
  'external_ref',
] as const;

/**
 * What customers owe and what they have paid but not applied, as of today: open invoices (positive open amount) and
 * unapplied payment money (negative), per customer in due-date order.
 */
export async function* openItemsCsv(em: EntityManager, asOf: string): AsyncGenerator<string> {
  yield csvLine(OPEN_ITEM_COLUMNS);
  let after = '';
  for (;;) {
    const rows = await em.execute<Record<string, unknown>[]>(
      `SELECT 'invoice' AS item_type, i.id, i.number, i.customer_id, c.legal_name AS customer_name, c.external_ref AS customer_external_ref, i.currency,
              to_char(i.issue_date, 'YYYY-MM-DD') AS issue_date, to_char(i.due_date, 'YYYY-MM-DD') AS due_date, i.total_amount AS total,
              i.open_amount, i.status, greatest(0, ?::date - i.due_date) AS days_past_due, i.external_ref, i.id::text AS k
         FROM invoice i JOIN customer c ON c.id = i.customer_id
        WHERE i.status = ANY(?::text[]) AND i.open_amount > 0 AND i.id::text > ?
        ORDER BY i.id LIMIT ?`,
      [asOf, `{${OPEN_STATUSES.join(',')}}`, after, PAGE],
    );
    for (const r of rows) yield csvLine(OPEN_ITEM_COLUMNS.map((c) => r[c]));
    if (rows.length < PAGE) break;
    after = String(rows.at(-1)!.k);
  }
  after = '';
  for (;;) {
    const rows = await em.execute<Record<string, unknown>[]>(
      `SELECT 'payment' AS item_type, p.id, p.reference AS number, p.customer_id, c.legal_name AS customer_name, c.external_ref AS customer_external_ref,
              p.currency, to_char(p.received_at, 'YYYY-MM-DD') AS issue_date, NULL AS due_date, -p.amount AS total, -p.unapplied_amount AS open_amount,
              p.status, NULL AS days_past_due, NULL AS external_ref, p.id::text AS k
         FROM payment p LEFT JOIN customer c ON c.id = p.customer_id
        WHERE p.unapplied_amount > 0 AND p.applied_at IS NOT NULL AND p.id::text > ?
        ORDER BY p.id LIMIT ?`,
      [after, PAGE],
    );
    for (const r of rows) yield csvLine(OPEN_ITEM_COLUMNS.map((c) => r[c]));
    if (rows.length < PAGE) return;
    after = String(rows.at(-1)!.k);
  }
}
