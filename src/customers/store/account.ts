// Reads and writes of the customer record on behalf of the account workflow.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountDelinquency, AccountHold, AccountSnapshot, AccountStatus } from '../rules/account.js';
import { deriveStatus, type FieldChange } from '../rules/customer.js';
import { recordHistory } from './history.js';
import { recordEvent } from '../../events/store/outbox.js';

interface ProfileRow {
  status: AccountStatus;
  currency: string;
  version: number;
  terms_code: string;
  credit_limit: string | null;
  hold: AccountHold | null;
  delinquency: AccountDelinquency | null;
}

export async function loadProfileSnapshot(em: EntityManager, customerId: string): Promise<AccountSnapshot> {
  const [row] = await em.execute<ProfileRow[]>(
    'SELECT status, currency, version, terms_code, credit_limit, hold, delinquency FROM customer WHERE id = ?',
    [customerId],
  );
  if (!row) return { exists: false, status: 'closed', currency: '', profileVersion: 0 };
  return {
    exists: true,
    status: row.status,
    currency: row.currency,
    profileVersion: row.version,
    termsCode: row.terms_code,
    creditLimit: row.credit_limit === null ? null : { amount: Number(row.credit_limit), currency: row.currency },
    hold: row.hold,
    delinquency: row.delinquency,
  };
}

/** Sets (or clears) the delinquency flag; the status follows unless the account is closed or on hold. */
export async function writeDelinquency(
  em: EntityManager,
  input: { customerId: string; delinquency: AccountDelinquency | null; by: string; requestId: string },
): Promise<{ version: number; changed: boolean }> {
  const [row] = await em.execute<
    { status: AccountStatus; hold: AccountHold | null; delinquency: AccountDelinquency | null; version: number }[]
  >('SELECT status, hold, delinquency, version FROM customer WHERE id = ? FOR UPDATE', [input.customerId]);
  if (!row || row.status === 'closed') return { version: row?.version ?? 0, changed: false };
  if (JSON.stringify(row.delinquency?.reasons ?? null) === JSON.stringify(input.delinquency?.reasons ?? null))
    return { version: row.version, changed: false };
  const status = deriveStatus({ closed: false, onHold: row.hold !== null, delinquent: input.delinquency !== null });
  const [updated] = await em.execute<{ version: number }[]>(
    'UPDATE customer SET delinquency = ?::jsonb, status = ?, version = version + 1, updated_at = now() WHERE id = ? RETURNING version',
    [input.delinquency === null ? null : JSON.stringify(input.delinquency), status, input.customerId],
  );
  const changes: FieldChange[] = [{ field: 'delinquency', from: row.delinquency, to: input.delinquency }];
  if (status !== row.status) changes.push({ field: 'status', from: row.status, to: status });
  await recordHistory(em, input.customerId, changes, input.by, input.requestId);
  await recordEvent(em, {
    type: 'customer.updated',
    entityType: 'customer',
    entityId: input.customerId,
    customerId: input.customerId,
    actor: input.by,
    data: { changes: changes.map((c) => c.field), delinquency: input.delinquency, status },
    dedupeKey: `${input.requestId}:customer.updated`,
  });
  return { version: updated!.version, changed: true };
}
