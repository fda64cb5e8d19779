// The decision audit: every decision on a human task or approval, and every attempt refused for authority or four
// eyes, as an append-only row that outlives the workflow histories. The API leaves what only it knows about the
// decider (credential, display name, roles, authority, policy version) as a context row; the activity recording the
// completion turns it into the decision in the same transaction, keyed by workflow id + task id so a retry writes
// nothing twice.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { auditedAmount, REFUSED_OUTCOME, type DecisionAuthority } from '../rules/decision-audit.js';
import type { Role } from '../../auth/roles.js';
import type { Money } from '../../shared/money.js';
import type { TaskRecord } from './tasks.js';

/** Who decided, as the API verified them. */
export interface DecisionActor {
  /** What task trails and histories record as the actor (`task.outcome.by`). */
  actor: string;
  kind: 'user' | 'api_key' | 'token' | null;
  /** The user id, API key id, or the subject an operator token names. */
  id: string | null;
  name: string | null;
  roles: Role[];
}

/** What the API knows about a completion it hands to the owning workflow. */
export interface DecisionContext extends Omit<DecisionActor, 'actor'> {
  authority: DecisionAuthority | null;
  amount: Money | null;
  policyVersion: string | null;
}

/** Why an attempt was refused: above the decider's ceiling, or four eyes (their own request, a second own approval). */
export interface DecisionRefusal {
  type: 'approval-authority' | 'four-eyes';
  status: number;
  detail: string;
  attempted: string;
}

export interface DecisionRecord {
  id: string;
  outcome: string;
  refusal: DecisionRefusal | null;
  actor: DecisionActor;
  authority: DecisionAuthority | null;
  amount: Money | null;
  policyVersion: string | null;
  task: { id: string; type: string; subjectType: string | null; subjectId: string | null };
  customerId: string | null;
  workflow: { id: string | null; runId: string | null };
  comment: string | null;
  data: Record<string, unknown>;
  decidedAt: string;
}

/** A display name for a credential: a user's name (or e-mail), an API key's name, an operator token's actor. */
export async function displayNameOf(
  em: EntityManager,
  identity: { kind: DecisionActor['kind']; subject: string; actor: string },
): Promise<string> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(identity.subject);
  if (identity.kind === 'user' && uuid) {
    const [row] = await em.execute<{ display_name: string | null; email: string }[]>(
      'SELECT display_name, email FROM app_user WHERE id = ?',
      [identity.subject],
    );
    if (row) return row.display_name ?? row.email;
  }
  if (identity.kind === 'api_key' && uuid) {
    const [row] = await em.execute<{ name: string }[]>('SELECT name FROM api_key WHERE id = ?', [identity.subject]);
    if (row) return row.name;
  }
  return identity.actor;
}

/** Leaves the decider's context for the activity that records the completion (the latest attempt wins). */
export async function saveDecisionContext(
  em: EntityManager,
  taskId: string,
  actor: string,
  context: DecisionContext,
): Promise<void> {
  await em.execute(
    `INSERT INTO task_decision_context (task_id, actor, context) VALUES (?, ?, ?)
       ON CONFLICT (task_id, actor) DO UPDATE SET context = EXCLUDED.context, recorded_at = now()`,
    [taskId, actor, JSON.stringify(context)],
  );
}

interface TaskFacts {
  type: string;
  subject_type: string;
  subject_id: string;
  customer_id: string | null;
  payload: Record<string, unknown>;
}

/**
 * Records the decision a completion made, inside the transaction that marks the task completed. Idempotent on
 * `key` (workflow id + task id): a retried activity inserts nothing. Without a context from the API (a completion
 * sent straight to the workflow) the decider's roles and authority are unknown and stored as such.
 */
export async function recordDecision(
  tx: EntityManager,
  input: {
    key: string;
    taskId: string;
    outcome: string;
    data: Record<string, unknown>;
    by: string;
    comment?: string | null;
    workflowId: string;
    runId: string | null;
    decidedAt: Date;
  },
): Promise<void> {
  const [task] = await tx.execute<TaskFacts[]>(
    'SELECT type, subject_type, subject_id, customer_id, payload FROM task WHERE id = ?',
    [input.taskId],
  );
  if (!task) throw new Error(`task ${input.taskId} does not exist`);
  const [found] = await tx.execute<{ context: DecisionContext }[]>(
    'SELECT context FROM task_decision_context WHERE task_id = ? AND actor = ?',
    [input.taskId, input.by],
  );
  const context = found?.context;
  const amount = context ? context.amount : (auditedAmount(task, input.data) ?? null);
  await tx.execute(
    `INSERT INTO decision_audit (id, decision_key, outcome, actor, actor_kind, actor_id, actor_name, roles, authority, amount, currency, policy_version,
       task_id, task_type, subject_type, subject_id, customer_id, workflow_id, run_id, comment, data, decided_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?::text[], ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (decision_key) DO NOTHING`,
    [
      randomUUID(),
      input.key,
      input.outcome,
      input.by,
      context?.kind ?? null,
      context?.id ?? null,
      context?.name ?? null,
      `{${(context?.roles ?? []).map((r) => `"${r}"`).join(',')}}`,
      context?.authority ? JSON.stringify(context.authority) : null,
      amount?.amount ?? null,
      amount?.currency ?? null,
      context?.policyVersion ?? null,
      input.taskId,
      task.type,
      task.subject_type,
      task.subject_id,
      task.customer_id,
      input.workflowId,
      input.runId,
      input.comment ?? null,
      JSON.stringify(input.data ?? {}),
      input.decidedAt,
    ],
  );
  // The task is decided: what anyone left for it (attempts the workflow refused, 422) is of no further use.
  await tx.execute('DELETE FROM task_decision_context WHERE task_id = ?', [input.taskId]);
}

