// Once per fault-suite run: a private PostgreSQL cluster on a free port with a migrated template database that every
// scenario clones. The cluster is the suite's own, so scenarios may stop or crash it at will.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrate, ormConfig } from '../../../src/db/orm.js';
import { freePort } from '../../../src/composition/free-port.js';
import { writeWorkflowBundle } from '../../../src/temporal/bundle.js';
import { attachPostgresCluster, createPostgresCluster } from './postgres.js';
import { FAULTS_ENV, type ScenarioFigures } from './figures.js';
import pg from 'pg';

const TEMPLATE = 'ar_faults_template';

export async function startFaultServices(): Promise<void> {
  const started = performance.now();
  // Every worker start (and every restart after a kill) loads this bundle instead of running webpack again; it is
  // built while the cluster starts and migrates.
  const stateDir = process.env.AR_FAULTS_STATE_DIR;
  const bundlePath = join(stateDir ?? mkdtempSync(join(tmpdir(), 'ar-faults-bundle-')), 'workflow-bundle.js');
  const bundled = writeWorkflowBundle(bundlePath).then(() => Math.round(performance.now() - started));
  const cluster = await createPostgresCluster(await freePort());
  // scripts/faults.sh stops and removes the cluster from this note if the run dies before its tear-down.
  if (stateDir) writeFileSync(join(stateDir, 'pg-dir'), cluster.dataDir);
  const client = new pg.Client({ connectionString: cluster.url('postgres') });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${TEMPLATE}`);
  } finally {
    await client.end();
  }
  const url = cluster.url(TEMPLATE);
  const orm = await MikroORM.init({
    ...ormConfig(url, { poolMax: 1 }),
    migrations: { ...ormConfig(url).migrations, silent: true },
  });
  try {
    await migrate(orm);
  } finally {
    await orm.close(true);
  }
  process.env[FAULTS_ENV.pgPort] = String(cluster.port);
  process.env[FAULTS_ENV.pgDir] = cluster.dataDir;
  process.env[FAULTS_ENV.templateDatabase] = TEMPLATE;
  process.env[FAULTS_ENV.workflowBundle] = bundlePath;
  const bundleMs = await bundled;
  process.env[FAULTS_ENV.figuresFile] = join(
    stateDir ?? mkdtempSync(join(tmpdir(), 'ar-faults-figures-')),
    'figures.jsonl',
  );
  console.log(
    `\n[faults] private PostgreSQL cluster on 127.0.0.1:${cluster.port} (${cluster.dataDir}), template migrated, workflow bundle built (${bundleMs} ms) (${Math.round(performance.now() - started)} ms); scale ${process.env[FAULTS_ENV.scale] ?? 'quick'}`,
  );
}

export async function stopFaultServices(): Promise<void> {
  const port = Number(process.env[FAULTS_ENV.pgPort]);
  const dir = process.env[FAULTS_ENV.pgDir];
  if (port && dir) await attachPostgresCluster(port, dir).destroy();
  const file = process.env[FAULTS_ENV.figuresFile];
  if (!file || !existsSync(file)) return;
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ScenarioFigures);
  if (!process.env.AR_FAULTS_STATE_DIR) rmSync(join(file, '..'), { recursive: true, force: true });
  const total = rows.reduce(
    (t, r) => ({
      operations: t.operations + r.operations,
      faults: t.faults + r.faultsInjected,
      violations: t.violations + r.invariantViolations,
      seconds: t.seconds + r.seconds,
    }),
    { operations: 0, faults: 0, violations: 0, seconds: 0 },
  );
  const lines = [
    '',
    '| Scenario | Operations | Faults injected | Invariant violations | Seconds |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.scenario}${r.notes ? ` (${r.notes})` : ''} | ${r.operations} | ${r.faultsInjected} | ${r.invariantViolations} | ${r.seconds.toFixed(1)} |`,
    ),
    `| **${rows.length} scenarios** | **${total.operations}** | **${total.faults}** | **${total.violations}** | **${total.seconds.toFixed(1)}** |`,
  ];
  console.log(lines.join('\n'));
}
