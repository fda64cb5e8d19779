// The human task store: the inbox lists and searches tasks here, while the workflow that owns a task waits for its
// completion. Creation is idempotent on `unique_key` (workflow id + step); every hand-over, comment and completion is
// recorded in `task_activity`, and creation/completion are domain events in the same transaction.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../../events/store/outbox.js';
import { claimRefusal, completionRefusal, handOverRefusal, type TaskRefusal, type TaskStatus } from '../rules/tasks.js';
import { openCounterparty, TASK_PAYER_ACCOUNT } from '../../payments/store/sealed-bank-accounts.js';

export interface NewTask {
  uniqueKey: string;
  type: string;
  queue: string;
  title: string;
  subjectType: string;
  subjectId: string;
  customerId?: string | null;
  workflowId?: string | null;
  slaDueAt?: Date | null;
  payload?: Record<string, unknown>;
}

export interface TaskRecord {
  id: string;
  type: string;
  queue: string;
  status: TaskStatus;
  title: string;
  subjectType: string;
  subjectId: string;
  customerId: string | null;
  workflowId: string | null;
  assignee: string | null;
  slaDueAt: Date | null;
  payload: Record<string, unknown>;
  outcome: Record<string, unknown> | null;
  version: number;
  createdAt: Date;
  claimedAt: Date | null;
  escalatedAt: Date | null;
  completedAt: Date | null;
}

