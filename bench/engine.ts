// One engine under test for a benchmark case: its own scratch database, its own Temporal dev server (or a given
// server address), a worker and the API in this process, configured as in production, with the bench's credentials.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../src/config/config.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { freePort } from '../src/composition/free-port.js';
import {
  installTemporalRuntime,
  runApi,
  runWorker,
  type RunningApi,
  type RunningWorker,
} from '../src/composition/runtime.js';
import { connectClient } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { BENCH_AUTH_ENV } from './auth.js';
import { scratchDatabase } from './lib.js';

export interface BenchEngine {
  databaseUrl: string;
  temporalAddress: string;
  orm: Orm;
  config: Config;
  client: Client;
  api?: RunningApi;
  worker?: RunningWorker;
  /** The environment the engine was configured from (for worker processes started on their own). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface BenchEngineOptions {
  name: string;
  api?: boolean;
  worker?: boolean;
  smtpUrl?: string;
  /** An already running Temporal server (the scale track's); otherwise a dev server of the case's own. */
  temporalAddress?: string;
  poolMax?: number;
}

export async function startBenchEngine(options: BenchEngineOptions): Promise<BenchEngine> {
  installTemporalRuntime('ERROR');
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse())
      await s().catch((error) => console.error(`  stopping: ${(error as Error).message}`));
  };
  try {
    const database = await scratchDatabase(options.name);
    stops.push(() => database.drop());
    let temporalAddress = options.temporalAddress;
    if (!temporalAddress) {
      const devServer = await startDevServer({ port: await freePort(), logLevel: 'error' });
      stops.push(() => devServer.stop());
      temporalAddress = devServer.address;
    }
    const orm = await openOrm(database.url, { poolMax: options.poolMax ?? 20 });
    stops.push(() => orm.close(true));
    await migrate(orm);
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
      PORT: String(await freePort()),
      SMTP_URL: options.smtpUrl ?? 'smtp://127.0.0.1:9',
      ...BENCH_AUTH_ENV,
    };
    const config = loadConfig(env);
    const client = await connectClient(config.temporal, temporalAddress);
    stops.push(() => client.connection.close());
    const worker = options.worker ? await runWorker(config, temporalAddress, { orm }) : undefined;
    if (worker) stops.push(() => worker.stop());
    const api = options.api ? await runApi(config, temporalAddress, { orm }) : undefined;
    if (api) stops.push(() => api.stop());
    return { databaseUrl: database.url, temporalAddress, orm, config, client, api, worker, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
