// The real engine as separate processes for one fault scenario: its own database (cloned from the suite's migrated
// template in the suite's private PostgreSQL cluster), its own Temporal dev server persisted to a file (so it can be
// stopped and started again with its state), a real SMTP catcher, and the API and worker entrypoints as child
// processes that a scenario can SIGKILL and start again. Everything is reached the way a client would: HTTP with a
// bearer token, the Temporal client, SQL for the invariant checks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import type { Role } from '../../../src/auth/roles.js';
import { loadConfig } from '../../../src/config/config.js';
import { dropDatabase } from '../../../src/db/drop-database.js';
import { openOrm, type Orm } from '../../../src/db/orm.js';
import { freePort } from '../../../src/composition/free-port.js';
import { startMailCatcher, type MailCatcher } from '../../../src/mail/catcher.js';
import { connectClient } from '../../../src/temporal/connection.js';
import { startDevServer, type DevServer } from '../../../src/temporal/dev-server.js';
import { installTemporalRuntime } from '../../../src/composition/runtime.js';
import { mintToken } from '../../support/auth.js';
import { startEntrypoint, TEST_AUTH_SECRET, type EngineProcess } from '../../support/processes.js';
import { attachPostgresCluster, type PostgresCluster } from './postgres.js';
import { FAULTS_ENV, progress } from './figures.js';

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body sent as is (with `contentType`). */
  raw?: string | Buffer;
  contentType?: string;
  role?: Role;
  customerId?: string;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** Retries network errors and 5xx/429 answers with the same request (and Idempotency-Key) until this many ms. */
  retryForMs?: number;
  /** Aborts the request (e.g. `AbortSignal.timeout(ms)`: an answer later than that is a hang). */
  signal?: AbortSignal;
}

export interface Stand {
  pg: PostgresCluster;
  databaseUrl: string;
  orm: Orm;
  temporal: Client;
  temporalAddress: string;
  taskQueue: string;
  mail: MailCatcher;
  apiUrl: string;
  /** How long the API process took to start (scenarios size their timing windows from it). */
  apiStartMs: number;
  /** Faults injected so far (kills, restarts), for the figures. */
  faults: number;
  /** HTTP requests sent so far, for the figures. */
  requests: number;
  http(method: string, path: string, options?: RequestOptions): Promise<HttpResponse>;
  sql<T>(query: string, params?: unknown[]): Promise<T[]>;
  tokenFor(role: Role, customerId?: string): Promise<string>;
  /** What the worker process printed (for a scenario that fails). */
  workerOutput(): string;
  /** What the API process printed (for a scenario that fails). */
  apiOutput(): string;
  /** Restarts the API process with extra environment (a policy for one scenario); none restores the defaults. */
  restartApi(extraEnv?: Record<string, string>): Promise<void>;
  killWorker(): Promise<void>;
  startWorker(): Promise<void>;
  workerRunning(): boolean;
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  close(): Promise<void>;
}

