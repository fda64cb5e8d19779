// The customer audit trail: one row per changed field, with who and when. Written in the same transaction as the
// change itself, so the trail can never disagree with the record. Tax ids in it are sealed as in the record.
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, tables } from '../../db/kysely.js';
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
  const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;
  await tables(em)
    .insertInto('customer_history')
    .values(
      changes.map((c) => ({
        customer_id: customerId,
        actor,
        field: c.field,
        old_value: json(stored(c.field, c.from ?? null)),
        new_value: json(stored(c.field, c.to ?? null)),
        request_id: requestId ?? null,
      })),
    )
    .execute();
}

/** Newest first; `beforeId` is the keyset cursor. */
export async function listHistory(
  em: EntityManager,
  customerId: string,
  limit: number,
  beforeId?: number,
): Promise<HistoryEntry[]> {
  let query = tables(em)
    .selectFrom('customer_history')
    .select(['id', 'at', 'actor', 'field', 'old_value', 'new_value', 'request_id'])
    .where('customer_id', '=', customerId);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    field: r.field,
    old: shown(r.field, r.old_value),
    new: shown(r.field, r.new_value),
    requestId: r.request_id ?? null,
  }));
}
