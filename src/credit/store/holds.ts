// Credit hold and release of a customer account. One place for every caller (the hold/release routes, collection
// policy actions, credit decisions): the `customer.hold` column, the derived status, the audit trail and the
// account.held / account.released events commit together. Signalling the account workflow after the commit is the
// caller's job (`accountProfileChangedSignal` with the returned changes); its next refresh reads the record anyway.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountDelinquency, AccountHold } from '../../customers/rules/account.js';
import { deriveStatus, type CustomerStatus, type FieldChange } from '../../customers/rules/customer.js';
import { recordEvent } from '../../events/store/outbox.js';
import { recordHistory } from '../../customers/store/history.js';

/** Who asked for the hold: a person (staff route), collections policy, or a credit decision. */
export type HoldSource = 'staff' | 'collections' | 'credit';

export interface HoldInput {
  customerId: string;
  reason: string;
  by: string;
  source: HoldSource | string;
  /** Audit correlation (request id or workflow step key); also the event dedupe key when given. */
  requestId?: string;
}

export interface ReleaseInput {
  customerId: string;
  reason: string;
  by: string;
  requestId?: string;
}

export interface HoldResult {
  /** false when the customer was already in the requested state (nothing written). */
  changed: boolean;
  version: number;
  status: CustomerStatus;
  hold: AccountHold | null;
  /** The field changes made, to pass on to the account workflow. */
  changes: FieldChange[];
}

export class HoldRefused extends Error {
  constructor(
    readonly code: 'not_found' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'HoldRefused';
  }
}

interface Row {
  status: CustomerStatus;
  hold: AccountHold | null;
  delinquency: AccountDelinquency | null;
  version: number;
}

async function lockRow(em: EntityManager, customerId: string): Promise<Row> {
  const [row] = await em.execute<Row[]>(
    'SELECT status, hold, delinquency, version FROM customer WHERE id = ? FOR UPDATE',
    [customerId],
  );
  if (!row) throw new HoldRefused('not_found', `customer ${customerId} does not exist`);
  if (row.status === 'closed')
    throw new HoldRefused('closed', `customer ${customerId} is closed; a closed account is not held or released`);
  return row;
}

async function write(
  em: EntityManager,
  customerId: string,
  row: Row,
  hold: AccountHold | null,
  by: string,
  requestId: string | undefined,
  extra: FieldChange[],
): Promise<HoldResult> {
  const status = deriveStatus({ closed: false, onHold: hold !== null, delinquent: row.delinquency !== null });
  const [updated] = await em.execute<{ version: number }[]>(
    'UPDATE customer SET hold = ?::jsonb, status = ?, version = version + 1, updated_at = now() WHERE id = ? RETURNING version',
    [hold === null ? null : JSON.stringify(hold), status, customerId],
  );
  const changes: FieldChange[] = [{ field: 'hold', from: row.hold, to: hold }];
  if (status !== row.status) changes.push({ field: 'status', from: row.status, to: status });
  await recordHistory(em, customerId, [...changes, ...extra], by, requestId ?? null);
  return { changed: true, version: updated!.version, status, hold, changes };
}

/**
 * Puts the account on credit hold. Must run inside the caller's transaction (`em.transactional`). A hold with the
 * same reason as the current one changes nothing (so a retried caller is a no-op); a different reason replaces it.
 */
export async function placeHold(em: EntityManager, input: HoldInput): Promise<HoldResult> {
  const row = await lockRow(em, input.customerId);
  if (row.hold && row.hold.reason === input.reason)
    return { changed: false, version: row.version, status: row.status, hold: row.hold, changes: [] };
  const hold: AccountHold = { reason: input.reason, by: input.by, at: new Date().toISOString() };
  const result = await write(em, input.customerId, row, hold, input.by, input.requestId, [
    { field: 'holdSource', from: null, to: input.source },
  ]);
  await recordEvent(em, {
    type: 'account.held',
    entityType: 'customer',
    entityId: input.customerId,
    customerId: input.customerId,
    data: { reason: input.reason, source: input.source, previous: row.hold, version: result.version },
    actor: input.by,
    ...(input.requestId ? { dedupeKey: `account.held:${input.requestId}` } : {}),
  });
  return result;
}

/** Releases a credit hold. Releasing an account that is not on hold changes nothing. */
export async function releaseHold(em: EntityManager, input: ReleaseInput): Promise<HoldResult> {
  const row = await lockRow(em, input.customerId);
  if (!row.hold) return { changed: false, version: row.version, status: row.status, hold: null, changes: [] };
  const result = await write(em, input.customerId, row, null, input.by, input.requestId, [
    { field: 'releaseReason', from: null, to: input.reason },
  ]);
  await recordEvent(em, {
    type: 'account.released',
    entityType: 'customer',
    entityId: input.customerId,
    customerId: input.customerId,
    data: { reason: input.reason, released: row.hold, version: result.version },
    actor: input.by,
    ...(input.requestId ? { dedupeKey: `account.released:${input.requestId}` } : {}),
  });
  return result;
}
