// Side effects of the task inbox on behalf of the workflow that owns a task: open it (idempotent per workflow id +
// task key), record the completion the workflow accepted, cancel or escalate it.
import { Context } from '@temporalio/activity';
import { addDuration } from '../../src/shared/duration.js';
import { stepKey } from '../../src/temporal/ids.js';
import { cancelTask, createTask, escalateTask, markTaskCompleted, type NewTask } from '../../src/tasks/store/tasks.js';
import { recordDecision } from '../../src/tasks/store/decision-audit.js';
import type { ActivityDeps } from '../deps.js';

/** What a workflow gives to open a task: the stored task's own fields, plus its key within the workflow and its SLA. */
export interface OpenTaskInput extends Pick<
  NewTask,
  'type' | 'queue' | 'title' | 'subjectType' | 'subjectId' | 'customerId' | 'payload'
> {
  /** Unique within the workflow (include a counter when the same kind of task can be opened again). */
  key: string;
  /** ISO-8601 duration from now to the SLA deadline, or null for none. */
  sla: string | null;
  /**
   * The SLA deadline itself (ISO instant), when the workflow computes it (a business-day SLA, or one measured on the
   * workflow's clock); wins over `sla`.
   */
  slaDueAt?: string | null;
}

function workflowIdOf(): string {
  const workflowId = Context.current().info.workflowExecution?.workflowId;
  if (!workflowId) throw new Error('task activities run on behalf of a workflow');
  return workflowId;
}

export function createTaskActivities(deps: ActivityDeps) {
  return {
    async openTask(input: OpenTaskInput): Promise<{ taskId: string; slaDueAt: string | null }> {
      const workflowId = workflowIdOf();
      const slaDueAt = input.slaDueAt
        ? new Date(input.slaDueAt)
        : input.sla
          ? addDuration(deps.clock(), input.sla)
          : null;
      const { taskId } = await createTask(deps.orm.em.fork(), {
        uniqueKey: stepKey(workflowId, `task:${input.key}`),
        type: input.type,
        queue: input.queue,
        title: input.title,
        subjectType: input.subjectType,
        subjectId: input.subjectId,
        customerId: input.customerId ?? null,
        workflowId,
        slaDueAt,
        payload: input.payload,
      });
      return { taskId, slaDueAt: slaDueAt?.toISOString() ?? null };
    },

    async recordTaskCompletion(input: {
      taskId: string;
      outcome: string;
      data: Record<string, unknown>;
      by: string;
      comment?: string;
    }) {
      const execution = Context.current().info.workflowExecution;
      const workflowId = workflowIdOf();
      // The completion and its decision audit row commit together; a retry finds both and adds neither.
      const done = await deps.orm.em.fork().transactional(async (tx) => {
        const completed = await markTaskCompleted(tx, input);
        await recordDecision(tx, {
          key: stepKey(workflowId, `decision:${input.taskId}`),
          ...input,
          workflowId,
          runId: execution?.runId ?? null,
          decidedAt: new Date(completed.completedAt),
        });
        return completed;
      });
      return {
        taskId: input.taskId,
        outcome: input.outcome,
        completedBy: done.completedBy,
        completedAt: new Date(done.completedAt).toISOString(),
      }; // raw SQL may hand back the timestamp as text
    },

    async cancelTaskRecord(input: { taskId: string; reason: string }): Promise<boolean> {
      return cancelTask(deps.orm.em.fork(), { ...input, by: workflowIdOf() });
    },

    async escalateTaskRecord(input: {
      taskId: string;
      queue: string;
      reason: string;
      sla?: string | null;
    }): Promise<boolean> {
      const slaDueAt = input.sla ? addDuration(deps.clock(), input.sla) : null;
      return escalateTask(deps.orm.em.fork(), {
        taskId: input.taskId,
        queue: input.queue,
        reason: input.reason,
        by: workflowIdOf(),
        slaDueAt,
      });
    },
  };
}

export type TaskActivities = ReturnType<typeof createTaskActivities>;