/** An attempt the API refused before the workflow heard of it (above the ceiling, four eyes): not a decision, kept. */
export async function recordRefusedAttempt(
  em: EntityManager,
  input: {
    task: TaskRecord;
    actor: DecisionActor;
    context: Omit<DecisionContext, keyof Omit<DecisionActor, 'actor'>>;
    refusal: DecisionRefusal;
    data: Record<string, unknown>;
    comment?: string | null;
  },
): Promise<void> {
  const { task, actor, context } = input;
  await em.execute(
    `INSERT INTO decision_audit (id, outcome, refusal, actor, actor_kind, actor_id, actor_name, roles, authority, amount, currency, policy_version,
       task_id, task_type, subject_type, subject_id, customer_id, workflow_id, comment, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?::text[], ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      randomUUID(),
      REFUSED_OUTCOME,
      JSON.stringify(input.refusal),
      actor.actor,
      actor.kind,
      actor.id,
      actor.name,
      `{${actor.roles.map((r) => `"${r}"`).join(',')}}`,
      context.authority ? JSON.stringify(context.authority) : null,
      context.amount?.amount ?? null,
      context.amount?.currency ?? null,
      context.policyVersion,
      task.id,
      task.type,
      task.subjectType,
      task.subjectId,
      task.customerId,
      task.workflowId,
      input.comment ?? null,
      JSON.stringify(input.data),
    ],
  );
}

interface DecisionRow {
  id: string;
  outcome: string;
  refusal: DecisionRecord['refusal'];
  actor: string;
  actor_kind: DecisionActor['kind'];
  actor_id: string | null;
  actor_name: string | null;
  roles: Role[];
  authority: DecisionAuthority | null;
  amount: string | number | null;
  currency: string | null;
  policy_version: string | null;
  task_id: string;
  task_type: string;
  subject_type: string | null;
  subject_id: string | null;
  customer_id: string | null;
  workflow_id: string | null;
  run_id: string | null;
  comment: string | null;
  data: Record<string, unknown>;
  decided_at: Date | string;
}

const toRecord = (r: DecisionRow): DecisionRecord => ({
  id: r.id,
  outcome: r.outcome,
  refusal: r.refusal,
  actor: { actor: r.actor, kind: r.actor_kind, id: r.actor_id, name: r.actor_name, roles: r.roles },
  authority: r.authority,
  // bigint arrives as text; amounts stay within 10^15, exact as a JavaScript number.
  amount: r.amount === null || r.currency === null ? null : { amount: Number(r.amount), currency: r.currency },
  policyVersion: r.policy_version,
  task: { id: r.task_id, type: r.task_type, subjectType: r.subject_type, subjectId: r.subject_id },
  customerId: r.customer_id,
  workflow: { id: r.workflow_id, runId: r.run_id },
  comment: r.comment,
  data: r.data,
  decidedAt: new Date(r.decided_at).toISOString(),
});

export interface DecisionFilter {
  from?: string;
  to?: string;
  customerId?: string;
  taskType?: string;
  /** The recorded actor, the credential id or the display name. */
  actor?: string;
  outcome?: string;
}

/** Newest first; keyset cursor on (decided_at, id). */
export async function listDecisions(
  em: EntityManager,
  filter: DecisionFilter,
  page: { limit: number; after?: [string, string] },
): Promise<DecisionRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (filter.from) add('decided_at >= ?::timestamptz', filter.from);
  if (filter.to) add('decided_at < ?::timestamptz', filter.to);
  if (filter.customerId) add('customer_id = ?::uuid', filter.customerId);
  if (filter.taskType) add('task_type = ?', filter.taskType);
  if (filter.actor) add('(actor = ? OR actor_id = ? OR actor_name = ?)', filter.actor, filter.actor, filter.actor);
  if (filter.outcome) add('outcome = ?', filter.outcome);
  if (page.after) add('(decided_at, id) < (?::timestamptz, ?::uuid)', page.after[0], page.after[1]);
  const rows = await em.execute<DecisionRow[]>(
    `SELECT * FROM decision_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY decided_at DESC, id DESC LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map(toRecord);
}

/** The cursor of a decision in the list order; microseconds kept, so rows of one millisecond are not skipped. */
export async function decisionCursor(em: EntityManager, id: string): Promise<[string, string]> {
  const [row] = await em.execute<{ at: string }[]>(
    `SELECT to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM decision_audit WHERE id = ?`,
    [id],
  );
  return [row!.at, id];
}

export async function findDecision(em: EntityManager, id: string): Promise<DecisionRecord | undefined> {
  const [row] = await em.execute<DecisionRow[]>('SELECT * FROM decision_audit WHERE id = ?', [id]);
  return row ? toRecord(row) : undefined;
}
