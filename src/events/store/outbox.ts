// Recording domain events in the outbox. Call it with the EntityManager of the transaction that makes the change, so
// the event commits (or rolls back) with it. Webhook delivery and `GET /events` read the outbox; nothing else does.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sealEventData } from './sealed-data.js';

export const EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.merged',
  'customer.closed',
  'invoice.issued',
  'invoice.sent',
  'invoice.overdue',
  'invoice.paid',
  'invoice.cancelled',
  'invoice.written_off',
  'invoice.held',
  'invoice.released',
  'payment.received',
  'payment.applied',
  'payment.reversed',
  'credit_note.issued',
  'dispute.opened',
  'dispute.resolved',
  'promise.created',
  'promise.kept',
  'promise.broken',
  'collection.escalated',
  'account.held',
  'account.released',
  'credit.decided',
  'task.created',
  'task.completed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface DomainEventInput {
  type: EventType;
  entityType: string;
  entityId: string;
  customerId?: string | null;
  data?: Record<string, unknown>;
  actor?: string | null;
  /** Set when the writer may run twice (an activity retry): the event is recorded once per key. */
  dedupeKey?: string;
}

/** Inserts the event in the caller's transaction; returns false when an event with the same dedupe key exists. */
export async function recordEvent(em: EntityManager, event: DomainEventInput): Promise<boolean> {
  const rows = await em.execute<unknown[]>(
    `INSERT INTO domain_event (id, type, entity_type, entity_id, customer_id, data, actor, dedupe_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING position`,
    [
      randomUUID(),
      event.type,
      event.entityType,
      event.entityId,
      event.customerId ?? null,
      JSON.stringify(sealEventData(event.data ?? {})),
      event.actor ?? null,
      event.dedupeKey ?? null,
    ],
  );
  return rows.length > 0;
}
