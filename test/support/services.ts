// Once per test run (jest's global set-up, loaded through tsx): a Temporal dev server (in memory, on a free port), a migrated template database that
// each test file clones, so files run in parallel on their own data, and the workflow bundle every test worker loads.
import { MikroORM } from '@mikro-orm/postgresql';
import { migrate, ormConfig } from '../../src/db/orm.js';
import { freePort } from '../../src/composition/free-port.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorkflowBundle } from '../../src/temporal/bundle.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { failedExecutions, type FailedExecution } from './failed-workflows.js';
import { TEST_ENV, templateDatabaseUrl } from './env.js';

export async function startTestServices(): Promise<void> {
  const started = performance.now();
  const url = templateDatabaseUrl();
  const orm = await MikroORM.init({
    ...ormConfig(url, { poolMax: 1 }),
    migrations: { ...ormConfig(url).migrations, silent: true },
  });
  try {
    await orm.em.getConnection().execute('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
    await migrate(orm);
  } finally {
    await orm.close();
  }
  const bundlePath = join(mkdtempSync(join(tmpdir(), 'ar-test-bundle-')), 'workflows.js');
  const [devServer] = await Promise.all([
    startDevServer({ port: await freePort(), logLevel: 'error' }),
    writeWorkflowBundle(bundlePath),
  ]);
  process.env[TEST_ENV.workflowBundle] = bundlePath;
  (globalThis as { __arDevServer?: typeof devServer }).__arDevServer = devServer;
  process.env[TEST_ENV.temporalAddress] = devServer.address;
  process.env[TEST_ENV.templateDatabaseUrl] = url;
  console.log(
    `\n[test] template database migrated and Temporal dev server on ${devServer.address} (${Math.round(performance.now() - started)} ms)`,
  );
}

export async function stopTestServices(): Promise<void> {
  const devServer = (globalThis as { __arDevServer?: { address: string; stop(): Promise<void> } }).__arDevServer;
  if (!devServer) return;
  let failed: FailedExecution[] = [];
  try {
    failed = await failedExecutions(devServer.address);
  } finally {
    await devServer.stop();
  }
  if (failed.length) {
    const lines = failed.map((f) => `  ${f.status} ${f.type} ${f.workflowId}: ${f.failure}`);
    throw new Error(
      `Workflow executions ended FAILED or TIMED_OUT during the run (must be none):\n${lines.join('\n')}`,
    );
  }
}
