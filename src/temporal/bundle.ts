// A workflow bundle built ahead of time: the worker then loads one JavaScript file instead of running webpack over
// workflows/ at every start, which costs seconds to a minute and is paid again after every crash. The bundle must
// come from the same commit as the worker (build it in the image build); tracing interceptors are not inside it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../composition/worker.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {}, trace() {}, log() {} };

/** Bundles workflows/ into `path` (for WORKFLOW_BUNDLE) and returns its size in bytes. */
export async function writeWorkflowBundle(path: string): Promise<number> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, code);
  return Buffer.byteLength(code);
}
