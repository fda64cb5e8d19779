// Webhook subscriptions, deliveries and attempts in PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { visibilityBound } from '../../events/store/stream.js';
import { seal, sealedWithCurrent, unseal } from '../../security/keyring.js';

export interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  status: 'active' | 'deleted';
  createdBy: string;
  createdAt: string;
  deletedAt: string | null;
}

export interface Delivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  entityKey: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: string | null;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
  manualRetries: number;
  createdAt: string;
}

export interface Attempt {
  attemptNo: number;
  at: string;
  statusCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
  durationMs: number;
  outcome: 'delivered' | 'retry' | 'dead';
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

type Row = Record<string, unknown>;

export const subscriptionFromRow = (r: Row): Subscription => ({
  id: String(r.id),
  url: String(r.url),
  eventTypes: r.event_types as string[],
  description: (r.description as string | null) ?? null,
  status: r.status as Subscription['status'],
  createdBy: String(r.created_by),
  createdAt: iso(r.created_at as Date)!,
  deletedAt: iso(r.deleted_at as Date | null),
});

export const deliveryFromRow = (r: Row): Delivery => ({
  id: String(r.id),
  subscriptionId: String(r.subscription_id),
  eventId: String(r.event_id),
  eventType: String(r.event_type),
  entityKey: String(r.entity_key),
  status: r.status as Delivery['status'],
  attempts: Number(r.attempts),
  nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at as Date) : null,
  firstAttemptAt: iso(r.first_attempt_at as Date | null),
  lastAttemptAt: iso(r.last_attempt_at as Date | null),
  lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
  lastError: (r.last_error as string | null) ?? null,
  deliveredAt: iso(r.delivered_at as Date | null),
  deadAt: iso(r.dead_at as Date | null),
  manualRetries: Number(r.manual_retries),
  createdAt: iso(r.created_at as Date)!,
});

const SUBSCRIPTION_COLUMNS = 'id, url, event_types, description, status, created_by, created_at, deleted_at';

/**
 * Stores a subscription whose stream starts now: at the stream's visibility bound, so an event of a transaction already
 * in flight is not missed (a few events committed just before may be included).
 */
export async function insertSubscription(
  em: EntityManager,
  input: { url: string; eventTypes: string[]; secret: string; description: string | null; createdBy: string },
): Promise<Subscription> {
  const start = await visibilityBound(em);
  const [row] = await em.execute<Row[]>(
    `INSERT INTO webhook_subscription (id, url, event_types, secret, description, cursor_tx, cursor_position, created_by)
     VALUES (?, ?, ?::text[], ?, ?, ?::xid8, 0, ?) RETURNING ${SUBSCRIPTION_COLUMNS}`,
    [
      randomUUID(),
      input.url,
      `{${input.eventTypes.map((t) => `"${t}"`).join(',')}}`,
      seal(input.secret, SECRET_COLUMN),
      input.description,
      start,
      input.createdBy,
    ],
  );
  return subscriptionFromRow(row!);
}

export async function findSubscription(
  em: EntityManager,
  id: string,
): Promise<(Subscription & { secret: string }) | null> {
  const [row] = await em.execute<Row[]>(
    `SELECT ${SUBSCRIPTION_COLUMNS}, secret FROM webhook_subscription WHERE id = ?`,
    [id],
  );
  return row ? { ...subscriptionFromRow(row), secret: unseal(String(row.secret), SECRET_COLUMN) } : null;
}

/** The signing secret is sealed at rest (src/security/keyring.ts); the column name is the sealing's associated data. */
export const SECRET_COLUMN = 'webhook_subscription.secret';

/** Re-seals every signing secret not sealed with the current key (after a key rotation); returns how many. */
export async function resealSecrets(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ id: string; secret: string }[]>('SELECT id, secret FROM webhook_subscription');
  let resealed = 0;
  for (const row of rows) {
    if (sealedWithCurrent(row.secret)) continue;
    await em.execute('UPDATE webhook_subscription SET secret = ? WHERE id = ? AND secret = ?', [
      seal(unseal(row.secret, SECRET_COLUMN), SECRET_COLUMN),
      row.id,
      row.secret,
    ]);
    resealed += 1;
  }
  return resealed;
}