export interface TaskActivityRecord {
  kind: string;
  actor: string;
  body: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export class TaskRefusalError extends Error {
  constructor(readonly refusal: TaskRefusal) {
    super(refusal.detail);
    this.name = 'TaskRefusalError';
  }
}

const COLUMNS = `id, type, queue, status, title, subject_type, subject_id, customer_id, workflow_id, assignee, sla_due_at, payload,
  outcome, version, created_at, claimed_at, escalated_at, completed_at`;

interface TaskRow {
  id: string;
  type: string;
  queue: string;
  status: TaskStatus;
  title: string;
  subject_type: string;
  subject_id: string;
  customer_id: string | null;
  workflow_id: string | null;
  assignee: string | null;
  sla_due_at: Date | null;
  payload: Record<string, unknown>;
  outcome: Record<string, unknown> | null;
  version: number;
  created_at: Date;
  claimed_at: Date | null;
  escalated_at: Date | null;
  completed_at: Date | null;
}

// The driver hands timestamps back as strings; the record carries Dates.
const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

const toRecord = (r: TaskRow): TaskRecord => ({
  id: r.id,
  type: r.type,
  queue: r.queue,
  status: r.status,
  title: r.title,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  customerId: r.customer_id,
  workflowId: r.workflow_id,
  assignee: r.assignee,
  slaDueAt: date(r.sla_due_at),
  // A research task's payer account is sealed at rest (src/payments/store/sealed-bank-accounts.ts) and shown opened.
  payload:
    r.payload && typeof r.payload === 'object' && 'counterparty' in r.payload
      ? { ...r.payload, counterparty: openCounterparty(r.payload.counterparty as never, TASK_PAYER_ACCOUNT) }
      : r.payload,
  outcome: r.outcome,
  version: r.version,
  createdAt: new Date(r.created_at),
  claimedAt: date(r.claimed_at),
  escalatedAt: date(r.escalated_at),
  completedAt: date(r.completed_at),
});

async function logActivity(
  em: EntityManager,
  taskId: string,
  kind: string,
  actor: string,
  body: string | null = null,
  data: Record<string, unknown> = {},
) {
  await em.execute('INSERT INTO task_activity (task_id, kind, actor, body, data) VALUES (?, ?, ?, ?, ?)', [
    taskId,
    kind,
    actor,
    body,
    JSON.stringify(data),
  ]);
}

/** Creates the task once per unique key; a retry returns the existing task with `created: false`. */
export async function createTask(em: EntityManager, input: NewTask): Promise<{ taskId: string; created: boolean }> {
  return em.transactional(async (tx) => {
    const inserted = await tx.execute<{ id: string }[]>(
      `INSERT INTO task (id, unique_key, type, queue, title, subject_type, subject_id, customer_id, workflow_id, sla_due_at, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING RETURNING id`,
      [
        randomUUID(),
        input.uniqueKey,
        input.type,
        input.queue,
        input.title,
        input.subjectType,
        input.subjectId,
        input.customerId ?? null,
        input.workflowId ?? null,
        input.slaDueAt ?? null,
        JSON.stringify(input.payload ?? {}),
      ],
    );
    if (!inserted.length) {
      const [existing] = await tx.execute<{ id: string }[]>('SELECT id FROM task WHERE unique_key = ?', [
        input.uniqueKey,
      ]);
      return { taskId: existing!.id, created: false };
    }
    const taskId = inserted[0]!.id;
    await logActivity(tx, taskId, 'created', input.workflowId ?? 'system', null, { queue: input.queue });
    await recordEvent(tx, {
      type: 'task.created',
      entityType: 'task',
      entityId: taskId,
      customerId: input.customerId ?? null,
      data: { type: input.type, queue: input.queue, subjectType: input.subjectType, subjectId: input.subjectId },
    });
    return { taskId, created: true };
  });
}

export async function findTask(
  em: EntityManager,
  taskId: string,
  options: { lock?: boolean } = {},
): Promise<TaskRecord | undefined> {
  const [row] = await em.execute<TaskRow[]>(
    `SELECT ${COLUMNS} FROM task WHERE id = ?${options.lock ? ' FOR UPDATE' : ''}`,
    [taskId],
  );
  return row ? toRecord(row) : undefined;
}

export async function taskActivity(em: EntityManager, taskId: string): Promise<TaskActivityRecord[]> {
  const rows = await em.execute<TaskActivityRecord[]>(
    'SELECT kind, actor, body, data, at FROM task_activity WHERE task_id = ? ORDER BY id',
    [taskId],
  );
  return rows.map((r) => ({ ...r, at: new Date(r.at) }));
}

export interface TaskFilter {
  queue?: string;
  assignee?: string;
  status?: TaskStatus[];
  type?: string;
  customerId?: string;
  subjectType?: string;
  subjectId?: string;
  /** Only tasks past their SLA deadline (and still open or claimed). */
  breached?: boolean;
  /** Only tasks of these types (exact, or starting with a prefix): the caller's duties (src/tasks/rules/task-duties.ts). */
  types?: { exact: string[]; prefixes: string[] };
}

/** Oldest SLA deadline first (tasks without one last), then by id; keyset cursor on (deadline, id). */
export async function listTasks(
  em: EntityManager,
  filter: TaskFilter,
  page: { limit: number; after?: [string, string]; now: Date },
): Promise<TaskRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (filter.queue) add('queue = ?', filter.queue);
  if (filter.assignee) add('assignee = ?', filter.assignee);
  if (filter.status?.length) add(`status IN (${filter.status.map(() => '?').join(', ')})`, ...filter.status);
  if (filter.type) add('type = ?', filter.type);
  if (filter.customerId) add('customer_id = ?', filter.customerId);
  if (filter.subjectType) add('subject_type = ?', filter.subjectType);
  if (filter.subjectId) add('subject_id = ?', filter.subjectId);
  if (filter.breached) add(`status IN ('open', 'claimed') AND sla_due_at < ?`, page.now);
  if (filter.types) {
    const { exact, prefixes } = filter.types;
    const alternatives = [
      ...(exact.length ? [`type IN (${exact.map(() => '?').join(', ')})`] : []),
      ...prefixes.map(() => `starts_with(type, ?)`),
    ];
    add(alternatives.length ? `(${alternatives.join(' OR ')})` : 'false', ...exact, ...prefixes);
  }
  if (page.after)
    add(
      `(COALESCE(sla_due_at, 'infinity'::timestamptz), id) > (?::timestamptz, ?::uuid)`,
      page.after[0],
      page.after[1],
    );
  const rows = await em.execute<TaskRow[]>(
    `SELECT ${COLUMNS} FROM task ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY COALESCE(sla_due_at, 'infinity'::timestamptz), id LIMIT ?`,
    [...params, page.limit],
  );
  return rows.map(toRecord);
}

