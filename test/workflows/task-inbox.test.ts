// The task inbox as a workflow sees it, on the time-skipping server with real activities and PostgreSQL: tasks are
// stored once, the validator refuses bad completions before they enter history, a second completion is refused,
// and an unanswered task escalates on a durable timer.
import { bundleWorkflowCode } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { findTask, taskActivity } from '../../src/tasks/store/tasks.js';
import { completeTaskUpdate } from '../../workflows/tasks/messages.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';
import { eventually } from '../support/engine.js';
import type { taskOwnerWorkflow } from './fixtures/task-owner.js';

const kit = useWorkflowTestKit('task-inbox');
const fixtureBundle = bundleWorkflowCode({
  workflowsPath: new URL('./fixtures/task-owner.ts', import.meta.url).pathname,
  logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {}, log() {} },
});

async function withFixtureWorker<T>(taskQueue: string, run: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: kit.env.nativeConnection,
    taskQueue,
    workflowBundle: await fixtureBundle,
    activities: createActivities(kit.real.deps),
  });
  return worker.runUntil(run());
}

const taskOf = async (workflowId: string) =>
  eventually(async () => {
    const [row] = await kit.real.db.orm.em
      .fork()
      .execute<{ id: string }[]>('SELECT id FROM task WHERE workflow_id = ?', [workflowId]);
    return row?.id;
  });

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error & { cause?: { type?: string; details?: unknown[] } }) => error,
  );

it('refuses invalid outcomes and amounts, accepts a valid completion once, and records it', async () => {
  await withFixtureWorker('inbox-complete', async () => {
    const handle = await kit.env.client.workflow.start<typeof taskOwnerWorkflow>('taskOwnerWorkflow', {
      taskQueue: 'inbox-complete',
      workflowId: 'owner-1',
      args: [{ subjectId: 's-1', maxAmount: 10_000 }],
    });
    const taskId = await taskOf('owner-1');
    const complete = (outcome: string, data: Record<string, unknown> = {}) =>
      handle.executeUpdate(completeTaskUpdate, { args: [{ taskId, outcome, data, by: 'alice', byManager: false }] });

    const wrongOutcome = await failureOf(complete('maybe'));
    expect(wrongOutcome?.name).toBe('WorkflowUpdateFailedError');
    expect(wrongOutcome?.cause?.type).toBe('TaskCompletionInvalid');
    expect(wrongOutcome?.cause?.details?.[0]).toEqual([
      { pointer: '/outcome', detail: 'must be one of approve, reject for this task' },
    ]);
    const tooMuch = await failureOf(complete('approve', { amount: 10_001 }));
    expect(tooMuch?.cause?.details?.[0]).toEqual([{ pointer: '/data/amount', detail: 'must not exceed 10000' }]);
    const missing = await failureOf(complete('approve'));
    expect(missing?.cause?.details?.[0]).toEqual([{ pointer: '/data/amount', detail: 'is required for this outcome' }]);
    const stranger = await failureOf(
      handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: '00000000-0000-4000-8000-000000000000',
            outcome: 'reject',
            data: {},
            by: 'alice',
            byManager: false,
          },
        ],
      }),
    );
    expect(stranger?.cause?.type).toBe('TaskClosed');

    // Refused completions never reached the store: the task is still open.
    expect((await findTask(kit.real.db.orm.em.fork(), taskId))?.status).toBe('open');

    const result = await complete('approve', { amount: 10_000 });
    expect(result).toMatchObject({ taskId, outcome: 'approve', completedBy: 'alice' });
    // Refused either by the validator (task closed) or, once the workflow has finished, by the server.
    const again = await failureOf(complete('reject'));
    expect(again?.cause?.type === 'TaskClosed' || again?.name === 'WorkflowNotFoundError').toBe(true);

    const { completion, escalated } = await handle.result();
    expect(completion).toMatchObject({ taskId, outcome: 'approve', data: { amount: 10_000 } });
    expect(escalated).toBe(false);
    const em = kit.real.db.orm.em.fork();
    const stored = await findTask(em, taskId);
    expect(stored).toMatchObject({
      status: 'completed',
      outcome: { outcome: 'approve', by: 'alice', data: { amount: 10_000 } },
    });
    expect((await taskActivity(em, taskId)).map((a) => a.kind)).toEqual(['created', 'completed']);
    const events = await em.execute<{ type: string }[]>(
      `SELECT type FROM domain_event WHERE entity_id = ? ORDER BY position`,
      [taskId],
    );
    expect(events.map((e) => e.type)).toEqual(['task.created', 'task.completed']);
  });
});

it('escalates a task nobody completed in time to the managers queue, and still takes its completion', async () => {
  await withFixtureWorker('inbox-escalate', async () => {
    const handle = await kit.env.client.workflow.start<typeof taskOwnerWorkflow>('taskOwnerWorkflow', {
      taskQueue: 'inbox-escalate',
      workflowId: 'owner-2',
      args: [{ subjectId: 's-2', maxAmount: 500, escalateAfterMs: 2 * 24 * 3600 * 1000 }],
    });
    const taskId = await taskOf('owner-2');
    await kit.env.sleep('3 days');
    const escalatedTask = await eventually(async () => {
      const task = await findTask(kit.real.db.orm.em.fork(), taskId);
      return task?.queue === 'approver-managers' ? task : undefined;
    });
    expect(escalatedTask).toMatchObject({ status: 'open', assignee: null });
    expect(escalatedTask.escalatedAt).not.toBeNull();
    await handle.executeUpdate(completeTaskUpdate, {
      args: [{ taskId, outcome: 'reject', data: {}, by: 'boss', byManager: true }],
    });
    const { escalated, completion } = await handle.result();
    expect(escalated).toBe(true);
    expect(completion.by).toBe('boss');
    expect((await taskActivity(kit.real.db.orm.em.fork(), taskId)).map((a) => a.kind)).toEqual([
      'created',
      'escalated',
      'completed',
    ]);
  });
});
