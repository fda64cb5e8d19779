// The messages every workflow that owns human tasks answers (through workflows/tasks/task-inbox.ts): the completion
// of a task and its routing to another queue.
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { TaskCompletion, TaskCompletionResult } from '../../src/tasks/rules/tasks.js';

/**
 * A person completed a task the workflow waits for. An update with a validator: an outcome the task does not allow,
 * or a completion of a closed task, is rejected before it enters history and the caller gets the reason.
 */
export const completeTaskUpdate = defineUpdate<TaskCompletionResult, [TaskCompletion]>('completeTask');

/**
 * An approval above the authority of the person who tried it goes to the queue of the role whose ceiling covers it
 * (the API decides the queue from the approval policy; the owning workflow moves its task, so its own view agrees).
 */
export const routeTaskSignal = defineSignal<[{ taskId: string; queue: string; reason: string }]>('routeTask');
