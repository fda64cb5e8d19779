// Builds the engine's worker: the workflow bundle plus activities wired to real dependencies.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { ActivityMetricsInterceptor } from '../observability/activity-metrics.js';
import { currentTracing } from '../observability/tracing.js';

export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface EngineWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Pre-built bundle (tests bundle once per file); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
}

export async function createEngineWorker(options: EngineWorkerOptions): Promise<Worker> {
  // Tracing needs its interceptors inside the workflow bundle, so it applies to workers that bundle at start.
  const tracing = options.workflowBundle ? undefined : currentTracing();
  return Worker.create({
    interceptors: { activity: [(ctx) => ({ inbound: new ActivityMetricsInterceptor(ctx) })] },
    plugins: tracing
      ? [new OpenTelemetryPlugin({ resource: tracing.resource, spanProcessor: tracing.spanProcessor })]
      : [],
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    maxCachedWorkflows: options.maxCachedWorkflows,
    // Let in-flight activities finish on shutdown (SIGTERM from an orchestrator) before the worker exits.
    shutdownGraceTime: '30 seconds',
  });
}
