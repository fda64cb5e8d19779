// Who is due a statement: customers (open, not merged) whose statement frequency has a completed period that was not
// sent yet and who have something to show for it (a balance at the period end or activity in it). Read a page of
// customers at a time in id order, so a run over any number of customers is a sequence of small queries.
import type { EntityManager } from '@mikro-orm/postgresql';
import { accountFor } from '../../reports/rules/chart.js';
import {
  DEFAULT_STATEMENT_FREQUENCY,
  isStatementFrequency,
  lastCompletedPeriod,
  statementKey,
  type StatementPeriod,
} from '../rules/statements.js';

export interface DueStatement {
  customerId: string;
  period: StatementPeriod;
}

export interface DueStatementsPage {
  due: DueStatement[];
  /** Id of the last customer looked at: pass it as `afterCustomerId` for the next page; null when done. */
  next: string | null;
}

export async function dueStatements(
  em: EntityManager,
  input: { asOf: string; afterCustomerId: string | null; pageSize: number },
): Promise<DueStatementsPage> {
  const customers = await em.execute<{ id: string; frequency: string | null }[]>(
    `SELECT id, communication->>'statementFrequency' AS frequency FROM customer
      WHERE status <> 'closed' AND merged_into IS NULL AND (?::uuid IS NULL OR id > ?::uuid)
      ORDER BY id LIMIT ?`,
    [input.afterCustomerId, input.afterCustomerId, input.pageSize],
  );
  const candidates = customers.flatMap((c) => {
    const frequency = isStatementFrequency(c.frequency) ? c.frequency : DEFAULT_STATEMENT_FREQUENCY;
    const period = lastCompletedPeriod(frequency, input.asOf);
    return period ? [{ customerId: c.id, period }] : [];
  });
  const next = customers.length === input.pageSize ? customers.at(-1)!.id : null;
  if (candidates.length === 0) return { due: [], next };
  const accounts = [accountFor('accounts_receivable').code, accountFor('customer_credit').code];
  const rows = await em.execute<{ id: string }[]>(
    `SELECT x.id FROM unnest(?::uuid[], ?::date[], ?::date[], ?::text[]) AS x(id, p_from, p_to, key)
      WHERE NOT EXISTS (SELECT 1 FROM outbound_message m WHERE m.idempotency_key = x.key AND m.status = 'sent')
        AND (EXISTS (SELECT 1 FROM journal_line l WHERE l.customer_id = x.id AND l.account_code IN (?, ?) AND l.effective_date BETWEEN x.p_from AND x.p_to)
             OR (SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_line l WHERE l.customer_id = x.id AND l.account_code IN (?, ?) AND l.effective_date <= x.p_to) <> 0)`,
    [
      `{${candidates.map((c) => c.customerId).join(',')}}`,
      `{${candidates.map((c) => c.period.from).join(',')}}`,
      `{${candidates.map((c) => c.period.to).join(',')}}`,
      `{${candidates.map((c) => `"${statementKey(c.customerId, c.period)}"`).join(',')}}`,
      ...accounts,
      ...accounts,
    ],
  );
  const wanted = new Set(rows.map((r) => r.id));
  return { due: candidates.filter((c) => wanted.has(c.customerId)), next };
}
