// Temporal's Java time-skipping test server, started from the toolchain cache through the exec wrapper.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { readFileSync } from 'node:fs';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { findTestServerWrapper } from '../../src/temporal/toolchain.js';
import { installTemporalRuntime } from '../../src/composition/runtime.js';
import { workflowsPath } from '../../src/composition/worker.js';
import { TEST_ENV } from './env.js';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  installTemporalRuntime('ERROR');
  const path = findTestServerWrapper();
  // Without the cached Java server (no JDK here), the SDK downloads its own build (needs internet).
  const options = path ? { server: { executable: { type: 'existing-path' as const, path } } } : {};
  // The SDK gives the server 5 s to answer; a cold JVM on a busy machine (parallel test files all starting theirs)
  // can miss that, so try a few times before failing the file.
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping(options);
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
}

let bundle: Promise<WorkflowBundle> | undefined;
/** The workflow bundle: the one the run's global set-up built, else built once for this file. */
export function workflowBundle(): Promise<WorkflowBundle> {
  const built = process.env[TEST_ENV.workflowBundle];
  bundle ??= built
    ? Promise.resolve({ code: readFileSync(built, 'utf8') })
    : bundleWorkflowCode({
        workflowsPath,
        logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {}, log() {} },
      });
  return bundle;
}
