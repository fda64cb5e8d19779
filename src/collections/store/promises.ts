// Promises to pay. The collection workflow validates a promise (its update validator) and then stores it here; it
// resolves it as kept once the covered invoices came down by the promised amount, or as broken after the promised
// date plus grace. A broken promise is an `promise.broken` event and counts in the account's facts.
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../../events/store/outbox.js';
import type { PromiseTerms } from '../rules/dunning.js';

export interface PromiseRecord {
  id: string;
  customerId: string;
  amount: number;
  currency: string;
  promisedDate: string;
  invoiceIds: string[];
  status: 'open' | 'kept' | 'broken' | 'cancelled';
  baselineAmount: number;
  deadlineAt: Date;
  createdBy: string;
  createdAt: Date;
  resolvedAt: Date | null;
}

const COLUMNS = `id, customer_id, amount, currency, to_char(promised_date, 'YYYY-MM-DD') AS promised_date, invoice_ids::text[] AS invoice_ids, status,
  baseline_amount, deadline_at, created_by, created_at, resolved_at`;

interface Row {
  id: string;
  customer_id: string;
  amount: string;
  currency: string;
  promised_date: string;
  invoice_ids: string[];
  status: PromiseRecord['status'];
  baseline_amount: string;
  deadline_at: Date;
  created_by: string;
  created_at: Date;
  resolved_at: Date | null;
}

const toRecord = (r: Row): PromiseRecord => ({
  id: r.id,
  customerId: r.customer_id,
  amount: Number(r.amount),
  currency: r.currency,
  promisedDate: r.promised_date,
  invoiceIds: r.invoice_ids,
  status: r.status,
  baselineAmount: Number(r.baseline_amount),
  deadlineAt: new Date(r.deadline_at),
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
});

export interface NewPromise extends PromiseTerms {
  id: string;
  customerId: string;
  createdBy: string;
  createdAt: string;
}

/** Stores the promise once (the id comes from the request) with its `promise.created` event. */
export async function insertPromise(em: EntityManager, p: NewPromise): Promise<PromiseRecord> {
  return em.transactional(async (tx) => {
    const inserted = await tx.execute<{ id: string }[]>(
      `INSERT INTO promise_to_pay (id, customer_id, amount, currency, promised_date, invoice_ids, baseline_amount, deadline_at, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?::uuid[], ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        p.id,
        p.customerId,
        p.amount,
        p.currency,
        p.promisedDate,
        `{${p.invoiceIds.join(',')}}`,
        p.baselineAmount,
        p.deadlineAt,
        p.createdBy,
        p.createdAt,
      ],
    );
    if (inserted.length) {
      await recordEvent(tx, {
        type: 'promise.created',
        entityType: 'promise_to_pay',
        entityId: p.id,
        customerId: p.customerId,
        actor: p.createdBy,
        data: {
          amount: { amount: p.amount, currency: p.currency },
          promisedDate: p.promisedDate,
          invoiceIds: p.invoiceIds,
        },
        dedupeKey: `promise:${p.id}:created`,
      });
    }
    const [row] = await tx.execute<Row[]>(`SELECT ${COLUMNS} FROM promise_to_pay WHERE id = ?`, [p.id]);
    return toRecord(row!);
  });
}

/** Marks an open promise kept, broken or cancelled (once), with its event; false when it was no longer open. */
export async function resolvePromise(
  em: EntityManager,
  input: { id: string; status: 'kept' | 'broken' | 'cancelled'; at: string; by: string },
): Promise<boolean> {
  return em.transactional(async (tx) => {
    const rows = await tx.execute<{ customer_id: string; amount: string; currency: string }[]>(
      `UPDATE promise_to_pay SET status = ?, resolved_at = ? WHERE id = ? AND status = 'open' RETURNING customer_id, amount, currency`,
      [input.status, input.at, input.id],
    );
    const row = rows[0];
    if (!row) return false;
    if (input.status !== 'cancelled') {
      await recordEvent(tx, {
        type: input.status === 'kept' ? 'promise.kept' : 'promise.broken',
        entityType: 'promise_to_pay',
        entityId: input.id,
        customerId: row.customer_id,
        actor: input.by,
        data: { amount: { amount: Number(row.amount), currency: row.currency } },
        dedupeKey: `promise:${input.id}:${input.status}`,
      });
    }
    return true;
  });
}

export async function promisesOf(em: EntityManager, customerId: string): Promise<PromiseRecord[]> {
  const rows = await em.execute<Row[]>(
    `SELECT ${COLUMNS} FROM promise_to_pay WHERE customer_id = ? ORDER BY created_at DESC, id`,
    [customerId],
  );
  return rows.map(toRecord);
}
