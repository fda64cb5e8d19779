// Reading the outbox as one ordered stream, for `GET /events` and the webhook dispatcher.
//
// A position (bigserial) is taken when a row is inserted, not when its transaction commits, so a reader that simply
// asked for "position > last seen" would skip a row whose transaction took a smaller position but committed later.
// The stream is therefore ordered by (tx_id, position) and only shows rows of transactions below a bound: the oldest
// transaction id still running in this database (or the next id to be assigned). Rows below it are final, and any row
// that commits later belongs to a transaction at or above it, so it sorts after every row already read.
// The bound is taken in a statement of its own, before the rows are read (a later snapshot): a transaction that ends
// in between is then visible to the read. Only this database's transactions count (transaction ids are cluster-wide,
// and `pg_snapshot_xmin` would let a long write in another database on the same server hold the stream back); a long
// write transaction in this database still does, until it ends (watch `ar_outbox_lag_seconds`). The bound reads
// `pg_stat_activity.backend_xid`, which PostgreSQL shows for every session.
import type { EntityManager } from '@mikro-orm/postgresql';
import { openEventData } from './sealed-data.js';

export interface StreamCursor {
  /** Transaction id (xid8) as a decimal string. */
  tx: string;
  position: number;
}

export const STREAM_START: StreamCursor = { tx: '0', position: 0 };

export interface StoredEvent {
  position: number;
  id: string;
  type: string;
  entityType: string;
  entityId: string;
  customerId: string | null;
  data: Record<string, unknown>;
  actor: string | null;
  occurredAt: string;
  cursor: StreamCursor;
}

interface EventRow {
  position: string;
  id: string;
  type: string;
  entity_type: string;
  entity_id: string;
  customer_id: string | null;
  data: Record<string, unknown>;
  actor: string | null;
  occurred_at: Date;
  tx: string;
}

export function encodeStreamCursor(cursor: StreamCursor): string {
  return Buffer.from(`${cursor.tx}.${cursor.position}`).toString('base64url');
}

/** The cursor inside an opaque token, or undefined when it was not made by encodeStreamCursor. */
export function decodeStreamCursor(token: string): StreamCursor | undefined {
  const match = /^(\d{1,20})\.(\d{1,19})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) return undefined;
  const position = Number(match[2]);
  return Number.isSafeInteger(position) ? { tx: match[1]!, position } : undefined;
}

export function eventFromRow(row: EventRow): StoredEvent {
  return {
    position: Number(row.position),
    id: row.id,
    type: row.type,
    entityType: row.entity_type,
    entityId: row.entity_id,
    customerId: row.customer_id,
    data: openEventData(row.data),
    actor: row.actor,
    occurredAt: new Date(row.occurred_at).toISOString(),
    cursor: { tx: row.tx, position: Number(row.position) },
  };
}

export const EVENT_COLUMNS =
  'position, id, type, entity_type, entity_id, customer_id, data, actor, occurred_at, tx_id::text AS tx';

/**
 * Up to `limit` final events after `after`, optionally only of some types (exact types; `prefix.*` allowed).
 * `next` is the cursor to continue from: the last event returned, or `after` when there was none.
 */
/**
 * The stream's visibility bound (xid8 as text): the oldest transaction id still running in this database, or the next
 * id to be assigned. `backend_xid` is a 32-bit xid; it is widened with the epoch of the current counter (a running
 * xid is never more than 2^31 behind it).
 */
export async function visibilityBound(em: EntityManager): Promise<string> {
  const [row] = await em.execute<{ bound: string }[]>(
    `WITH cur AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS n)
     SELECT least(
              (SELECT n FROM cur),
              min(CASE WHEN a.backend_xid::text::bigint <= ((SELECT n FROM cur) & 4294967295)
                       THEN ((SELECT n FROM cur) & ~4294967295::bigint) + a.backend_xid::text::bigint
                       ELSE ((SELECT n FROM cur) & ~4294967295::bigint) - 4294967296 + a.backend_xid::text::bigint END)
            )::text AS bound
       FROM pg_stat_activity a WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL`,
  );
  return row!.bound;
}

export async function readStream(
  em: EntityManager,
  input: { after?: StreamCursor; types?: readonly string[]; limit: number },
): Promise<{ events: StoredEvent[]; next: StreamCursor }> {
  const after = input.after ?? STREAM_START;
  const bound = await visibilityBound(em);
  const exact = input.types?.filter((t) => !t.endsWith('.*')) ?? [];
  const prefixes = input.types?.filter((t) => t.endsWith('.*')).map((t) => `${t.slice(0, -1)}%`) ?? [];
  const filtered = input.types !== undefined && input.types.length > 0 && !input.types.includes('*');
  const rows = await em.execute<EventRow[]>(
    `SELECT ${EVENT_COLUMNS} FROM domain_event
      WHERE (tx_id, position) > (?::xid8, ?::bigint)
        AND tx_id < ?::xid8
        AND (NOT ?::boolean OR type = ANY(?::text[]) OR type LIKE ANY(?::text[]))
      ORDER BY tx_id, position
      LIMIT ?`,
    [after.tx, after.position, bound, filtered, `{${exact.join(',')}}`, `{${prefixes.join(',')}}`, input.limit],
  );
  const events = rows.map(eventFromRow);
  return { events, next: events.at(-1)?.cursor ?? after };
}

/**
 * Outbox lag: age in seconds of the oldest event some active webhook subscription has not fanned out yet (0 when
 * every subscription is caught up). A long transaction holding the stream back shows up here too.
 */
export async function outboxLagSeconds(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ lag: string | null }[]>(
    `SELECT max(extract(epoch FROM now() - e.occurred_at)) AS lag
       FROM webhook_subscription s
       CROSS JOIN LATERAL (
         SELECT occurred_at FROM domain_event d
          WHERE (d.tx_id, d.position) > (s.cursor_tx, s.cursor_position) ORDER BY d.tx_id, d.position LIMIT 1) e
      WHERE s.status = 'active'`,
  );
  return Math.max(0, Number(row?.lag ?? 0));
}
