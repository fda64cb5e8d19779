// Replays every recorded workflow history under test/replay/ against today's workflow code: a change that is not
// replay-safe (missing `patched`) fails the build here instead of breaking live workflows.
import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { installTemporalRuntime } from '../../src/composition/runtime.js';
import { workflowBundle } from '../support/time-skipping.js';

const dir = new URL('./', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

it('has a recorded history for every workflow type', async () => {
  const exported = await import('../../workflows/index.js');
  const recordedTypes = new Set(
    files.map(
      (f) =>
        JSON.parse(readFileSync(new URL(f, dir), 'utf8')).history.events[0].workflowExecutionStartedEventAttributes
          .workflowType.name,
    ),
  );
  expect([...recordedTypes].sort()).toEqual(Object.keys(exported).sort());
});

it.each(files)('replays %s deterministically', async (file) => {
  installTemporalRuntime('ERROR');
  const { workflowId, history } = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
  await expect(
    Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), workflowId),
  ).resolves.toBeUndefined();
});

it('fails the build when workflow code changes incompatibly without patched()', async () => {
  installTemporalRuntime('ERROR');
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const variant = await bundleWorkflowCode({
    workflowsPath: new URL('./variants/customer-account-reordered.ts', dir).pathname,
    logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {}, log() {} },
  });
  const { workflowId, history } = JSON.parse(readFileSync(new URL('customer-account.json', dir), 'utf8'));
  const failure = await Worker.runReplayHistory({ workflowBundle: variant }, historyFromJSON(history), workflowId).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(failure?.name).toBe('DeterminismViolationError');
});
