// The aggregates the customer account workflow decides on, read set-based from the documents (one query per
// refresh, however many invoices the customer has), so no invoice event needs to reach the account workflow.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountFacts } from '../../collections/rules/delinquency.js';

/** Invoice statuses that no longer carry an amount the customer owes. */
export const CLOSED_INVOICE_STATUSES = ['paid', 'cancelled', 'written_off'] as const;

export async function accountFacts(em: EntityManager, customerId: string, asOf: string): Promise<AccountFacts> {
  const [row] = await em.execute<
    {
      open_count: string;
      open_amount: string | null;
      oldest_due: string | null;
      overdue_count: string;
      overdue_amount: string | null;
    }[]
  >(
    `SELECT count(*) AS open_count, sum(open_amount) AS open_amount, to_char(min(due_date), 'YYYY-MM-DD') AS oldest_due,
            count(*) FILTER (WHERE due_date < ?::date) AS overdue_count, sum(open_amount) FILTER (WHERE due_date < ?::date) AS overdue_amount
       FROM invoice
      WHERE customer_id = ? AND status NOT IN (${CLOSED_INVOICE_STATUSES.map(() => '?').join(', ')}) AND open_amount > 0`,
    [asOf, asOf, customerId, ...CLOSED_INVOICE_STATUSES],
  );
  // Broken promises still unresolved: the promise broke and something it covered is still owed.
  const [promises] = await em.execute<{ broken: string }[]>(
    `SELECT count(*) AS broken FROM promise_to_pay p
      WHERE p.customer_id = ? AND p.status = 'broken'
        AND EXISTS (SELECT 1 FROM invoice i WHERE i.id = ANY (p.invoice_ids) AND i.open_amount > 0
                     AND i.status NOT IN (${CLOSED_INVOICE_STATUSES.map(() => '?').join(', ')}))`,
    [customerId, ...CLOSED_INVOICE_STATUSES],
  );
  return {
    openInvoiceCount: Number(row?.open_count ?? 0),
    openAmount: Number(row?.open_amount ?? 0),
    oldestOpenDueDate: row?.oldest_due ?? null,
    overdueInvoiceCount: Number(row?.overdue_count ?? 0),
    overdueAmount: Number(row?.overdue_amount ?? 0),
    brokenPromises: Number(promises?.broken ?? 0),
  };
}