export async function listSubscriptions(
  em: EntityManager,
  limit: number,
  afterCreated?: { createdAt: string; id: string },
): Promise<Subscription[]> {
  const rows = await em.execute<Row[]>(
    `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscription WHERE status = 'active'
        AND (?::timestamptz IS NULL OR (created_at, id) > (?::timestamptz, ?::uuid))
      ORDER BY created_at, id LIMIT ?`,
    [afterCreated?.createdAt ?? null, afterCreated?.createdAt ?? null, afterCreated?.id ?? null, limit],
  );
  return rows.map(subscriptionFromRow);
}

export async function markSubscriptionDeleted(em: EntityManager, id: string): Promise<Subscription | null> {
  const [row] = await em.execute<Row[]>(
    `UPDATE webhook_subscription SET status = 'deleted', deleted_at = coalesce(deleted_at, now()) WHERE id = ? RETURNING ${SUBSCRIPTION_COLUMNS}`,
    [id],
  );
  return row ? subscriptionFromRow(row) : null;
}

export async function listDeliveries(
  em: EntityManager,
  input: {
    subscriptionId: string;
    status?: Delivery['status'];
    limit: number;
    before?: { createdAt: string; id: string };
  },
): Promise<Delivery[]> {
  const rows = await em.execute<Row[]>(
    `SELECT * FROM webhook_delivery WHERE subscription_id = ? AND (?::text IS NULL OR status = ?)
        AND (?::timestamptz IS NULL OR (created_at, id) < (?::timestamptz, ?::uuid))
      ORDER BY created_at DESC, id DESC LIMIT ?`,
    [
      input.subscriptionId,
      input.status ?? null,
      input.status ?? null,
      input.before?.createdAt ?? null,
      input.before?.createdAt ?? null,
      input.before?.id ?? null,
      input.limit,
    ],
  );
  return rows.map(deliveryFromRow);
}

export async function findDelivery(
  em: EntityManager,
  subscriptionId: string,
  deliveryId: string,
  options: { lock?: boolean } = {},
): Promise<Delivery | null> {
  const [row] = await em.execute<Row[]>(
    `SELECT * FROM webhook_delivery WHERE id = ? AND subscription_id = ?${options.lock ? ' FOR UPDATE' : ''}`,
    [deliveryId, subscriptionId],
  );
  return row ? deliveryFromRow(row) : null;
}

export async function attemptsOf(em: EntityManager, deliveryIds: readonly string[]): Promise<Map<string, Attempt[]>> {
  const result = new Map<string, Attempt[]>(deliveryIds.map((id) => [id, []]));
  if (!deliveryIds.length) return result;
  const rows = await em.execute<Row[]>(
    `SELECT * FROM webhook_attempt WHERE delivery_id = ANY(?::uuid[]) ORDER BY delivery_id, attempt_no`,
    [`{${deliveryIds.join(',')}}`],
  );
  for (const r of rows) {
    result.get(String(r.delivery_id))!.push({
      attemptNo: Number(r.attempt_no),
      at: iso(r.at as Date)!,
      statusCode: r.status_code === null ? null : Number(r.status_code),
      responseExcerpt: (r.response_excerpt as string | null) ?? null,
      error: (r.error as string | null) ?? null,
      durationMs: Number(r.duration_ms),
      outcome: r.outcome as Attempt['outcome'],
    });
  }
  return result;
}

/** Puts a dead delivery back in its lane for one more attempt now; false when it is not dead. */
export async function requeueDelivery(em: EntityManager, deliveryId: string): Promise<boolean> {
  const rows = await em.execute<unknown[]>(
    `UPDATE webhook_delivery SET status = 'pending', next_attempt_at = now(), due_now = true, dead_at = NULL, manual_retries = manual_retries + 1
      WHERE id = ? AND status = 'dead' RETURNING 1`,
    [deliveryId],
  );
  return rows.length > 0;
}
