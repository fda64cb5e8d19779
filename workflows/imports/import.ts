// The import workflow `import-<importId>`: applies the staged rows batch by batch (each batch one transaction, each
// row wholly in or out), then starts the imported entities' own workflows, then marks the import completed. A worker
// crash mid-batch rolls that batch back and the retried activity applies it again; progress is in the database
// (`GET /imports/:id`) and in the `importProgress` query.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ImportActivities } from '../../activities/imports/imports.js';
import type { ImportKind } from '../../src/imports/rules/import-rows.js';
import type { ImportPolicy } from '../../src/imports/rules/import-policy.js';
import type { LifecyclePolicies } from '../../src/imports/store/lifecycle.js';
import { importProgressQuery, type ImportProgress } from './messages.js';

const { applyImportRows, startImportLifecycles, completeImport } = proxyActivities<ImportActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export interface ImportWorkflowInput {
  importId: string;
  kind: ImportKind;
  policy: ImportPolicy;
  /** Null: record only, start no entity workflows. */
  lifecycle: LifecyclePolicies | null;
  progress?: ImportProgress;
}

export async function importWorkflow(input: ImportWorkflowInput): Promise<ImportProgress> {
  const progress: ImportProgress = input.progress ?? {
    batches: 0,
    processed: 0,
    imported: 0,
    skipped: 0,
    rejected: 0,
    lifecyclesStarted: 0,
    phase: 'rows',
  };
  setHandler(importProgressQuery, () => progress);

  const carryOn = async () => {
    await condition(allHandlersFinished);
    return continueAsNew<typeof importWorkflow>({ ...input, progress });
  };

  while (progress.phase === 'rows') {
    const batch = await applyImportRows({
      importId: input.importId,
      batchSize: input.policy.batchSize,
      today: new Date().toISOString().slice(0, 10),
    });
    progress.batches++;
    progress.processed += batch.processed;
    progress.imported += batch.imported;
    progress.skipped += batch.skipped;
    progress.rejected += batch.rejected;
    if (!batch.more) progress.phase = input.lifecycle ? 'lifecycles' : 'done';
    else if (workflowInfo().continueAsNewSuggested) return carryOn();
  }
  while (progress.phase === 'lifecycles' && input.lifecycle) {
    const started = await startImportLifecycles({
      importId: input.importId,
      kind: input.kind,
      policies: input.lifecycle,
      limit: input.policy.batchSize,
      now: new Date().toISOString(),
    });
    progress.lifecyclesStarted += started.started;
    if (!started.more) progress.phase = 'done';
    else if (workflowInfo().continueAsNewSuggested) return carryOn();
  }
  await completeImport({ importId: input.importId });
  await condition(allHandlersFinished);
  return progress;
}