async function cloneTemplate(pgCluster: PostgresCluster, template: string): Promise<string> {
  const name = `ar_f_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: pgCluster.url('postgres') });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await client.end();
  }
  return pgCluster.url(name);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startStand(options: { env?: Record<string, string> } = {}): Promise<Stand> {
  installTemporalRuntime('ERROR');
  const t0 = performance.now();
  const lap = (what: string) => progress(`stand: ${what} after ${Math.round(performance.now() - t0)} ms`);
  const port = Number(process.env[FAULTS_ENV.pgPort]);
  const dataDir = process.env[FAULTS_ENV.pgDir];
  const template = process.env[FAULTS_ENV.templateDatabase];
  if (!port || !dataDir || !template)
    throw new Error(
      'the fault suite runs through `npm run test:faults` (its global set-up creates the PostgreSQL cluster)',
    );
  const pgCluster = attachPostgresCluster(port, dataDir);
  const databaseUrl = await cloneTemplate(pgCluster, template);
  const orm = await openOrm(databaseUrl, { poolMax: 4 });
  const mail = await startMailCatcher();
  const temporalDir = mkdtempSync(join(tmpdir(), 'ar-faults-temporal-'));
  const temporalPort = await freePort();
  const devServerOptions = { port: temporalPort, dbFile: join(temporalDir, 'temporal.db'), logLevel: 'error' as const };
  let devServer: DevServer | undefined = await startDevServer(devServerOptions);
  const temporalAddress = devServer.address;
  lap('database, mail catcher and Temporal dev server');
  const taskQueue = `faults-${randomBytes(4).toString('hex')}`;
  const apiPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    AUTH_LOGIN_RATE_LIMIT: '100000',
    ...(process.env[FAULTS_ENV.workflowBundle] ? { WORKFLOW_BUNDLE: process.env[FAULTS_ENV.workflowBundle]! } : {}),
    ...options.env,
  };
  const config = loadConfig({ ...env, AUTH_JWT_SECRET: TEST_AUTH_SECRET });
  const temporal = await connectClient(config.temporal, temporalAddress);
  // The API announces its address at info level only (Fastify's "Server listening at ...").
  const startApi = (extra: Record<string, string> = {}) =>
    startEntrypoint(
      'api',
      { ...env, ...extra, LOG_LEVEL: 'info' },
      `listening at http://127.0.0.1:${apiPort}`,
      120_000,
    );
  const apiBegun = performance.now();
  let api = await startApi();
  const apiStartMs = performance.now() - apiBegun;
  lap('API');
  let worker: EngineProcess | undefined;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const tokens = new Map<string, string>();
  const tokenFor = async (role: Role, customerId?: string) => {
    const key = `${role}:${customerId ?? ''}`;
    if (!tokens.has(key)) tokens.set(key, await mintToken(TEST_AUTH_SECRET, role, { customerId, ttl: 'PT4H' }));
    return tokens.get(key)!;
  };

  const stand: Stand = {
    pg: pgCluster,
    databaseUrl,
    orm,
    temporal,
    temporalAddress,
    taskQueue,
    mail,
    apiUrl,
    apiStartMs,
    faults: 0,
    requests: 0,
    async http(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
        headers.authorization = `Bearer ${await tokenFor(opts.role ?? 'admin', opts.customerId)}`;
      } else if (headers.authorization === 'none') delete headers.authorization;
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
      let body: string | Buffer | undefined;
      if (opts.raw !== undefined) {
        body = opts.raw;
        headers['content-type'] = opts.contentType ?? 'application/octet-stream';
      } else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      }
      const deadline = Date.now() + (opts.retryForMs ?? 0);
      for (let attempt = 1; ; attempt++) {
        stand.requests++;
        try {
          const res = await fetch(`${apiUrl}${path}`, { method, headers, body, signal: opts.signal });
          const text = await res.text();
          // 409 "in progress": the first attempt with this key died with the database; it is taken over after a minute.
          const retryable =
            res.status >= 500 || res.status === 429 || (res.status === 409 && text.includes('idempotency-in-progress'));
          if (retryable && Date.now() < deadline) {
            await sleep(Math.min(2000, 100 * attempt));
            continue;
          }
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          return { status: res.status, headers: res.headers, text, json };
        } catch (error) {
          // A refused connection after the API process died says more with the process's last words.
          if (api.child.exitCode !== null || api.child.signalCode !== null) {
            throw new Error(
              `the API process exited (${api.child.exitCode ?? api.child.signalCode}); its last output:\n${api.output().slice(-3000)}`,
            );
          }
          if (Date.now() >= deadline) throw error;
          await sleep(Math.min(2000, 100 * attempt));
        }
      }
    },
    sql: <T>(query: string, params: unknown[] = []) => orm.em.fork().execute<T[]>(query, params),
    tokenFor,
    async restartApi(extraEnv = {}) {
      await api.kill('SIGTERM');
      api = await startApi(extraEnv);
    },
    async killWorker() {
      if (!worker) return;
      await worker.kill('SIGKILL');
      worker = undefined;
      stand.faults++;
    },
    async startWorker() {
      if (worker && stand.workerRunning()) return;
      const begun = performance.now();
      worker = await startEntrypoint(
        'worker',
        { ...env, WORKER_METRICS_PORT: String(await freePort()) },
        'worker polling',
        120_000,
      );
      progress(`worker started in ${Math.round(performance.now() - begun)} ms`);
    },
    workerOutput: () => worker?.output() ?? '',
    apiOutput: () => api.output(),
    workerRunning: () => worker !== undefined && worker.child.exitCode === null && worker.child.signalCode === null,
    async stopTemporal() {
      await devServer?.stop();
      devServer = undefined;
      stand.faults++;
    },
    async startTemporal() {
      if (!devServer) devServer = await startDevServer(devServerOptions);
    },
    async close() {
      await worker?.kill('SIGKILL');
      await api.kill('SIGKILL');
      await temporal.connection.close().catch(() => undefined);
      await devServer?.stop();
      await mail.close();
      await orm.close(true);
      rmSync(temporalDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: pgCluster.url('postgres') });
      await client.connect();
      try {
        await dropDatabase((sql) => client.query(sql), new URL(databaseUrl).pathname.slice(1));
      } finally {
        await client.end();
      }
    },
  };
  return stand;
}

/** Polls until `check` returns a value (not undefined) or the timeout passes; the error names what was awaited. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `${what}: not reached within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`,
  );
}

export { sleep };
