// Assembles the long-lived parts (database, mail, Temporal connections, worker, API) for the entrypoints,
// so `start` (everything in one process) and the separate `worker` and `api` processes wire them identically.
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import type { Config } from '../config/config.js';
import { openOrm, type Orm } from '../db/orm.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { connectClient, tlsOptions } from '../temporal/connection.js';
import { createEngineWorker } from './worker.js';
import { ensureReportSchedules } from '../reports/schedules.js';
import { reportSettings } from '../reports/settings.js';
import { freePort } from './free-port.js';
import { startWorkerMetricsServer } from '../observability/worker-metrics-server.js';

let runtimeInstalled = false;
let runtimeMetricsAddress: string | undefined;
/**
 * Installs the process's Temporal runtime once. With `metricsBindAddress` (host:port) the SDK core serves its runtime
 * metrics (workflow/activity task counts and failures, schedule-to-start latency, slots) there in Prometheus format;
 * the worker's `/metrics` passes them through.
 */
export function installTemporalRuntime(
  level: 'WARN' | 'INFO' | 'ERROR' = 'WARN',
  options: { metricsBindAddress?: string } = {},
): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: level }), forward: {} },
      ...(options.metricsBindAddress
        ? { metrics: { prometheus: { bindAddress: options.metricsBindAddress, useSecondsForDurations: true } } }
        : {}),
    },
  });
  runtimeMetricsAddress = options.metricsBindAddress;
  runtimeInstalled = true;
}

/** A loopback address for the SDK core's metrics, for callers that install the runtime with metrics. */
export async function loopbackMetricsAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

export interface RunningWorker {
  worker: Worker;
  running: Promise<void>;
  /** The worker's Prometheus endpoint, when WORKER_METRICS_PORT is set. */
  metricsUrl: string | undefined;
  /** Stops polling, lets in-flight activities finish (up to the worker's shutdown grace time), then closes. */
  stop(): Promise<void>;
}

export async function runWorker(
  config: Config,
  address: string,
  shared: { orm: Orm; mailer?: Mailer },
): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address, tls: tlsOptions(config.temporal) });
  const mailer = shared.mailer ?? createMailer(config.mail.smtpUrl);
  // Activities that start or signal other workflows (collections, disputes) use their own client connection.
  const client = await connectClient(config.temporal, address);
  const worker = await createEngineWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // A bundle built ahead saves the webpack run at every start (seconds to a minute: restarts after a crash).
    workflowBundle: config.temporal.workflowBundlePath ? { codePath: config.temporal.workflowBundlePath } : undefined,
    deps: {
      orm: shared.orm,
      mailer,
      mail: {
        from: config.mail.from,
        companyName: config.mail.companyName,
        publicUrl: config.http.publicUrl,
        paymentInstructions: reportSettings().paymentInstructions,
      },
      clock: () => new Date(),
      temporal: { client, taskQueue: config.temporal.taskQueue },
    },
  });
  const running = worker.run();
  // Idempotent: creates the report Schedules or brings them to the current definition.
  if (reportSettings(process.env, config.env).schedules) await ensureReportSchedules(client, config.temporal.taskQueue);
  const metrics =
    config.integrations.workerMetricsPort === undefined
      ? undefined
      : await startWorkerMetricsServer({
          port: config.integrations.workerMetricsPort,
          host: config.http.host,
          orm: shared.orm,
          runtimeMetricsAddress,
        });
  return {
    worker,
    running,
    metricsUrl: metrics?.url,
    stop: once(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await metrics?.close();
      await connection.close();
      await client.connection.close();
      if (!shared.mailer) mailer.close();
    }),
  };
}

/** A stop that runs once; later calls wait for the first (an engine may be stopped by more than one owner). */
function once(run: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= run());
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

export async function runApi(config: Config, address: string, shared: { orm: Orm }): Promise<RunningApi> {
  const temporal = await connectClient(config.temporal, address);
  const app = await buildApp({ config, orm: shared.orm, temporal });
  const url = await app.listen({ host: config.http.host, port: config.http.port });
  return {
    app,
    url,
    async stop() {
      await app.close(); // stops accepting, finishes in-flight requests
      await temporal.connection.close();
    },
  };
}

export { openOrm };

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits. A second signal, or a stop that takes longer than `timeoutMs`
 * (set it above the worker's 30 s grace time and the orchestrator's termination grace period below), exits at once.
 */
export function onShutdownSignal(stop: () => Promise<void>, options: { timeoutMs?: number } = {}): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      console.error(`${signal} received again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal} received, shutting down...`);
    setTimeout(() => {
      console.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, options.timeoutMs ?? 45_000).unref();
    stop()
      .then(() => process.exit(0))
      .catch((error) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}
