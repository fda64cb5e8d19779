// Every contact with a customer about what it owes: the e-mails, letters and text messages the collection sends, and
// the calls, letters and visits collectors record. A contact the workflow makes carries an idempotency key (workflow
// id + slot), so a retried activity records it once.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

export const CONTACT_CHANNELS = ['email', 'letter', 'sms', 'call', 'visit', 'agency'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export interface NewContact {
  customerId: string;
  at: Date;
  channel: ContactChannel;
  template?: string | null;
  level?: string | null;
  outcome: string;
  note?: string | null;
  by: string;
  invoiceIds?: string[];
  messageId?: string | null;
  taskId?: string | null;
  workflowId?: string | null;
  idempotencyKey?: string | null;
}

export interface ContactRecord {
  id: string;
  customerId: string;
  at: Date;
  channel: ContactChannel;
  template: string | null;
  level: string | null;
  outcome: string;
  note: string | null;
  by: string;
  invoiceIds: string[];
  messageId: string | null;
  taskId: string | null;
}

/** Inserts the contact (once per idempotency key); returns the stored row. */
export async function recordContact(em: EntityManager, c: NewContact): Promise<ContactRecord> {
  const id = randomUUID();
  await em.execute(
    `INSERT INTO collection_contact (id, customer_id, at, channel, template, level, outcome, note, by, invoice_ids, message_id, task_id, workflow_id, idempotency_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::uuid[], ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
    [
      id,
      c.customerId,
      c.at,
      c.channel,
      c.template ?? null,
      c.level ?? null,
      c.outcome,
      c.note ?? null,
      c.by,
      `{${(c.invoiceIds ?? []).join(',')}}`,
      c.messageId ?? null,
      c.taskId ?? null,
      c.workflowId ?? null,
      c.idempotencyKey ?? null,
    ],
  );
  const [row] = c.idempotencyKey
    ? await em.execute<ContactRow[]>(`SELECT ${COLUMNS} FROM collection_contact WHERE idempotency_key = ?`, [
        c.idempotencyKey,
      ])
    : await em.execute<ContactRow[]>(`SELECT ${COLUMNS} FROM collection_contact WHERE id = ?`, [id]);
  return toRecord(row!);
}

const COLUMNS =
  'id, customer_id, at, channel, template, level, outcome, note, by, invoice_ids::text[] AS invoice_ids, message_id, task_id';

interface ContactRow {
  id: string;
  customer_id: string;
  at: Date;
  channel: ContactChannel;
  template: string | null;
  level: string | null;
  outcome: string;
  note: string | null;
  by: string;
  invoice_ids: string[];
  message_id: string | null;
  task_id: string | null;
}

const toRecord = (r: ContactRow): ContactRecord => ({
  id: r.id,
  customerId: r.customer_id,
  at: new Date(r.at),
  channel: r.channel,
  template: r.template,
  level: r.level,
  outcome: r.outcome,
  note: r.note,
  by: r.by,
  invoiceIds: r.invoice_ids,
  messageId: r.message_id,
  taskId: r.task_id,
});

/** The customer's contacts, oldest first (at most `limit`, the latest ones). */
export async function contactsOf(em: EntityManager, customerId: string, limit = 500): Promise<ContactRecord[]> {
  const rows = await em.execute<ContactRow[]>(
    `SELECT * FROM (SELECT ${COLUMNS}, created_at FROM collection_contact WHERE customer_id = ? ORDER BY at DESC, created_at DESC LIMIT ?) c ORDER BY at, created_at`,
    [customerId, limit],
  );
  return rows.map(toRecord);
}
