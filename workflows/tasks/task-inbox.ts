// The workflow side of the human task inbox. A workflow installs it before its first await, opens tasks through an
// activity (stored in PostgreSQL for the inbox), and waits for people to complete them. Completion arrives as the
// `completeTask` update: the validator refuses closed or unknown tasks and whatever the owning workflow's own rules
// refuse (wrong outcome, missing or excessive amount), so a refused completion never enters history.
import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { OpenTaskInput, TaskActivities } from '../../activities/tasks/tasks.js';
import {
  TaskFailureType,
  type FieldProblem,
  type TaskCompletion,
  type TaskCompletionResult,
} from '../../src/tasks/rules/tasks.js';
import { completeTaskUpdate, routeTaskSignal } from './messages.js';
import { TASK_RECORD_STEP } from '../shared/activity-options.js';

const { openTask, recordTaskCompletion, cancelTaskRecord, escalateTaskRecord } =
  proxyActivities<TaskActivities>(TASK_RECORD_STEP);

/** A task the workflow waits for; `context` is what its validator needs (limits, amounts), kept in workflow state. */
export interface OpenTask {
  taskId: string;
  key: string;
  type: string;
  queue: string;
  slaDueAt: string | null;
  context: Record<string, unknown>;
}

/** What survives continue-as-new: open tasks and completions not yet consumed by `waitFor`. */
export interface TaskInboxState {
  open: OpenTask[];
  completed: TaskCompletion[];
}

export interface TaskInboxOptions {
  /** The owning workflow's rules for a completion of `task`; empty means valid. */
  validate(task: OpenTask, completion: TaskCompletion): FieldProblem[];
}

export interface NewTaskSpec extends OpenTaskInput {
  context?: Record<string, unknown>;
}

export interface TaskInbox {
  open(spec: NewTaskSpec): Promise<OpenTask>;
  /** The completion of `taskId`, or undefined if `timeoutMs` passes (or the task was cancelled) first. */
  waitFor(taskId: string, timeoutMs?: number): Promise<TaskCompletion | undefined>;
  escalate(taskId: string, to: { queue: string; reason: string; sla?: string | null }): Promise<void>;
  cancel(taskId: string, reason: string): Promise<void>;
  isOpen(taskId: string): boolean;
  /** A completion of the task was accepted and is being recorded. */
  isCompleting(taskId: string): boolean;
  openTasks(): OpenTask[];
  snapshot(): TaskInboxState;
}

const closed = (taskId: string) =>
  ApplicationFailure.create({
    type: TaskFailureType.closed,
    message: `task ${taskId} is not open (completed, cancelled or no longer awaited)`,
    nonRetryable: true,
  });

export function installTaskInbox(options: TaskInboxOptions, previous?: TaskInboxState): TaskInbox {
  const open = new Map<string, OpenTask>((previous?.open ?? []).map((t) => [t.taskId, t]));
  const completed = new Map<string, TaskCompletion>((previous?.completed ?? []).map((c) => [c.taskId, c]));
  // Completions accepted by the validator whose recording is in flight: a second one for the same task is refused.
  const completing = new Set<string>();

  setHandler(
    completeTaskUpdate,
    async (completion): Promise<TaskCompletionResult> => {
      if (completing.has(completion.taskId) || !open.has(completion.taskId)) throw closed(completion.taskId);
      completing.add(completion.taskId);
      try {
        const result = await recordTaskCompletion({
          taskId: completion.taskId,
          outcome: completion.outcome,
          data: completion.data,
          by: completion.by,
          comment: completion.comment,
        });
        open.delete(completion.taskId);
        completed.set(completion.taskId, completion);
        return result;
      } finally {
        completing.delete(completion.taskId);
      }
    },
    {
      validator: (completion) => {
        const task = open.get(completion.taskId);
        if (!task || completing.has(completion.taskId)) throw closed(completion.taskId);
        const problems = options.validate(task, completion);
        if (problems.length) {
          throw ApplicationFailure.create({
            type: TaskFailureType.invalid,
            message: problems.map((p) => `${p.pointer} ${p.detail}`).join('; '),
            details: [problems],
            nonRetryable: true,
          });
        }
      },
    },
  );

  async function escalate(taskId: string, to: { queue: string; reason: string; sla?: string | null }): Promise<void> {
    if (!open.has(taskId)) return;
    await escalateTaskRecord({ taskId, queue: to.queue, reason: to.reason, sla: to.sla ?? null });
    // Completed while the record moved: it stays closed.
    const current = open.get(taskId);
    if (current) open.set(taskId, { ...current, queue: to.queue });
  }

  // Routing up is a signal, not part of any owning workflow's plan: histories without it replay unchanged.
  setHandler(routeTaskSignal, async ({ taskId, queue, reason }) => {
    if (open.has(taskId) && !completing.has(taskId) && open.get(taskId)!.queue !== queue)
      await escalate(taskId, { queue, reason });
  });

  return {
    async open(spec) {
      const { context, ...input } = spec;
      const { taskId, slaDueAt } = await openTask(input);
      const task: OpenTask = {
        taskId,
        key: spec.key,
        type: spec.type,
        queue: spec.queue,
        slaDueAt,
        context: context ?? {},
      };
      // A retried open returns the same task; it may have been completed already in an earlier run.
      if (!completed.has(taskId)) open.set(taskId, task);
      return task;
    },
    async waitFor(taskId, timeoutMs) {
      const settled = () => completed.has(taskId) || (!open.has(taskId) && !completing.has(taskId));
      if (timeoutMs === undefined) await condition(settled);
      else if (!(await condition(settled, timeoutMs))) return undefined;
      const completion = completed.get(taskId);
      completed.delete(taskId);
      return completion;
    },
    escalate,
    async cancel(taskId, reason) {
      if (!open.has(taskId)) return;
      open.delete(taskId);
      await cancelTaskRecord({ taskId, reason });
    },
    isOpen: (taskId) => open.has(taskId),
    isCompleting: (taskId) => completing.has(taskId),
    openTasks: () => [...open.values()],
    snapshot: () => ({ open: [...open.values()], completed: [...completed.values()] }),
  };
}
