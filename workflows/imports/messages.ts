// Messages of the import workflow `import-<importId>`.
import { defineQuery } from '@temporalio/workflow';

export interface ImportProgress {
  batches: number;
  processed: number;
  imported: number;
  skipped: number;
  rejected: number;
  lifecyclesStarted: number;
  phase: 'rows' | 'lifecycles' | 'done';
}
export const importProgressQuery = defineQuery<ImportProgress>('importProgress');
