// Reading disputes: one record with its instalments and ledger effects, and keyset-paginated lists by status, queue,
// category, customer and invoice (newest first). SQL through the caller's EntityManager.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DisputeCategory, DisputeStatus } from '../rules/dispute.js';

export interface DisputeRecord {
  id: string;
  invoiceId: string;
  invoiceNumber: string;
  customerId: string;
  category: DisputeCategory;
  status: DisputeStatus;
  amount: number;
  currency: string;
  reason: string;
  lines: number[] | null;
  attachments: { filename: string; url?: string; contentType?: string }[];
  correspondence: { at: string; from: 'customer' | 'staff'; kind: string; text: string; by?: string }[];
  queue: string | null;
  outcome: Record<string, unknown> | null;
  rootCause: { category: string; note: string } | null;
  policyVersion: string | null;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  slaDueAt: string | null;
  escalatedAt: string | null;
  resolvedAt: string | null;
  openedBy: string;
  channel: 'staff' | 'portal';
  workflowId: string;
  version: number;
}

export const DISPUTE_COLUMNS = `d.id, d.invoice_id, i.number AS invoice_number, d.customer_id, d.category, d.status, d.amount, d.currency, d.reason,
  d.lines, d.attachments, d.correspondence, d.queue, d.outcome, d.root_cause_category, d.root_cause_note, d.policy_version, d.opened_at,
  d.acknowledged_at, d.acknowledged_by, d.sla_due_at, d.escalated_at, d.resolved_at, d.opened_by, d.channel, d.workflow_id, d.version`;

export type DisputeRow = Record<string, unknown>;

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export function disputeFromRow(r: DisputeRow): DisputeRecord {
  return {
    id: String(r.id),
    invoiceId: String(r.invoice_id),
    invoiceNumber: String(r.invoice_number),
    customerId: String(r.customer_id),
    category: r.category as DisputeCategory,
    status: r.status as DisputeStatus,
    amount: Number(r.amount),
    currency: String(r.currency),
    reason: String(r.reason),
    lines: r.lines === null ? null : json<number[]>(r.lines),
    attachments: json(r.attachments ?? []),
    correspondence: json(r.correspondence ?? []),
    queue: (r.queue as string | null) ?? null,
    outcome: r.outcome === null ? null : json(r.outcome),
    rootCause: r.root_cause_category
      ? { category: String(r.root_cause_category), note: String(r.root_cause_note ?? '') }
      : null,
    policyVersion: (r.policy_version as string | null) ?? null,
    openedAt: iso(r.opened_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
    slaDueAt: iso(r.sla_due_at),
    escalatedAt: iso(r.escalated_at),
    resolvedAt: iso(r.resolved_at),
    openedBy: String(r.opened_by),
    channel: r.channel as 'staff' | 'portal',
    workflowId: String(r.workflow_id),
    version: Number(r.version),
  };
}

export interface InstalmentRecord {
  seq: number;
  dueDate: string;
  amount: number;
  currency: string;
  status: 'pending' | 'kept' | 'missed' | 'cancelled';
  checkedAt: string | null;
}

export interface DisputeEffectRecord {
  kind: 'credit_note' | 'reissue';
  creditNoteId: string | null;
  invoiceId: string | null;
  amount: number;
}

export async function findDispute(
  em: EntityManager,
  disputeId: string,
  options: { lock?: boolean } = {},
): Promise<DisputeRecord | undefined> {
  const [row] = await em.execute<DisputeRow[]>(
    `SELECT ${DISPUTE_COLUMNS} FROM dispute d JOIN invoice i ON i.id = d.invoice_id WHERE d.id = ?${options.lock ? ' FOR UPDATE OF d' : ''}`,
    [disputeId],
  );
  return row ? disputeFromRow(row) : undefined;
}

export async function disputeInstalments(em: EntityManager, disputeId: string): Promise<InstalmentRecord[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `SELECT seq, to_char(due_date, 'YYYY-MM-DD') AS due_date, amount, currency, status, checked_at FROM dispute_instalment WHERE dispute_id = ? ORDER BY seq`,
    [disputeId],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    dueDate: String(r.due_date),
    amount: Number(r.amount),
    currency: String(r.currency),
    status: r.status as InstalmentRecord['status'],
    checkedAt: iso(r.checked_at),
  }));
}

export async function disputeEffects(em: EntityManager, disputeId: string): Promise<DisputeEffectRecord[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    'SELECT kind, credit_note_id, invoice_id, amount FROM dispute_effect WHERE dispute_id = ? ORDER BY created_at, idempotency_key',
    [disputeId],
  );
  return rows.map((r) => ({
    kind: r.kind as DisputeEffectRecord['kind'],
    creditNoteId: (r.credit_note_id as string | null) ?? null,
    invoiceId: (r.invoice_id as string | null) ?? null,
    amount: Number(r.amount),
  }));
}

export interface DisputeFilter {
  status?: DisputeStatus;
  category?: DisputeCategory;
  queue?: string;
  customerId?: string;
  invoiceId?: string;
}

/** Newest first; `after` is the (opened_at, id) of the last row of the previous page. */
export async function listDisputes(
  em: EntityManager,
  filter: DisputeFilter,
  page: { limit: number; after?: [string, string] },
): Promise<(DisputeRecord & { cursorAt: string })[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (filter.status) add('d.status = ?', filter.status);
  if (filter.category) add('d.category = ?', filter.category);
  if (filter.queue) add('d.queue = ?', filter.queue);
  if (filter.customerId) add('d.customer_id = ?', filter.customerId);
  if (filter.invoiceId) add('d.invoice_id = ?', filter.invoiceId);
  if (page.after) add('(d.opened_at, d.id) < (?::timestamptz, ?::uuid)', page.after[0], page.after[1]);
  const rows = await em.execute<DisputeRow[]>(
    `SELECT ${DISPUTE_COLUMNS}, to_char(d.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
       FROM dispute d JOIN invoice i ON i.id = d.invoice_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.opened_at DESC, d.id DESC LIMIT ?`,
    [...params, page.limit],
  );
  // The cursor keeps microseconds: a millisecond ISO string would skip rows opened within the same millisecond.
  return rows.map((r) => ({ ...disputeFromRow(r), cursorAt: String(r.cursor_at) }));
}
