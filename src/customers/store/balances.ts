// A customer's balances from the ledger (the maintained per-customer balance rows), its open invoices summary, and
// the proof that the maintained balances equal the sum of the journal lines.
import type { EntityManager } from '@mikro-orm/postgresql';
import { accountFor } from '../../reports/rules/chart.js';
import type { Money } from '../../shared/money.js';
import { CLOSED_INVOICE_STATUSES } from './facts.js';

export const RECEIVABLE_CODE = accountFor('accounts_receivable').code;
export const CREDIT_CODE = accountFor('customer_credit').code;

export interface CustomerBalance {
  /** Debit balance of the receivable sub-ledger: what open documents say the customer owes. */
  receivable: Money;
  /** Customer credit sub-ledger as a positive amount: what we owe the customer (unapplied payments, credits). */
  credit: Money;
  net: Money;
}

export async function customerBalance(
  em: EntityManager,
  customerId: string,
  currency: string,
): Promise<CustomerBalance> {
  const rows = await em.execute<{ account_code: string; balance: string }[]>(
    'SELECT account_code, balance FROM customer_ledger_balance WHERE customer_id = ? AND currency = ? AND account_code IN (?, ?)',
    [customerId, currency, RECEIVABLE_CODE, CREDIT_CODE],
  );
  const of = (code: string) => Number(rows.find((r) => r.account_code === code)?.balance ?? 0);
  const receivable = of(RECEIVABLE_CODE);
  const credit = -of(CREDIT_CODE);
  return {
    receivable: { amount: receivable, currency },
    credit: { amount: credit, currency },
    net: { amount: receivable - credit, currency },
  };
}

export interface OpenInvoicesSummary {
  count: number;
  total: Money;
  overdueCount: number;
  overdue: Money;
  oldestDueDate: string | null;
}

export async function openInvoicesSummary(
  em: EntityManager,
  customerId: string,
  currency: string,
  today: string,
): Promise<OpenInvoicesSummary> {
  const [row] = await em.execute<
    { count: string; total: string | null; overdue_count: string; overdue: string | null; oldest: string | null }[]
  >(
    `SELECT count(*) AS count, sum(open_amount) AS total, count(*) FILTER (WHERE due_date < ?::date) AS overdue_count,
            sum(open_amount) FILTER (WHERE due_date < ?::date) AS overdue, to_char(min(due_date), 'YYYY-MM-DD') AS oldest
       FROM invoice WHERE customer_id = ? AND currency = ? AND open_amount > 0 AND status NOT IN (${CLOSED_INVOICE_STATUSES.map(() => '?').join(', ')})`,
    [today, today, customerId, currency, ...CLOSED_INVOICE_STATUSES],
  );
  return {
    count: Number(row?.count ?? 0),
    total: { amount: Number(row?.total ?? 0), currency },
    overdueCount: Number(row?.overdue_count ?? 0),
    overdue: { amount: Number(row?.overdue ?? 0), currency },
    oldestDueDate: row?.oldest ?? null,
  };
}

export interface BalanceMismatch {
  customerId: string;
  accountCode: string;
  currency: string;
  maintained: number;
  fromLines: number;
}

/** Maintained balances that differ from the sum of the journal lines (expected: none). */
export async function customerBalanceMismatches(em: EntityManager): Promise<BalanceMismatch[]> {
  const rows = await em.execute<
    {
      customer_id: string;
      account_code: string;
      currency: string;
      maintained: string | null;
      from_lines: string | null;
    }[]
  >(`
    SELECT coalesce(b.customer_id, l.customer_id) AS customer_id, coalesce(b.account_code, l.account_code) AS account_code,
           coalesce(b.currency, l.currency) AS currency, b.balance AS maintained, l.balance AS from_lines
      FROM customer_ledger_balance b
      FULL JOIN (SELECT customer_id, account_code, currency, sum(debit - credit) AS balance FROM journal_line
                  WHERE customer_id IS NOT NULL GROUP BY customer_id, account_code, currency) l
        ON l.customer_id = b.customer_id AND l.account_code = b.account_code AND l.currency = b.currency
     WHERE b.balance IS DISTINCT FROM l.balance`);
  return rows.map((r) => ({
    customerId: r.customer_id,
    accountCode: r.account_code,
    currency: r.currency,
    maintained: Number(r.maintained ?? 0),
    fromLines: Number(r.from_lines ?? 0),
  }));
}