/** The cursor value of a task in the inbox order. */
export const taskCursor = (task: TaskRecord): [string, string] => [
  task.slaDueAt ? task.slaDueAt.toISOString() : 'infinity',
  task.id,
];

type Mutation = (tx: EntityManager, task: TaskRecord) => Promise<void>;

/** Locks the task, checks the expected version (If-Match), runs the change and bumps the version. */
async function mutate(
  em: EntityManager,
  taskId: string,
  expectedVersion: number | undefined,
  change: Mutation,
): Promise<TaskRecord | undefined> {
  return em.transactional(async (tx) => {
    const task = await findTask(tx, taskId, { lock: true });
    if (!task) return undefined;
    if (expectedVersion !== undefined && expectedVersion !== task.version) {
      throw new TaskRefusalError({
        status: 412,
        detail: `The task is at version ${task.version}, not ${expectedVersion}.`,
      });
    }
    await change(tx, task);
    return findTask(tx, taskId);
  });
}

const refuse = (refusal: TaskRefusal | undefined) => {
  if (refusal) throw new TaskRefusalError(refusal);
};

export function claimTask(em: EntityManager, taskId: string, actor: string, expectedVersion?: number) {
  return mutate(em, taskId, expectedVersion, async (tx, task) => {
    refuse(claimRefusal(task, actor));
    if (task.status === 'claimed') return; // already ours: a repeated claim changes nothing
    await tx.execute(
      `UPDATE task SET status = 'claimed', assignee = ?, claimed_at = now(), version = version + 1 WHERE id = ?`,
      [actor, taskId],
    );
    await logActivity(tx, taskId, 'claimed', actor);
  });
}

export function releaseTask(
  em: EntityManager,
  taskId: string,
  actor: string,
  isManager: boolean,
  expectedVersion?: number,
) {
  return mutate(em, taskId, expectedVersion, async (tx, task) => {
    refuse(handOverRefusal(task, actor, isManager));
    if (task.status === 'open') return;
    await tx.execute(
      `UPDATE task SET status = 'open', assignee = NULL, claimed_at = NULL, version = version + 1 WHERE id = ?`,
      [taskId],
    );
    await logActivity(tx, taskId, 'released', actor, null, { from: task.assignee });
  });
}

/** Gives the task to `assignee` (claimed on their behalf); recorded with who did it and from whom. */
export function assignTask(
  em: EntityManager,
  taskId: string,
  input: { assignee: string; actor: string; isManager: boolean; note?: string },
  expectedVersion?: number,
) {
  return mutate(em, taskId, expectedVersion, async (tx, task) => {
    refuse(handOverRefusal(task, input.actor, input.isManager));
    if (task.assignee === input.assignee && task.status === 'claimed') return;
    await tx.execute(
      `UPDATE task SET status = 'claimed', assignee = ?, claimed_at = now(), version = version + 1 WHERE id = ?`,
      [input.assignee, taskId],
    );
    await logActivity(tx, taskId, 'assigned', input.actor, input.note ?? null, {
      from: task.assignee,
      to: input.assignee,
    });
  });
}

export async function addTaskComment(
  em: EntityManager,
  taskId: string,
  input: { actor: string; body: string },
): Promise<TaskActivityRecord | undefined> {
  return em.transactional(async (tx) => {
    const task = await findTask(tx, taskId);
    if (!task) return undefined;
    const [row] = await tx.execute<TaskActivityRecord[]>(
      `INSERT INTO task_activity (task_id, kind, actor, body) VALUES (?, 'commented', ?, ?) RETURNING kind, actor, body, data, at`,
      [taskId, input.actor, input.body],
    );
    return row ? { ...row, at: new Date(row.at) } : undefined;
  });
}

