// The customer audit trail: one row per changed field, with who and when. Written in the same transaction as the
// change itself, so the trail can never disagree with the record. Tax ids in it are sealed as in the record.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FieldChange } from '../rules/customer.js';
import { openHistoryValue as shown, sealHistoryValue as stored } from './sealed-tax-id.js';

export interface HistoryEntry {
  id: number;
  at: string;
  actor: string;
  field: string;
  old: unknown;
  new: unknown;
  requestId: string | null;
}

export async function recordHistory(
  em: EntityManager,
  customerId: string,
  changes: readonly FieldChange[],
  actor: string,
  requestId?: string | null,
): Promise<void> {
  if (changes.length === 0) return;
  const values: unknown[] = [];
  const rows = changes.map((c) => {
    values.push(
      customerId,
      actor,
      c.field,
      JSON.stringify(stored(c.field, c.from ?? null)),
      JSON.stringify(stored(c.field, c.to ?? null)),
      requestId ?? null,
    );
    return '(?, ?, ?, ?::jsonb, ?::jsonb, ?)';
  });
  await em.execute(
    `INSERT INTO customer_history (customer_id, actor, field, old_value, new_value, request_id) VALUES ${rows.join(', ')}`,
    values,
  );
}

/** Newest first; `beforeId` is the keyset cursor. */
export async function listHistory(
  em: EntityManager,
  customerId: string,
  limit: number,
  beforeId?: number,
): Promise<HistoryEntry[]> {
  const rows = await em.execute<
    {
      id: string;
      at: Date;
      actor: string;
      field: string;
      old_value: unknown;
      new_value: unknown;
      request_id: string | null;
    }[]
  >(
    `SELECT id, at, actor, field, old_value, new_value, request_id FROM customer_history
      WHERE customer_id = ? AND (?::bigint IS NULL OR id < ?::bigint) ORDER BY id DESC LIMIT ?`,
    [customerId, beforeId ?? null, beforeId ?? null, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    field: r.field,
    old: shown(r.field, r.old_value),
    new: shown(r.field, r.new_value),
    requestId: r.request_id,
  }));
}
