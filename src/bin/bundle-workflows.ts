// Builds the workflow bundle for WORKFLOW_BUNDLE: `npx tsx src/bin/bundle-workflows.ts dist/workflows.js`.
import { resolve } from 'node:path';
import { writeWorkflowBundle } from '../temporal/bundle.js';

const target = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
const bytes = await writeWorkflowBundle(target);
console.log(
  `workflow bundle written to ${target} (${Math.round(bytes / 1024)} KiB); start workers with WORKFLOW_BUNDLE=${target}`,
);