/** The API's gate before it asks the owning workflow: closed tasks and the wrong person are refused here. */
export async function checkCompletion(
  em: EntityManager,
  taskId: string,
  actor: string,
  isManager: boolean,
): Promise<TaskRecord | undefined> {
  const task = await findTask(em, taskId);
  if (task) refuse(completionRefusal(task, actor, isManager));
  return task;
}

/**
 * Records the completion the owning workflow accepted (called by its activity; idempotent: a retry after the commit
 * finds the task completed and returns what was stored).
 */
export async function markTaskCompleted(
  em: EntityManager,
  input: { taskId: string; outcome: string; data: Record<string, unknown>; by: string; comment?: string },
): Promise<{ completedAt: Date; completedBy: string }> {
  return em.transactional(async (tx) => {
    const task = await findTask(tx, input.taskId, { lock: true });
    if (!task) throw new Error(`task ${input.taskId} does not exist`);
    if (task.status === 'completed')
      return { completedAt: task.completedAt!, completedBy: String(task.outcome?.by ?? input.by) };
    const outcome = { outcome: input.outcome, data: input.data, by: input.by, comment: input.comment ?? null };
    const [row] = await tx.execute<{ completed_at: Date }[]>(
      `UPDATE task SET status = 'completed', outcome = ?, completed_at = now(), version = version + 1 WHERE id = ? RETURNING completed_at`,
      [JSON.stringify(outcome), input.taskId],
    );
    await logActivity(tx, input.taskId, 'completed', input.by, input.comment ?? null, {
      outcome: input.outcome,
      data: input.data,
    });
    await recordEvent(tx, {
      type: 'task.completed',
      entityType: 'task',
      entityId: input.taskId,
      customerId: task.customerId,
      actor: input.by,
      data: { type: task.type, outcome: input.outcome },
    });
    return { completedAt: new Date(row!.completed_at), completedBy: input.by };
  });
}

/** Cancels an open or claimed task its workflow no longer needs (idempotent). */
export async function cancelTask(
  em: EntityManager,
  input: { taskId: string; reason: string; by: string },
): Promise<boolean> {
  return em.transactional(async (tx) => {
    const rows = await tx.execute<unknown[]>(
      `UPDATE task SET status = 'cancelled', outcome = ?, completed_at = now(), version = version + 1
        WHERE id = ? AND status IN ('open', 'claimed') RETURNING id`,
      [JSON.stringify({ cancelled: input.reason }), input.taskId],
    );
    if (rows.length) await logActivity(tx, input.taskId, 'cancelled', input.by, input.reason);
    return rows.length > 0;
  });
}

/**
 * Moves a task to another queue (an SLA breach goes to managers), optionally with a new deadline. It goes back to
 * open so the new queue can claim it. Idempotent per target queue.
 */
export async function escalateTask(
  em: EntityManager,
  input: { taskId: string; queue: string; reason: string; by: string; slaDueAt?: Date | null },
): Promise<boolean> {
  return em.transactional(async (tx) => {
    const rows = await tx.execute<{ assignee: string | null }[]>(
      `UPDATE task SET queue = ?, status = 'open', assignee = NULL, claimed_at = NULL, escalated_at = now(),
              sla_due_at = COALESCE(?, sla_due_at), version = version + 1
        WHERE id = ? AND status IN ('open', 'claimed') AND queue <> ? RETURNING id`,
      [input.queue, input.slaDueAt ?? null, input.taskId, input.queue],
    );
    if (rows.length) await logActivity(tx, input.taskId, 'escalated', input.by, input.reason, { queue: input.queue });
    return rows.length > 0;
  });
}
