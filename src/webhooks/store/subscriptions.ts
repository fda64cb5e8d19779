// Webhook subscriptions, deliveries and attempts in PostgreSQL, through the typed query builder (src/db/kysely.ts):
// the rows' shapes come from the entities, so the mappers below only turn storage types into the API's.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Selectable } from 'kysely';
import { sql, tables, type Database } from '../../db/kysely.js';
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

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

type SubscriptionRow = Pick<
  Selectable<Database['webhook_subscription']>,
  'id' | 'url' | 'event_types' | 'description' | 'status' | 'created_by' | 'created_at' | 'deleted_at'
>;
type DeliveryRow = Selectable<Database['webhook_delivery']>;

const SUBSCRIPTION_COLUMNS = [
  'id',
  'url',
  'event_types',
  'description',
  'status',
  'created_by',
  'created_at',
  'deleted_at',
] as const satisfies readonly (keyof SubscriptionRow)[];

export const subscriptionFromRow = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  url: r.url,
  eventTypes: r.event_types as string[],
  description: r.description ?? null,
  status: r.status as Subscription['status'],
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  deletedAt: iso(r.deleted_at),
});

export const deliveryFromRow = (r: DeliveryRow): Delivery => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  // The column references domain_event.id (a uuid), not its primary key, which the inferred type assumes.
  eventId: String(r.event_id),
  eventType: r.event_type,
  entityKey: r.entity_key,
  status: r.status as Delivery['status'],
  attempts: Number(r.attempts),
  nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
  firstAttemptAt: iso(r.first_attempt_at),
  lastAttemptAt: iso(r.last_attempt_at),
  lastStatusCode: r.last_status_code ?? null,
  lastError: r.last_error ?? null,
  deliveredAt: iso(r.delivered_at),
  deadAt: iso(r.dead_at),
  manualRetries: Number(r.manual_retries),
  createdAt: iso(r.created_at)!,
});

/**
 * Stores a subscription whose stream starts now: at the stream's visibility bound, so an event of a transaction already
 * in flight is not missed (a few events committed just before may be included).
 */
export async function insertSubscription(
  em: EntityManager,
  input: { url: string; eventTypes: string[]; secret: string; description: string | null; createdBy: string },
): Promise<Subscription> {
  const start = await visibilityBound(em);
  const row = await tables(em)
    .insertInto('webhook_subscription')
    .values({
      id: randomUUID(),
      url: input.url,
      event_types: input.eventTypes,
      secret: seal(input.secret, SECRET_COLUMN),
      description: input.description,
      cursor_tx: sql`${start}::xid8`,
      cursor_position: 0,
      created_by: input.createdBy,
    })
    .returning(SUBSCRIPTION_COLUMNS)
    .executeTakeFirstOrThrow();
  return subscriptionFromRow(row);
}

export async function findSubscription(
  em: EntityManager,
  id: string,
): Promise<(Subscription & { secret: string }) | null> {
  const row = await tables(em)
    .selectFrom('webhook_subscription')
    .select([...SUBSCRIPTION_COLUMNS, 'secret'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? { ...subscriptionFromRow(row), secret: unseal(row.secret, SECRET_COLUMN) } : null;
}

/** The signing secret is sealed at rest (src/security/keyring.ts); the column name is the sealing's associated data. */
export const SECRET_COLUMN = 'webhook_subscription.secret';

/** Re-seals every signing secret not sealed with the current key (after a key rotation); returns how many. */
export async function resealSecrets(em: EntityManager): Promise<number> {
  const db = tables(em);
  const rows = await db.selectFrom('webhook_subscription').select(['id', 'secret']).execute();
  let resealed = 0;
  for (const row of rows) {
    if (sealedWithCurrent(row.secret)) continue;
    await db
      .updateTable('webhook_subscription')
      .set({ secret: seal(unseal(row.secret, SECRET_COLUMN), SECRET_COLUMN) })
      .where('id', '=', row.id)
      .where('secret', '=', row.secret)
      .execute();
    resealed += 1;
  }
  return resealed;
}

export async function listSubscriptions(
  em: EntityManager,
  limit: number,
  afterCreated?: { createdAt: string; id: string },
): Promise<Subscription[]> {
  let query = tables(em).selectFrom('webhook_subscription').select(SUBSCRIPTION_COLUMNS).where('status', '=', 'active');
  if (afterCreated) {
    query = query.where(
      (eb) => eb.refTuple('created_at', 'id'),
      '>',
      (eb) => eb.tuple(sql<Date>`${afterCreated.createdAt}::timestamptz`, sql<string>`${afterCreated.id}::uuid`),
    );
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map(subscriptionFromRow);
}

export async function markSubscriptionDeleted(em: EntityManager, id: string): Promise<Subscription | null> {
  const row = await tables(em)
    .updateTable('webhook_subscription')
    .set({ status: 'deleted', deleted_at: sql<Date>`coalesce(deleted_at, now())` })
    .where('id', '=', id)
    .returning(SUBSCRIPTION_COLUMNS)
    .executeTakeFirst();
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
  const { status, before } = input;
  let query = tables(em).selectFrom('webhook_delivery').selectAll().where('subscription_id', '=', input.subscriptionId);
  if (status) query = query.where('status', '=', status);
  if (before) {
    query = query.where(
      (eb) => eb.refTuple('created_at', 'id'),
      '<',
      (eb) => eb.tuple(sql<Date>`${before.createdAt}::timestamptz`, sql<string>`${before.id}::uuid`),
    );
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(input.limit).execute();
  return rows.map(deliveryFromRow);
}

export async function findDelivery(
  em: EntityManager,
  subscriptionId: string,
  deliveryId: string,
  options: { lock?: boolean } = {},
): Promise<Delivery | null> {
  const query = tables(em)
    .selectFrom('webhook_delivery')
    .selectAll()
    .where('id', '=', deliveryId)
    .where('subscription_id', '=', subscriptionId);
  const row = await (options.lock ? query.forUpdate() : query).executeTakeFirst();
  return row ? deliveryFromRow(row) : null;
}

export async function attemptsOf(em: EntityManager, deliveryIds: readonly string[]): Promise<Map<string, Attempt[]>> {
  const result = new Map<string, Attempt[]>(deliveryIds.map((id) => [id, []]));
  if (!deliveryIds.length) return result;
  const rows = await tables(em)
    .selectFrom('webhook_attempt')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('delivery_id')
    .orderBy('attempt_no')
    .execute();
  for (const r of rows) {
    result.get(r.delivery_id)!.push({
      attemptNo: r.attempt_no,
      at: iso(r.at)!,
      statusCode: r.status_code ?? null,
      responseExcerpt: r.response_excerpt ?? null,
      error: r.error ?? null,
      durationMs: r.duration_ms,
      outcome: r.outcome as Attempt['outcome'],
    });
  }
  return result;
}

/** Puts a dead delivery back in its lane for one more attempt now; false when it is not dead. */
export async function requeueDelivery(em: EntityManager, deliveryId: string): Promise<boolean> {
  const rows = await tables(em)
    .updateTable('webhook_delivery')
    .set((eb) => ({
      status: 'pending',
      next_attempt_at: sql<Date>`now()`,
      due_now: true,
      dead_at: null,
      manual_retries: eb('manual_retries', '+', 1),
    }))
    .where('id', '=', deliveryId)
    .where('status', '=', 'dead')
    .returning('id')
    .execute();
  return rows.length > 0;
}
