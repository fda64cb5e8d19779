// Read side of the ledger: balances, a customer's activity with running balance, entries by source, and the
// invariant checks behind GET /ledger/check. Set-based SQL only.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountRole } from '../../reports/rules/chart.js';

export interface AccountBalance {
  role: AccountRole;
  code: string;
  currency: string;
  /** Debits minus credits, in minor units. */
  balance: number;
}

export async function trialBalance(em: EntityManager, asOf?: string): Promise<AccountBalance[]> {
  const rows = await em.execute<{ role: AccountRole; code: string; currency: string; balance: string }[]>(
    `SELECT a.role, a.code, l.currency, sum(l.debit - l.credit) AS balance
       FROM journal_line l JOIN ledger_account a ON a.code = l.account_code
      WHERE (?::date IS NULL OR l.effective_date <= ?::date)
      GROUP BY a.role, a.code, l.currency ORDER BY a.code, l.currency`,
    [asOf ?? null, asOf ?? null],
  );
  return rows.map((r) => ({ ...r, balance: Number(r.balance) }));
}

/** Balance of one account role for one customer (receivable: positive = owed to us; credit: negative = we owe). */
export async function customerAccountBalance(
  em: EntityManager,
  customerId: string,
  role: AccountRole,
  currency: string,
): Promise<number> {
  const [row] = await em.execute<{ balance: string | null }[]>(
    `SELECT sum(l.debit - l.credit) AS balance FROM journal_line l JOIN ledger_account a ON a.code = l.account_code
      WHERE l.customer_id = ? AND a.role = ? AND l.currency = ?`,
    [customerId, role, currency],
  );
  return Number(row?.balance ?? 0);
}

export interface UnbalancedEntry {
  entryId: string;
  currency: string;
  difference: number;
}

/** Entries whose debits and credits differ in some currency (the database refuses these; this proves it). */
export async function unbalancedEntries(em: EntityManager): Promise<UnbalancedEntry[]> {
  const rows = await em.execute<{ entry_id: string; currency: string; difference: string }[]>(
    `SELECT entry_id, currency, sum(debit) - sum(credit) AS difference FROM journal_line GROUP BY entry_id, currency HAVING sum(debit) <> sum(credit)`,
  );
  return rows.map((r) => ({ entryId: r.entry_id, currency: r.currency, difference: Number(r.difference) }));
}
