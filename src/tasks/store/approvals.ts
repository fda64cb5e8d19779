// What the approval rules need to know about a task beyond its row: who asked for the thing being approved (four
// eyes: nobody approves their own request) and the approvals already given when an amount needs two people.
// The requester is read from the subject's own record (the invoice's issuer, the credit review's requester), so
// tasks opened before these rules existed are covered too; a task may also name it in `payload.requestedBy`.
import type { EntityManager } from '@mikro-orm/postgresql';
import { completionRefusal } from '../rules/tasks.js';
import { findTask, taskActivity, TaskRefusalError, type TaskRecord } from './tasks.js';

/** The actor who requested what the task approves, or null when no person did (a policy, a workflow). */
export async function taskRequester(em: EntityManager, task: TaskRecord): Promise<string | null> {
  if (typeof task.payload.requestedBy === 'string') return task.payload.requestedBy;
  if (task.type === 'credit_override' && task.subjectType === 'invoice') {
    const [row] = await em.execute<{ created_by: string }[]>('SELECT created_by FROM invoice WHERE id = ?', [
      task.subjectId,
    ]);
    return row?.created_by ?? null;
  }
  if (task.type === 'credit_approval' && task.workflowId) {
    const [row] = await em.execute<{ requested_by: string }[]>(
      'SELECT requested_by FROM credit_review WHERE workflow_id = ?',
      [task.workflowId],
    );
    return row?.requested_by ?? null;
  }
  return null;
}

export interface RecordedApproval {
  by: string;
  at: string;
  data: Record<string, unknown>;
}

/** Approvals given so far on a task that needs more than one (recorded as task activity, oldest first). */
export async function approvalsOf(em: EntityManager, taskId: string): Promise<RecordedApproval[]> {
  const activity = await taskActivity(em, taskId);
  return activity
    .filter((a) => a.kind === 'commented' && typeof a.data.approval === 'object' && a.data.approval !== null)
    .map((a) => ({
      by: a.actor,
      at: a.at.toISOString(),
      data: (a.data.approval as { data?: Record<string, unknown> }).data ?? {},
    }));
}

/**
 * Records one approval of several and gives the task back to its queue, so a different person can give the next.
 * Refused (as completion is) unless the caller holds the task or manages tasks; the task stays open meanwhile.
 */
export async function recordApproval(
  em: EntityManager,
  input: { taskId: string; actor: string; isManager: boolean; data: Record<string, unknown>; note: string },
): Promise<RecordedApproval[]> {
  return em.transactional(async (tx) => {
    const task = await findTask(tx, input.taskId, { lock: true });
    if (!task) throw new TaskRefusalError({ status: 409, detail: 'The task no longer exists.' });
    const refusal = completionRefusal(task, input.actor, input.isManager);
    if (refusal) throw new TaskRefusalError(refusal);
    await tx.execute(`INSERT INTO task_activity (task_id, kind, actor, body, data) VALUES (?, 'commented', ?, ?, ?)`, [
      input.taskId,
      input.actor,
      input.note,
      JSON.stringify({ approval: { outcome: 'approve', data: input.data } }),
    ]);
    if (task.status === 'claimed') {
      await tx.execute(
        `UPDATE task SET status = 'open', assignee = NULL, claimed_at = NULL, version = version + 1 WHERE id = ?`,
        [input.taskId],
      );
      await tx.execute(`INSERT INTO task_activity (task_id, kind, actor, data) VALUES (?, 'released', ?, ?)`, [
        input.taskId,
        input.actor,
        JSON.stringify({ from: task.assignee }),
      ]);
    } else {
      await tx.execute('UPDATE task SET version = version + 1 WHERE id = ?', [input.taskId]);
    }
    return approvalsOf(tx, input.taskId);
  });
}
