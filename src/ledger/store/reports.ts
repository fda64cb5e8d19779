// The ledger's read side for the API: the AR invariant check, a customer's activity with running balance, and
// journal entries by source document. Set-based SQL; keyset pagination keys are returned with each row.
import type { EntityManager } from '@mikro-orm/postgresql';
import { accountFor } from '../../reports/rules/chart.js';
import { CLOSED_STATUSES } from '../../invoices/rules/invoice-status.js';
import { unbalancedEntries, type UnbalancedEntry } from './queries.js';

export interface CurrencyCheck {
  currency: string;
  /** Balance of the AR control account (debits minus credits). */
  arControl: number;
  /** Sum of open amounts of invoices in an open status. */
  openInvoices: number;
  /** What the engine owes customers on the customer-credit account (credit balance, as a positive number). */
  customerCredit: number;
  /** arControl - customerCredit: what customers owe net of their credits. */
  netReceivable: number;
  ok: boolean;
}

export interface CustomerMismatch {
  customerId: string;
  currency: string;
  subLedger: number;
  openInvoices: number;
}

export interface LedgerCheck {
  ok: boolean;
  checkedAt: string;
  currencies: CurrencyCheck[];
  customerMismatches: CustomerMismatch[];
  unbalancedEntries: UnbalancedEntry[];
}

