// Human tasks as pure rules: who may claim, release and complete a task, what its SLA state is, and the shapes a
// workflow and the API exchange when a task is completed. Shared by the task inbox routes, the store and workflows.
import type { FieldProblem } from '../../shared/field-problem.js';

export const TASK_STATUSES = ['open', 'claimed', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const isClosedTaskStatus = (status: TaskStatus) => status === 'completed' || status === 'cancelled';

/** What a person decided, sent to the workflow that owns the task (as the `completeTask` update). */
export interface TaskCompletion {
  taskId: string;
  outcome: string;
  data: Record<string, unknown>;
  by: string;
  /** A manager may complete a task someone else claimed; validators may also allow managers more (higher limits). */
  byManager: boolean;
  comment?: string;
  /**
   * The approval authority the API found the decider to hold (src/tasks/rules/approval-authority.ts): a validator holds an
   * entered amount to this ceiling rather than the one the task opened with (a task routed up, a second approver).
   * `ceiling: null` means no ceiling applies (two approvals above the highest one). Absent in older completions.
   */
  authority?: { role: string | null; ceiling: number | null };
  /** Everyone who approved, in order, when the amount needed more than one approval. */
  approvals?: { by: string; at: string }[];
}

export interface TaskCompletionResult {
  taskId: string;
  outcome: string;
  completedBy: string;
  completedAt: string;
}

/** Completion problems' pointers are relative to the request body `{ outcome, data, comment }`. */
export type { FieldProblem } from '../../shared/field-problem.js';

/** Failure types the task inbox uses, so the API can map them to 409/422 without parsing messages. */
export const TaskFailureType = {
  /** The task is completed, cancelled, or not waited for by its workflow any more. */
  closed: 'TaskClosed',
  /** The outcome or its data is not allowed for this task (the validator's problems are in the details). */
  invalid: 'TaskCompletionInvalid',
} as const;

export type SlaState = 'none' | 'on_track' | 'due_soon' | 'breached' | 'met';

/**
 * SLA state of a task at `now`: a closed task met its SLA if it closed before the deadline (otherwise it stays
 * breached); an open one is due soon in the last `dueSoonFraction` of the window from creation to deadline.
 */
export function slaState(input: {
  slaDueAt: Date | null;
  createdAt: Date;
  closedAt: Date | null;
  now: Date;
  dueSoonFraction?: number;
}): SlaState {
  if (!input.slaDueAt) return 'none';
  const due = input.slaDueAt.getTime();
  if (input.closedAt) return input.closedAt.getTime() <= due ? 'met' : 'breached';
  const now = input.now.getTime();
  if (now > due) return 'breached';
  const window = Math.max(0, due - input.createdAt.getTime());
  return due - now <= window * (input.dueSoonFraction ?? 0.2) ? 'due_soon' : 'on_track';
}

export interface TaskAccessView {
  status: TaskStatus;
  assignee: string | null;
}

export type TaskRefusal = { status: 403 | 409 | 412; detail: string };

/** Claiming: an open task, or one the caller already holds (a repeated claim is a no-op). */
export function claimRefusal(task: TaskAccessView, actor: string): TaskRefusal | undefined {
  if (isClosedTaskStatus(task.status)) return { status: 409, detail: `The task is ${task.status}.` };
  if (task.status === 'claimed' && task.assignee !== actor)
    return { status: 409, detail: `The task is claimed by ${task.assignee}.` };
  return undefined;
}

/** Releasing or reassigning: the claimant or a manager; an open task may be assigned by anyone who works tasks. */
export function handOverRefusal(task: TaskAccessView, actor: string, isManager: boolean): TaskRefusal | undefined {
  if (isClosedTaskStatus(task.status)) return { status: 409, detail: `The task is ${task.status}.` };
  if (task.status === 'claimed' && task.assignee !== actor && !isManager)
    return { status: 403, detail: `Only ${task.assignee} (the claimant) or a manager may hand this task over.` };
  return undefined;
}

/** Completing: only the claimant, or a manager; an unclaimed task must be claimed first (managers may skip that). */
export function completionRefusal(task: TaskAccessView, actor: string, isManager: boolean): TaskRefusal | undefined {
  if (isClosedTaskStatus(task.status)) return { status: 409, detail: `The task is already ${task.status}.` };
  if (isManager) return undefined;
  if (task.status === 'open') return { status: 409, detail: 'Claim the task before completing it.' };
  if (task.assignee !== actor)
    return { status: 403, detail: `Only ${task.assignee} (the claimant) or a manager may complete this task.` };
  return undefined;
}

/** Validator helper: the outcome must be one of `allowed`. */
export function outcomeProblems(
  allowed: readonly string[],
  completion: Pick<TaskCompletion, 'outcome'>,
): FieldProblem[] {
  return allowed.includes(completion.outcome)
    ? []
    : [{ pointer: '/outcome', detail: `must be one of ${allowed.join(', ')} for this task` }];
}

/** Validator helper: `data[field]` must be a whole number of minor units within [min, max]. */
export function amountProblems(
  data: Record<string, unknown>,
  field: string,
  bounds: { min?: number; max?: number } = {},
): FieldProblem[] {
  const value = data[field];
  const pointer = `/data/${field}`;
  if (value === undefined || value === null) return [{ pointer, detail: 'is required for this outcome' }];
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    return [{ pointer, detail: 'must be a whole number of minor units' }];
  const min = bounds.min ?? 1;
  if (value < min) return [{ pointer, detail: `must be at least ${min}` }];
  if (bounds.max !== undefined && value > bounds.max) return [{ pointer, detail: `must not exceed ${bounds.max}` }];
  return [];
}
