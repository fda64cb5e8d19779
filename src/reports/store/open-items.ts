// One customer's open items as of a date (invoices with their number and dates, unapplied credits, other items),
// from the open-items table rewound by the movements dated after that date: what a statement lists.
import type { EntityManager } from '@mikro-orm/postgresql';

export interface OpenItem {
  itemType: 'invoice' | 'credit' | 'other';
  /** Invoice number, or the source of a credit (e.g. payment:<id>). */
  reference: string;
  invoiceId: string | null;
  currency: string;
  /** Posting date of the item's first movement. */
  postedOn: string;
  issueDate: string | null;
  dueDate: string | null;
  /** Open amount as of the date: positive owed to us, negative owed to the customer. */
  amount: number;
}

export async function customerOpenItems(
  em: EntityManager,
  input: { customerId: string; asOf: string; currency?: string },
): Promise<OpenItem[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `WITH later AS (
       SELECT m.item_id, sum(m.amount) AS amount
         FROM ar_item_movement m JOIN ar_open_item o ON o.id = m.item_id
        WHERE o.customer_id = ? AND m.effective_date > ?::date GROUP BY m.item_id
     )
     SELECT o.item_type, o.ref, o.invoice_id, o.currency, to_char(o.opened_on, 'YYYY-MM-DD') AS posted_on,
            to_char(coalesce(i.issue_date, o.issue_date), 'YYYY-MM-DD') AS issue_date, to_char(coalesce(i.due_date, o.due_date), 'YYYY-MM-DD') AS due_date,
            i.number, o.balance - coalesce(l.amount, 0) AS amount
       FROM ar_open_item o
       LEFT JOIN later l ON l.item_id = o.id
       LEFT JOIN invoice i ON i.id = o.invoice_id
      WHERE o.customer_id = ? AND (o.balance <> 0 OR l.item_id IS NOT NULL) AND o.balance - coalesce(l.amount, 0) <> 0
        AND (?::text IS NULL OR o.currency = ?::text)
      ORDER BY coalesce(o.due_date, o.opened_on), o.opened_on, o.id`,
    [input.customerId, input.asOf, input.customerId, input.currency ?? null, input.currency ?? null],
  );
  return rows.map((r) => ({
    itemType: r.item_type as OpenItem['itemType'],
    reference: r.number ? String(r.number) : String(r.ref),
    invoiceId: (r.invoice_id as string | null) ?? null,
    currency: String(r.currency).trim(),
    postedOn: String(r.posted_on),
    issueDate: (r.issue_date as string | null) ?? null,
    dueDate: (r.due_date as string | null) ?? null,
    amount: Number(r.amount),
  }));
}
