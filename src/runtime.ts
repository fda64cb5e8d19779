// Assembles the long-lived parts (database, mail, Temporal connections, worker, API) for the entrypoints,
// so `start` (everything in one process) and the separate `worker` and `api` processes wire them identically.
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import type { Config } from './config.js';
import { openOrm, type Orm } from './db/orm.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { connectClient, tlsOptions } from './temporal/connection.js';
import { createEngineWorker } from './temporal/worker.js';

let runtimeInstalled = false;
export function installTemporalRuntime(level: 'WARN' | 'INFO' | 'ERROR' = 'WARN'): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: level }), forward: {} } },
  });
  runtimeInstalled = true;
}

export interface RunningWorker {
  worker: Worker;
  running: Promise<void>;
  stop(): Promise<void>;
}

export async function runWorker(config: Config, address: string, shared: { orm: Orm; mailer?: Mailer }): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address, tls: tlsOptions(config.temporal) });
  const mailer = shared.mailer ?? createMailer(config.mail.smtpUrl);
  // Activities that start or signal other workflows (collections, disputes) use their own client connection.
  const client = await connectClient(config.temporal, address);
  const worker = await createEngineWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: {
      orm: shared.orm,
      mailer,
      mail: { from: config.mail.from, companyName: config.mail.companyName, publicUrl: config.http.publicUrl },
      clock: () => new Date(),
      temporal: { client, taskQueue: config.temporal.taskQueue },
    },
  });
  const running = worker.run();
  return {
    worker,
    running,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await client.connection.close();
      if (!shared.mailer) mailer.close();
    },
  };
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

/** Runs `stop` once on SIGINT/SIGTERM, then exits. */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal} received, shutting down...`);
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