const closedList = CLOSED_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * The AR invariant: per currency, the AR control account equals the open invoice balances, so AR minus customer
 * credits equals open invoices minus customer credits (credits live on their own sub-ledger account, 2200). Checked
 * per customer too (the sub-ledger is the control account's lines of one customer), and every entry balances.
 */
export async function checkLedger(em: EntityManager, mismatchLimit = 100): Promise<LedgerCheck> {
  const ar = accountFor('accounts_receivable').code;
  const credit = accountFor('customer_credit').code;
  const perCurrency = await em.execute<{ currency: string; ar: string; open: string; credit: string }[]>(
    `WITH ledger AS (
       SELECT currency, sum(CASE WHEN account_code = ? THEN debit - credit ELSE 0 END) AS ar,
              sum(CASE WHEN account_code = ? THEN credit - debit ELSE 0 END) AS credit
         FROM journal_line WHERE account_code IN (?, ?) GROUP BY currency),
     docs AS (SELECT currency, sum(open_amount) AS open FROM invoice WHERE status NOT IN (${closedList}) GROUP BY currency)
     SELECT coalesce(l.currency, d.currency) AS currency, coalesce(l.ar, 0) AS ar, coalesce(d.open, 0) AS open, coalesce(l.credit, 0) AS credit
       FROM ledger l FULL JOIN docs d ON d.currency = l.currency ORDER BY 1`,
    [ar, credit, ar, credit],
  );
  const mismatches = await em.execute<{ customer_id: string; currency: string; sub: string; open: string }[]>(
    `WITH sub AS (SELECT customer_id, currency, sum(debit - credit) AS sub FROM journal_line WHERE account_code = ? GROUP BY customer_id, currency),
          docs AS (SELECT customer_id, currency, sum(open_amount) AS open FROM invoice WHERE status NOT IN (${closedList}) GROUP BY customer_id, currency)
     SELECT coalesce(s.customer_id, d.customer_id) AS customer_id, coalesce(s.currency, d.currency) AS currency, coalesce(s.sub, 0) AS sub, coalesce(d.open, 0) AS open
       FROM sub s FULL JOIN docs d ON d.customer_id = s.customer_id AND d.currency = s.currency
      WHERE coalesce(s.sub, 0) <> coalesce(d.open, 0) ORDER BY 1, 2 LIMIT ?`,
    [ar, mismatchLimit],
  );
  const unbalanced = await unbalancedEntries(em);
  const currencies = perCurrency.map((r) => {
    const arControl = Number(r.ar);
    const openInvoices = Number(r.open);
    const customerCredit = Number(r.credit);
    return {
      currency: r.currency.trim(),
      arControl,
      openInvoices,
      customerCredit,
      netReceivable: arControl - customerCredit,
      ok: arControl === openInvoices,
    };
  });
  return {
    ok: currencies.every((c) => c.ok) && mismatches.length === 0 && unbalanced.length === 0,
    checkedAt: new Date().toISOString(),
    currencies,
    customerMismatches: mismatches.map((m) => ({
      customerId: m.customer_id,
      currency: m.currency.trim(),
      subLedger: Number(m.sub),
      openInvoices: Number(m.open),
    })),
    unbalancedEntries: unbalanced,
  };
}

export interface CustomerLedgerLine {
  lineId: number;
  entryId: string;
  entrySeq: number;
  kind: string;
  effectiveDate: string;
  postedAt: string;
  sourceType: string;
  sourceId: string;
  description: string | null;
  memo: string | null;
  currency: string;
  debit: number;
  credit: number;
  /** Balance after this line, per currency (debits minus credits since the first line). */
  runningBalance: number;
}

/** A customer's lines on one sub-ledger account in posting order, with the running balance per currency. */
export async function customerLedger(
  em: EntityManager,
  input: {
    customerId: string;
    accountCode: string;
    currency?: string;
    after?: [string, number, number];
    limit: number;
  },
): Promise<CustomerLedgerLine[]> {
  const rows = await em.execute<Record<string, string | number | null>[]>(
    `SELECT * FROM (
       SELECT l.id AS line_id, e.id AS entry_id, e.seq, e.kind, to_char(l.effective_date, 'YYYY-MM-DD') AS effective_date, e.posted_at,
              e.source_type, e.source_id, e.description, l.memo, l.currency, l.debit, l.credit,
              sum(l.debit - l.credit) OVER (PARTITION BY l.currency ORDER BY l.effective_date, e.seq, l.id) AS running
         FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id
        WHERE l.customer_id = ? AND l.account_code = ? AND (?::text IS NULL OR l.currency = ?::text)
     ) t
     WHERE (?::date IS NULL OR (effective_date::date, seq, line_id) > (?::date, ?::bigint, ?::bigint))
     ORDER BY effective_date, seq, line_id LIMIT ?`,
    [
      input.customerId,
      input.accountCode,
      input.currency ?? null,
      input.currency ?? null,
      input.after?.[0] ?? null,
      input.after?.[0] ?? null,
      input.after?.[1] ?? null,
      input.after?.[2] ?? null,
      input.limit,
    ],
  );
  return rows.map((r) => ({
    lineId: Number(r.line_id),
    entryId: String(r.entry_id),
    entrySeq: Number(r.seq),
    kind: String(r.kind),
    effectiveDate: String(r.effective_date),
    postedAt: new Date(r.posted_at as string).toISOString(),
    sourceType: String(r.source_type),
    sourceId: String(r.source_id),
    description: (r.description as string | null) ?? null,
    memo: (r.memo as string | null) ?? null,
    currency: String(r.currency).trim(),
    debit: Number(r.debit),
    credit: Number(r.credit),
    runningBalance: Number(r.running),
  }));
}

export interface JournalEntryView {
  id: string;
  seq: number;
  idempotencyKey: string;
  kind: string;
  effectiveDate: string;
  sourceType: string;
  sourceId: string;
  description: string | null;
  reversesEntryId: string | null;
  postedAt: string;
  lines: {
    lineNo: number;
    accountCode: string;
    account: string;
    customerId: string | null;
    debit: number;
    credit: number;
    currency: string;
    memo: string | null;
  }[];
}

/** Entries in posting order, optionally of one source document and/or kind, with their lines. */
export async function journalEntries(
  em: EntityManager,
  input: { sourceType?: string; sourceId?: string; kind?: string; afterSeq?: number; limit: number },
): Promise<JournalEntryView[]> {
  const entries = await em.execute<Record<string, string | number | null>[]>(
    `SELECT id, seq, idempotency_key, kind, to_char(effective_date, 'YYYY-MM-DD') AS effective_date, source_type, source_id, description, reverses_entry_id, posted_at
       FROM journal_entry
      WHERE (?::text IS NULL OR source_type = ?::text) AND (?::text IS NULL OR source_id = ?::text) AND (?::text IS NULL OR kind = ?::text)
        AND seq > ? ORDER BY seq LIMIT ?`,
    [
      input.sourceType ?? null,
      input.sourceType ?? null,
      input.sourceId ?? null,
      input.sourceId ?? null,
      input.kind ?? null,
      input.kind ?? null,
      input.afterSeq ?? 0,
      input.limit,
    ],
  );
  if (entries.length === 0) return [];
  const lines = await em.execute<Record<string, string | number | null>[]>(
    `SELECT l.entry_id, l.line_no, l.account_code, a.role, l.customer_id, l.debit, l.credit, l.currency, l.memo
       FROM journal_line l JOIN ledger_account a ON a.code = l.account_code WHERE l.entry_id = ANY(?::uuid[]) ORDER BY l.entry_id, l.line_no`,
    [`{${entries.map((e) => e.id).join(',')}}`],
  );
  return entries.map((e) => ({
    id: String(e.id),
    seq: Number(e.seq),
    idempotencyKey: String(e.idempotency_key),
    kind: String(e.kind),
    effectiveDate: String(e.effective_date),
    sourceType: String(e.source_type),
    sourceId: String(e.source_id),
    description: (e.description as string | null) ?? null,
    reversesEntryId: (e.reverses_entry_id as string | null) ?? null,
    postedAt: new Date(e.posted_at as string).toISOString(),
    lines: lines
      .filter((l) => l.entry_id === e.id)
      .map((l) => ({
        lineNo: Number(l.line_no),
        accountCode: String(l.account_code),
        account: String(l.role),
        customerId: (l.customer_id as string | null) ?? null,
        debit: Number(l.debit),
        credit: Number(l.credit),
        currency: String(l.currency).trim(),
        memo: (l.memo as string | null) ?? null,
      })),
  }));
}
