// What the suite's global set-up hands to every scenario file, and the figures each scenario reports: operations
// driven, faults injected, invariant violations found. Figures are appended as JSON lines to one file that the global
// tear-down sums up into the table printed at the end of the run (and copied into docs/reliability.md).
import { appendFileSync } from 'node:fs';

export const FAULTS_ENV = {
  pgPort: 'AR_FAULTS_PG_PORT',
  pgDir: 'AR_FAULTS_PG_DIR',
  templateDatabase: 'AR_FAULTS_TEMPLATE_DB',
  figuresFile: 'AR_FAULTS_FIGURES_FILE',
  /** The workflow bundle built once per run, loaded by every worker start (WORKFLOW_BUNDLE). */
  workflowBundle: 'AR_FAULTS_WORKFLOW_BUNDLE',
  /** `full` for the published figures (500 invoices and 500 payments), `quick` (small batches), `ci` (smallest). */
  scale: 'AR_FAULTS_SCALE',
} as const;

export interface ScenarioFigures {
  scenario: string;
  /** Business operations driven (API requests that create or change something, fuzzed calls, hostile uploads...). */
  operations: number;
  faultsInjected: number;
  invariantViolations: number;
  seconds: number;
  notes?: string;
}

export const isCiRun = () => process.env[FAULTS_ENV.scale] === 'ci';
export const isQuick = () => process.env[FAULTS_ENV.scale] !== 'full';

/** Full-run, quick-run or CI-run count (CI: the quick count unless given), by the suite's scale. */
export const scaled = (full: number, quick: number, ci = quick) => (!isQuick() ? full : isCiRun() ? ci : quick);

/** Progress on stderr as it happens (jest holds console output back until a file finishes, and this file is long). */
export function progress(message: string): void {
  process.stderr.write(`[faults] ${message}\n`);
}

export function recordFigures(figures: ScenarioFigures): void {
  const file = process.env[FAULTS_ENV.figuresFile];
  progress(
    `${figures.scenario}: ${figures.operations} operations, ${figures.faultsInjected} faults, ${figures.invariantViolations} violations, ${figures.seconds.toFixed(1)} s${figures.notes ? ` (${figures.notes})` : ''}`,
  );
  if (file) appendFileSync(file, `${JSON.stringify(figures)}\n`);
}
