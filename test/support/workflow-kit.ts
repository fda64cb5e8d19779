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
  /** Runs `run` while a worker with the engine's real activities polls a task queue of its own. */
  withWorker<T>(run: (taskQueue: string) => Promise<T>): Promise<T>;
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
      const worker = await Worker.create({ connection: testEnv.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: createActivities({ ...deps.deps, temporal: { client: testEnv.client, taskQueue } }) });
      return worker.runUntil(run(taskQueue));
    },
    async recordHistory(handle, file) {
      const target = new URL(`../replay/${file}`, import.meta.url);
      if (!process.env.RECORD_REPLAY_HISTORIES || existsSync(target)) return;
      const history = await handle.fetchHistory();
      writeFileSync(target, JSON.stringify({ workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) }));
    },
  };
}
