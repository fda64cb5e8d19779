// What the webhook dispatcher does in the database and on the wire:
// - fan-out: new outbox events after the subscription's cursor become deliveries, and the cursor moves, in one
//   transaction (so an event is fanned out exactly once and a crash in between loses nothing);
// - lanes: the oldest pending delivery of each entity is its lane head; only heads are attempted, so a subscription
//   receives one entity's events in order while other entities go ahead;
// - one attempt: sign, POST with a timeout, record the attempt and move the delivery to delivered, next attempt, or dead.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { durationMs } from '../../shared/duration.js';
import { eventTypeMatches, laneOf, nextAttemptAt, type WebhookPolicy } from '../rules/webhook-policy.js';
import { EVENT_COLUMNS, eventFromRow, readStream, type StoredEvent } from '../../events/store/stream.js';
import { unseal } from '../../security/keyring.js';
import { SECRET_COLUMN } from './subscriptions.js';
import {
  DELIVERY_ID_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
} from '../signature.js';

/** The JSON body a receiver gets (also the item shape of `GET /events`, without the cursor). */
export function eventEnvelope(event: StoredEvent) {
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    entity: { type: event.entityType, id: event.entityId },
    customerId: event.customerId,
    actor: event.actor,
    data: event.data,
  };
}

export interface FanOutResult {
  active: boolean;
  read: number;
  created: number;
}

export async function fanOut(em: EntityManager, subscriptionId: string, batch: number): Promise<FanOutResult> {
  return em.transactional(async (tx) => {
    const [sub] = await tx.execute<
      { status: string; event_types: string[]; cursor_tx: string; cursor_position: string }[]
    >(
      'SELECT status, event_types, cursor_tx::text AS cursor_tx, cursor_position FROM webhook_subscription WHERE id = ? FOR UPDATE',
      [subscriptionId],
    );
    if (!sub || sub.status !== 'active') return { active: false, read: 0, created: 0 };
    const { events, next } = await readStream(tx, {
      after: { tx: sub.cursor_tx, position: Number(sub.cursor_position) },
      limit: batch,
    });
    const wanted = events.filter((e) => eventTypeMatches(sub.event_types, e.type));
    let created = 0;
    if (wanted.length) {
      const values: unknown[] = [];
      const rows = wanted.map((e) => {
        values.push(randomUUID(), subscriptionId, e.id, e.position, e.type, laneOf(e));
        return '(?, ?, ?, ?, ?, ?)';
      });
      const inserted = await tx.execute<unknown[]>(
        `INSERT INTO webhook_delivery (id, subscription_id, event_id, event_position, event_type, entity_key) VALUES ${rows.join(', ')}
         ON CONFLICT (subscription_id, event_id) DO NOTHING RETURNING 1`,
        values,
      );
      created = inserted.length;
    }
    if (events.length) {
      await tx.execute('UPDATE webhook_subscription SET cursor_tx = ?::xid8, cursor_position = ? WHERE id = ?', [
        next.tx,
        next.position,
        subscriptionId,
      ]);
    }
    return { active: true, read: events.length, created };
  });
}

export interface DueDeliveries {
  due: string[];
  /** Earliest next attempt of a lane head that is not due yet (ISO), if any. */
  nextDueAt: string | null;
  pending: number;
}

