// The real Temporal server with PostgreSQL persistence, for the scale track: finds the build of
// scripts/build-temporal-server.sh, creates its two databases and schemas with the server's own SQL tool, writes a
// minimal configuration on free ports, starts it and registers the namespace and the engine's search attributes.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { dropDatabase } from '../src/db/drop-database.js';
import { freePort } from '../src/composition/free-port.js';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../src/temporal/search-attributes.js';
import { toolchainCache } from '../src/temporal/toolchain.js';
import { adminQuery } from './lib.js';

const run = promisify(execFile);
/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the engine's search attributes are keywords). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

export interface ScaleServerBuild {
  dir: string;
  version: string;
  server: string;
  sqlTool: string;
  schemaDir: string;
}

/** The newest server build in the toolchain cache, if scripts/build-temporal-server.sh has run. */
export function builtScaleServer(cache = toolchainCache()): ScaleServerBuild | undefined {
  if (!existsSync(cache)) return undefined;
  const dirs = readdirSync(cache)
    .filter((d) => d.startsWith('temporal-server-v'))
    .sort()
    .reverse();
  for (const d of dirs) {
    const dir = join(cache, d);
    const build = {
      dir,
      version: d.slice('temporal-server-'.length),
      server: join(dir, 'temporal-server'),
      sqlTool: join(dir, 'temporal-sql-tool'),
      schemaDir: join(dir, 'schema'),
    };
    if (existsSync(build.server) && existsSync(build.sqlTool) && existsSync(build.schemaDir)) return build;
  }
  return undefined;
}

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** The server configuration: PostgreSQL (v12 plugin) for history and visibility, every service on loopback. */
export function serverConfigYaml(options: {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  visibilityDatabase: string;
  shards: number;
  ports: ServerPorts;
  dynamicConfigFile: string;
  maxConns?: number;
}): string {
  const store = (name: string, maxConns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${name}"
        connectAddr: "${options.host}:${options.port}"
        connectProtocol: "tcp"
        user: "${options.user}"
        password: "${options.password}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  const p = options.ports;
  return `log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${options.shards}
  datastores:
    postgres-default:${store(options.database, options.maxConns ?? 20)}
    postgres-visibility:${store(options.visibilityDatabase, 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:${service(p.frontend, p.frontendMembership, p.frontendHttp)}
  matching:${service(p.matching, p.matchingMembership)}
  history:${service(p.history, p.historyMembership)}
  worker:${service(p.worker, p.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p.frontend}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${options.dynamicConfigFile}"
  pollInterval: "10s"
`;
}

/** Dynamic configuration: ids as long as the engine's, update-with-start, the rest at the server's defaults. */
export const DYNAMIC_CONFIG_YAML = `limit.maxIDLength:
  - value: 255
    constraints: {}
frontend.enableExecuteMultiOperation:
  - value: true
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
    constraints: {}
`;

export interface RunningTemporalServer {
  address: string;
  database: string;
  visibilityDatabase: string;
  logFile: string;
  /** Bytes of the server's two databases. */
  databaseBytes(): Promise<{ main: number; visibility: number }>;
  stop(): Promise<void>;
}

export async function startTemporalServer(
  build: ScaleServerBuild,
  options: { databaseUrl?: string; shards?: number; namespace?: string } = {},
): Promise<RunningTemporalServer> {
  const base = new URL(options.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://ar:ar@localhost:5432/ar_engine');
  const suffix = randomBytes(4).toString('hex');
  const database = `ar_scale_temporal_${suffix}`;
  const visibilityDatabase = `ar_scale_temporal_visibility_${suffix}`;
  const host = base.hostname === 'localhost' ? '127.0.0.1' : base.hostname;
  const pgPort = Number(base.port || 5432);
  const user = decodeURIComponent(base.username);
  const password = decodeURIComponent(base.password);
  const tool = (db: string, ...args: string[]) =>
    run(build.sqlTool, [
      '--plugin',
      'postgres12',
      '--ep',
      host,
      '--port',
      String(pgPort),
      '--user',
      user,
      '--password',
      password,
      '--db',
      db,
      ...args,
    ]);
  const dropDatabases = async () => {
    for (const db of [database, visibilityDatabase])
      await dropDatabase((sql) => adminQuery(base.toString(), sql), db).catch(() => undefined);
  };
  // The server's SQL tool creates both databases and applies the versioned schema shipped with this server version.
  for (const [db, schema] of [
    [database, 'temporal'],
    [visibilityDatabase, 'visibility'],
  ] as const) {
    await tool(db, 'create-database');
    await tool(db, 'setup-schema', '-v', '0.0');
    await tool(db, 'update-schema', '-d', join(build.schemaDir, 'postgresql', 'v12', schema, 'versioned'));
  }
  const root = join(toolchainCache(), 'scale-runs', suffix);
  mkdirSync(join(root, 'config'), { recursive: true });
  const ports: ServerPorts = {
    frontend: await freePort(),
    frontendHttp: await freePort(),
    frontendMembership: await freeMembershipPort(),
    history: await freePort(),
    historyMembership: await freeMembershipPort(),
    matching: await freePort(),
    matchingMembership: await freeMembershipPort(),
    worker: await freePort(),
    workerMembership: await freeMembershipPort(),
  };
  const dynamicConfigFile = join(root, 'config', 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG_YAML);
  writeFileSync(
    join(root, 'config', 'scale.yaml'),
    serverConfigYaml({
      host,
      port: pgPort,
      user,
      password,
      database,
      visibilityDatabase,
      shards: options.shards ?? 4,
      ports,
      dynamicConfigFile,
    }),
  );
  const logFile = join(root, 'server.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    build.server,
    ['--root', root, '--config', 'config', '--env', 'scale', '--allow-no-auth', 'start'],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const address = `127.0.0.1:${ports.frontend}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await dropDatabases();
  };
  try {
    const namespace = options.namespace ?? 'default';
    const connection = await connectWhenServing(address, child, 120_000);
    try {
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
        .catch((error: Error) => {
          if (!/already exists/i.test(error.message)) throw error;
        });
      // The namespace cache refreshes every few seconds: wait until the namespace answers.
      await retry(() => connection.workflowService.describeNamespace({ namespace }), 60_000);
      await retry(
        () =>
          connection.operatorService.addSearchAttributes({
            namespace,
            searchAttributes: Object.fromEntries(
              SEARCH_ATTRIBUTE_DEFINITIONS.map((d) => [d.name, INDEXED_VALUE_TYPE_KEYWORD]),
            ),
          }),
        60_000,
      );
    } finally {
      await connection.close();
    }
  } catch (error) {
    await stop();
    throw new Error(`the Temporal server did not come up (log: ${logFile}): ${(error as Error).message}`);
  }
  return {
    address,
    database,
    visibilityDatabase,
    logFile,
    async databaseBytes() {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      try {
        const { rows } = await client.query<{ main: string; visibility: string }>(
          'SELECT pg_database_size($1) AS main, pg_database_size($2) AS visibility',
          [database, visibilityDatabase],
        );
        return { main: Number(rows[0]!.main), visibility: Number(rows[0]!.visibility) };
      } finally {
        await client.end();
      }
    },
    stop,
  };
}

/** The server stores membership ports as smallint: a free port below 32768 (the ephemeral range starts above it). */
async function freeMembershipPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below 32768 for the server membership');
}

async function retry<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function connectWhenServing(
  address: string,
  child: ReturnType<typeof spawn>,
  timeoutMs: number,
): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
