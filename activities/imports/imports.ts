// Side effects of the import workflow. Each batch is one transaction (see src/imports/store/apply.ts); a retry applies only
// rows still staged, so nothing is imported twice.
import { Context } from '@temporalio/activity';
import type { ImportKind } from '../../src/imports/rules/import-rows.js';
import { applyImportBatch, finishImport, type BatchResult } from '../../src/imports/store/apply.js';
import { startImportedLifecycles, type LifecyclePolicies } from '../../src/imports/store/lifecycle.js';
import { temporalOf, type ActivityDeps } from '../deps.js';

export function createImportActivities(deps: ActivityDeps) {
  return {
    async applyImportRows(input: { importId: string; batchSize: number; today: string }): Promise<BatchResult> {
      const context = Context.current();
      context.heartbeat();
      return applyImportBatch(deps.orm.em.fork(), input, () => context.heartbeat());
    },

    async startImportLifecycles(input: {
      importId: string;
      kind: ImportKind;
      policies: LifecyclePolicies;
      limit: number;
      now: string;
    }): Promise<{ started: number; more: boolean }> {
      Context.current().heartbeat();
      return startImportedLifecycles(deps.orm.em.fork(), temporalOf(deps), { ...input, now: new Date(input.now) });
    },

    async completeImport(input: { importId: string }): Promise<void> {
      await finishImport(deps.orm.em.fork(), input.importId);
    },
  };
}

export type ImportActivities = ReturnType<typeof createImportActivities>;
