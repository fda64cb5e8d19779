// One row per customer mirroring its collection workflow (level, next action and when), written by the workflow after
// each evaluation, so the collector worklist is one indexed query instead of a query to every running workflow. The
// revision (the workflow's clock in ms x 1000 + a counter, so it grows across runs) makes a late write of an older
// state a no-op.
import type { EntityManager } from '@mikro-orm/postgresql';
import { priorityScore, type PriorityScore } from '../rules/dunning-priority.js';
import { CLOSED_STATUSES } from '../../invoices/rules/invoice-status.js';

export interface CaseState {
  customerId: string;
  workflowId: string;
  status: 'active' | 'closed';
  policyCode: string;
  policyVersion: number;
  level: number;
  levelName: string | null;
  currency: string;
  overdueAmount: number;
  oldestOverdueAt: string | null;
  nextAction: string | null;
  nextActionAt: string | null;
  pausedUntil: string | null;
  contacts: number;
  revision: number;
}

export async function saveCase(em: EntityManager, c: CaseState): Promise<void> {
  await em.execute(
    `INSERT INTO collection_case AS k (customer_id, workflow_id, status, policy_code, policy_version, level, level_name, currency, overdue_amount, oldest_overdue_at,
                                       next_action, next_action_at, paused_until, contacts, revision, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
     ON CONFLICT (customer_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, status = EXCLUDED.status, policy_code = EXCLUDED.policy_code,
       policy_version = EXCLUDED.policy_version, level = EXCLUDED.level, level_name = EXCLUDED.level_name, currency = EXCLUDED.currency,
       overdue_amount = EXCLUDED.overdue_amount, oldest_overdue_at = EXCLUDED.oldest_overdue_at, next_action = EXCLUDED.next_action,
       next_action_at = EXCLUDED.next_action_at, paused_until = EXCLUDED.paused_until, contacts = EXCLUDED.contacts, revision = EXCLUDED.revision, updated_at = now()
     WHERE k.revision < EXCLUDED.revision`,
    [
      c.customerId,
      c.workflowId,
      c.status,
      c.policyCode,
      c.policyVersion,
      c.level,
      c.levelName,
      c.currency,
      c.overdueAmount,
      c.oldestOverdueAt,
      c.nextAction,
      c.nextActionAt,
      c.pausedUntil,
      c.contacts,
      c.revision,
    ],
  );
}

export interface CaseRecord extends Omit<CaseState, 'oldestOverdueAt' | 'nextActionAt' | 'pausedUntil'> {
  oldestOverdueAt: Date | null;
  nextActionAt: Date | null;
  pausedUntil: Date | null;
  updatedAt: Date;
}

interface CaseRow {
  customer_id: string;
  workflow_id: string;
  status: 'active' | 'closed';
  policy_code: string;
  policy_version: number;
  level: number;
  level_name: string | null;
  currency: string;
  overdue_amount: string;
  oldest_overdue_at: Date | null;
  next_action: string | null;
  next_action_at: Date | null;
  paused_until: Date | null;
  contacts: number;
  revision: string;
  updated_at: Date;
}

const toCase = (r: CaseRow): CaseRecord => ({
  customerId: r.customer_id,
  workflowId: r.workflow_id,
  status: r.status,
  policyCode: r.policy_code,
  policyVersion: Number(r.policy_version),
  level: Number(r.level),
  levelName: r.level_name,
  currency: r.currency,
  overdueAmount: Number(r.overdue_amount),
  oldestOverdueAt: r.oldest_overdue_at ? new Date(r.oldest_overdue_at) : null,
  nextAction: r.next_action,
  nextActionAt: r.next_action_at ? new Date(r.next_action_at) : null,
  pausedUntil: r.paused_until ? new Date(r.paused_until) : null,
  contacts: Number(r.contacts),
  revision: Number(r.revision),
  updatedAt: new Date(r.updated_at),
});

export async function caseOf(em: EntityManager, customerId: string): Promise<CaseRecord | undefined> {
  const [row] = await em.execute<CaseRow[]>('SELECT * FROM collection_case WHERE customer_id = ?', [customerId]);
  return row ? toCase(row) : undefined;
}

export interface WorklistRow {
  case: CaseRecord;
  customerName: string;
  riskSegment: 'low' | 'medium' | 'high' | null;
  brokenPromises: number;
  latePaymentShare: number;
  daysPastDue: number;
  priority: PriorityScore;
}

const closedList = CLOSED_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Active cases whose next action is due by `until` (the end of today by default), scored and sorted highest first.
 * Payment history: the share of the customer's invoices closed in the last year that closed after their due date.
 */
export async function worklist(
  em: EntityManager,
  input: { now: Date; until: Date; level?: string; limit: number },
): Promise<WorklistRow[]> {
  const rows = await em.execute<
    (CaseRow & {
      customer_name: string;
      risk_segment: WorklistRow['riskSegment'];
      broken: string;
      closed_n: string;
      late_n: string;
    })[]
  >(
    `SELECT k.*, coalesce(c.display_name, c.legal_name) AS customer_name, c.risk_segment,
            (SELECT count(*) FROM promise_to_pay p WHERE p.customer_id = k.customer_id AND p.status = 'broken') AS broken,
            h.closed_n, h.late_n
       FROM collection_case k
       JOIN customer c ON c.id = k.customer_id
       CROSS JOIN LATERAL (
         SELECT count(*) AS closed_n, count(*) FILTER (WHERE i.closed_at::date > i.due_date) AS late_n
           FROM invoice i WHERE i.customer_id = k.customer_id AND i.status IN (${closedList}) AND i.closed_at > ?::timestamptz - interval '1 year'
       ) h
      WHERE k.status = 'active' AND k.next_action_at <= ? ${input.level ? 'AND k.level_name = ?' : ''}`,
    [input.now, input.until, ...(input.level ? [input.level] : [])],
  );
  const scored = rows.map((r) => {
    const c = toCase(r);
    const daysPastDue = c.oldestOverdueAt
      ? Math.max(0, Math.floor((input.now.getTime() - c.oldestOverdueAt.getTime()) / 86_400_000))
      : 0;
    const closedN = Number(r.closed_n);
    const latePaymentShare = closedN ? Number(r.late_n) / closedN : 0;
    const brokenPromises = Number(r.broken);
    return {
      case: c,
      customerName: r.customer_name,
      riskSegment: r.risk_segment,
      brokenPromises,
      latePaymentShare,
      daysPastDue,
      priority: priorityScore({
        riskSegment: r.risk_segment,
        overdueAmount: c.overdueAmount,
        daysPastDue,
        brokenPromises,
        latePaymentShare,
      }),
    };
  });
  scored.sort((a, b) => b.priority.score - a.priority.score || a.case.customerId.localeCompare(b.case.customerId));
  return scored.slice(0, input.limit);
}
