// Every human task's deadline does something: when a task is still open at its deadline (its SLA, policy data), it
// moves once to the manager's queue the policy names, with the reason in its trail (escalateTaskRecord). The deadline
// is a durable timer in the owning workflow, measured on the workflow's clock; a task completed, cancelled or routed
// to that queue before then never escalates.
import { condition } from '@temporalio/workflow';
import { addDuration } from '../../src/shared/duration.js';
import type { OpenTask, TaskInbox } from './task-inbox.js';

export interface TaskDeadline {
  /** When the task falls due (ISO instant); none: no deadline. */
  dueAt: string | null | undefined;
  /** The manager's queue it moves to. */
  escalateTo: string;
}

/** The deadline of a task opened now with an SLA of `sla` (ISO-8601), on the workflow's clock. */
export const deadlineAfter = (sla: string | null | undefined): string | null =>
  sla ? addDuration(new Date(), sla).toISOString() : null;

export const escalationReason = (task: Pick<OpenTask, 'type' | 'queue'>, dueAt: string) =>
  `deadline passed at ${dueAt}: the ${task.type.replace(/_/g, ' ')} task in queue ${task.queue} was not completed in time`;

/**
 * Arms the deadline of `task`: call it where the task was opened (or, after continue-as-new, for each open task
 * carried over), in the same order every time, since its timer is recorded at that point of the history.
 */
export function escalateAtDeadline(inbox: TaskInbox, task: OpenTask, deadline: TaskDeadline): void {
  const { dueAt, escalateTo } = deadline;
  // Already in the manager's queue (routed up, or escalated before continue-as-new): nobody above to move it to.
  if (!dueAt || task.queue === escalateTo || !inbox.isOpen(task.taskId)) return;
  void (async () => {
    const settled = await condition(() => !inbox.isOpen(task.taskId), Math.max(1, Date.parse(dueAt) - Date.now()));
    if (settled) return;
    // A decision being recorded right at the deadline wins: the task is not moved under it.
    await condition(() => !inbox.isCompleting(task.taskId));
    const current = inbox.openTasks().find((t) => t.taskId === task.taskId);
    if (!current || current.queue === escalateTo) return;
    await inbox.escalate(task.taskId, { queue: escalateTo, reason: escalationReason(current, dueAt) });
  })();
}