/** Lane heads due at `now` (oldest first, at most `max`), and when the next one falls due. */
export async function dueDeliveries(
  em: EntityManager,
  subscriptionId: string,
  now: Date,
  max: number,
): Promise<DueDeliveries> {
  const heads = await em.execute<{ id: string; next_attempt_at: Date; due_now: boolean }[]>(
    `SELECT DISTINCT ON (entity_key) id, next_attempt_at, due_now FROM webhook_delivery
      WHERE subscription_id = ? AND status = 'pending' ORDER BY entity_key, event_position`,
    [subscriptionId],
  );
  const sorted = heads
    .map((h) => ({ id: h.id, at: h.due_now ? new Date(0) : new Date(h.next_attempt_at) }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const due = sorted.filter((h) => h.at.getTime() <= now.getTime());
  const later = sorted.find((h) => h.at.getTime() > now.getTime());
  return {
    due: due.slice(0, max).map((h) => h.id),
    nextDueAt: later ? later.at.toISOString() : null,
    pending: heads.length,
  };
}

export interface AttemptOutcome {
  deliveryId: string;
  status: 'delivered' | 'pending' | 'dead' | 'skipped';
  statusCode: number | null;
  attemptNo: number | null;
  nextAttemptAt: string | null;
}

/** Sends one attempt of a pending delivery and records it. `now` is the dispatcher's clock (its schedule). */
export async function attemptDelivery(
  em: EntityManager,
  input: { deliveryId: string; now: Date; policy: WebhookPolicy },
): Promise<AttemptOutcome> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    `SELECT d.status, d.attempts, d.first_attempt_at, s.url, s.secret, s.status AS subscription_status, ${EVENT_COLUMNS.split(
      ', ',
    )
      .map((c) => `e.${c}`)
      .join(', ')}
       FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription_id JOIN domain_event e ON e.id = d.event_id
      WHERE d.id = ?`,
    [input.deliveryId],
  );
  const skipped = (status: AttemptOutcome['status']): AttemptOutcome => ({
    deliveryId: input.deliveryId,
    status,
    statusCode: null,
    attemptNo: null,
    nextAttemptAt: null,
  });
  if (!row) return skipped('skipped');
  if (row.status !== 'pending') return skipped(row.status as AttemptOutcome['status']);
  if (row.subscription_status !== 'active') return skipped('skipped');

  const event = eventFromRow(row as never);
  const body = JSON.stringify(eventEnvelope(event));
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  let statusCode: number | null = null;
  let excerpt: string | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(String(row.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'ar-engine-webhooks/1',
        [SIGNATURE_HEADER]: signatureHeader(unseal(String(row.secret), SECRET_COLUMN), timestamp, body),
        [DELIVERY_ID_HEADER]: input.deliveryId,
        [EVENT_ID_HEADER]: event.id,
        [EVENT_TYPE_HEADER]: event.type,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(durationMs(input.policy.requestTimeout)),
    });
    statusCode = response.status;
    excerpt = (await response.text().catch(() => '')).slice(0, 1000);
  } catch (err) {
    error = (
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${input.policy.requestTimeout}`
        : (err as Error).message
    ).slice(0, 1000);
  }
  const durationMsTaken = Math.round(performance.now() - started);
  const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
  const attemptNo = Number(row.attempts) + 1;
  const firstAttemptAt = row.first_attempt_at ? new Date(row.first_attempt_at as Date) : input.now;
  const next = delivered
    ? null
    : nextAttemptAt(input.policy, { failedAttempts: attemptNo, firstAttemptAt, lastAttemptAt: input.now });
  const outcome: 'delivered' | 'retry' | 'dead' = delivered ? 'delivered' : next ? 'retry' : 'dead';
  if (!error && !delivered) error = `HTTP ${statusCode}`;

  const recorded = await em.transactional(async (tx) => {
    // Guarded by the attempt count: a retried activity whose first run already recorded this attempt changes nothing.
    const updated = await tx.execute<unknown[]>(
      `UPDATE webhook_delivery SET attempts = ?, first_attempt_at = coalesce(first_attempt_at, ?), last_attempt_at = ?, last_status_code = ?,
              last_error = ?, status = ?, next_attempt_at = coalesce(?, next_attempt_at), due_now = false,
              delivered_at = CASE WHEN ? THEN now() ELSE delivered_at END, dead_at = CASE WHEN ? THEN now() ELSE dead_at END
        WHERE id = ? AND status = 'pending' AND attempts = ? RETURNING 1`,
      [
        attemptNo,
        firstAttemptAt,
        input.now,
        statusCode,
        delivered ? null : error,
        outcome === 'retry' ? 'pending' : outcome,
        next,
        outcome === 'delivered',
        outcome === 'dead',
        input.deliveryId,
        attemptNo - 1,
      ],
    );
    if (!updated.length) return false;
    await tx.execute(
      `INSERT INTO webhook_attempt (delivery_id, attempt_no, status_code, response_excerpt, error, duration_ms, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [input.deliveryId, attemptNo, statusCode, excerpt, delivered ? null : error, durationMsTaken, outcome],
    );
    return true;
  });
  if (!recorded) return skipped('skipped');
  return {
    deliveryId: input.deliveryId,
    status: outcome === 'retry' ? 'pending' : outcome,
    statusCode,
    attemptNo,
    nextAttemptAt: next?.toISOString() ?? null,
  };
}
