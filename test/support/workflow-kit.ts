// What every time-skipping workflow test file shares: the Java test server, real activity dependencies (cloned
// database, SMTP catcher), a fresh worker and task queue per test, and recording of replay histories.
import { existsSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { realActivityDeps, type RealActivityDeps } from './activity-deps.js';
import { createTimeSkippingEnv, workflowBundle } from './time-skipping.js';

export interface WorkflowTestKit {
  readonly env: TestWorkflowEnvironment;
  readonly real: RealActivityDeps;
  /**
   * Runs `run` while a worker with the engine's real activities polls a task queue of its own; before that worker
   * stops, ends the workflows handed to `endAfterTest`.
   */
  withWorker<T>(run: (taskQueue: string) => Promise<T>): Promise<T>;
  /**
   * A workflow the test makes the engine start that may outlive the test. The time-skipping server stops skipping
   * time for every later test of the file while any workflow has a task no worker will take, and terminating a
   * workflow whose activity is in flight leaves that hold in place too. So, while the worker still polls, the kit
   * gives the workflow a few seconds to end by itself, then terminates it once no activity of it is pending.
   */
  endAfterTest(workflowId: string): void;
  /**
   * With RECORD_REPLAY_HISTORIES=1, stores the workflow's history as test/replay/<file> for the replay test, unless
   * that file exists: a recorded history stands for the code that made it and is never overwritten.
   */
  recordHistory(handle: WorkflowHandle, file: string): Promise<void>;
}

/** Call at the top level of a test file: registers the set-up and tear-down hooks and returns the kit. */
export function useWorkflowTestKit(queuePrefix: string): WorkflowTestKit {
  let env: TestWorkflowEnvironment | undefined;
  let real: RealActivityDeps | undefined;
  let queues = 0;
  const toEnd = new Set<string>();
  beforeAll(async () => {
    [env, real] = await Promise.all([createTimeSkippingEnv(), realActivityDeps()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await real?.close();
  });
  const ready = () => {
    if (!env || !real) throw new Error('workflow test kit used before beforeAll ran');
    return { env, real };
  };
  return {
    get env() {
      return ready().env;
    },
    get real() {
      return ready().real;
    },
    async withWorker(run) {
      const { env: testEnv, real: deps } = ready();
      const taskQueue = `${queuePrefix}-${++queues}`;
      const worker = await Worker.create({
        connection: testEnv.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: createActivities({ ...deps.deps, temporal: { client: testEnv.client, taskQueue } }),
      });
      return worker.runUntil(async () => {
        try {
          return await run(taskQueue);
        } finally {
          const ids = [...toEnd];
          toEnd.clear();
          for (const id of ids) await endQuietly(testEnv, id);
        }
      });
    },
    endAfterTest(workflowId) {
      toEnd.add(workflowId);
    },
    async recordHistory(handle, file) {
      const target = new URL(`../replay/${file}`, import.meta.url);
      if (!process.env.RECORD_REPLAY_HISTORIES || existsSync(target)) return;
      const history = await handle.fetchHistory();
      writeFileSync(
        target,
        JSON.stringify({ workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) }),
      );
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits (time locked, so no timer is skipped) for the workflow to end by itself; otherwise terminates it at a moment
 * when none of its workflow or activity tasks is outstanding. The server holds its clock for each outstanding task and
 * releases it when the task completes, which a terminated workflow's task never does. Deliberately not
 * `handle.result()`: that unlocks the clock, and two concurrent unlocks drive the server's lock count below zero.
 */
async function endQuietly(env: TestWorkflowEnvironment, workflowId: string): Promise<void> {
  const handle = env.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + 15_000;
  for (let waited = 0; ; waited += 100) {
    const description = await handle.describe().catch(() => undefined);
    if (!description || description.status.name !== 'RUNNING') return;
    const idle = (description.raw.pendingActivities ?? []).length === 0 && !description.raw.pendingWorkflowTask;
    if ((idle && waited >= 3_000) || Date.now() > deadline) break;
    await sleep(100);
  }
  await handle.terminate('test over').catch(() => undefined);
}
