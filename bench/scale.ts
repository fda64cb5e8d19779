// Scale track on the real Temporal server with PostgreSQL persistence (bench/temporal-server.ts): N open invoice
// workflows (each sleeping on its overdue timer, the state after delivery), then M of them becoming overdue at the
// same instant with a few seconds of jitter. Measured: start rate (accepted by the server, and running: the worker
// has taken each workflow's first task, so it sleeps on its timer; the burst starts only then), rate at which overdue
// timers fire and the invoices are marked overdue (status flipped, event recorded, collection started), the lag from
// due instant to marked, and the Temporal databases' size. Floors on the same server in the same run: bare starts of a one-timer workflow, and
// M bare timers (one activity each) due at the same jittered instants.
// Needs `bash scripts/build-temporal-server.sh` first. Run: npx tsx bench/scale.ts [--workflows 100000] [--overdue 10000]
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DEFAULT_INVOICE_POLICY } from '../src/invoices/rules/invoice-policy.js';
import { initialInvoiceState } from '../src/invoices/rules/invoice-workflow-state.js';
import type { InvoiceWorkflowInput } from '../workflows/invoices/invoice.js';
import { startBenchEngine, type BenchEngine } from './engine.js';
import { startSmtpSink } from './invoices.js';
import {
  isMain,
  jitteredOffsets,
  mib,
  parseArgs,
  percentile,
  progress,
  ratioText,
  report,
  type BenchResult,
  type BenchRow,
} from './lib.js';
import { builtScaleServer, startTemporalServer, type ScaleServerBuild } from './temporal-server.js';

export { builtScaleServer };

export interface ScaleBenchOptions {
  server: ScaleServerBuild;
  workflows: number;
  overdue: number;
  concurrency?: number;
  jitterMs?: number;
  shards?: number;
}

const DAY = 86_400_000;
/** temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL and TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW. */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const CUSTOMER_ID = (c: number) => `00000000-0000-4000-8000-${c.toString(16).padStart(12, '0')}`;
const INVOICE_ID = (i: number) => `00000000-0000-4000-9000-${i.toString(16).padStart(12, '0')}`;

/** Invoices 1..n (the first `overdue` due today, the rest in 30 days), open, delivered; customers round-robin. */
async function seedInvoices(engine: BenchEngine, n: number, overdue: number, customers: number): Promise<void> {
  const conn = engine.orm.em.fork();
  const today = new Date().toISOString().slice(0, 10);
  await conn.transactional(async (tx) => {
    // Triggers (balanced entries, append-only journal, open items) are off for this bulk load of a scratch database.
    for (const table of ['journal_entry', 'invoice']) await tx.execute(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    await tx.execute(
      `INSERT INTO customer (id, legal_name, email, currency, billing_address, status)
       SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid, 'Scale customer ' || c, 'ap' || c || '@scale.example', 'EUR',
              '{"line1":"1 Main St","city":"Berlin","postalCode":"10115","country":"DE"}', 'active'
         FROM generate_series(1, ?::int) c`,
      [customers],
    );
    await tx.execute(
      `INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id)
       SELECT md5('scale' || i)::uuid, 'invoice-' || ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0')) || ':issue', 'invoice_issued', ?::date, 'invoice',
              '00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0')
         FROM generate_series(1, ?::int) i`,
      [today, n],
    );
    await tx.execute(
      `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, terms_code, subtotal_amount, tax_amount,
                            total_amount, open_amount, status, issue_entry_id)
       SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0'))::uuid, 'S-' || i, 'S', i,
              ('00000000-0000-4000-8000-' || lpad(to_hex(1 + i % ?::int), 12, '0'))::uuid, 'EUR', ?::date,
              CASE WHEN i <= ?::int THEN ?::date ELSE ?::date + 30 END, 'NET30', 12500, 0, 12500, 12500, 'sent', md5('scale' || i)::uuid
         FROM generate_series(1, ?::int) i`,
      [customers, today, overdue, today, today, n],
    );
    for (const table of ['journal_entry', 'invoice']) await tx.execute(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  });
  await conn.execute('ANALYZE invoice');
}

function invoiceInput(i: number, customers: number, overdueAt: Date, now: Date): InvoiceWorkflowInput {
  const base = {
    invoiceId: INVOICE_ID(i),
    customerId: CUSTOMER_ID(1 + (i % customers)),
    currency: 'EUR',
    totalAmount: 12_500,
    dueDate: overdueAt.toISOString().slice(0, 10),
    policy: DEFAULT_INVOICE_POLICY,
  };
  const state = initialInvoiceState(base);
  return {
    ...base,
    state: {
      ...state,
      status: 'sent',
      phase: 'overdue',
      deliveredAt: now.toISOString(),
      remindedAt: now.toISOString(),
      overdueAt: overdueAt.toISOString(),
    },
  };
}

/** Starts `count` workflows with at most `concurrency` starts in flight; returns starts per second. */
async function startMany(
  label: string,
  count: number,
  concurrency: number,
  start: (k: number) => Promise<unknown>,
): Promise<number> {
  const tick = progress(label, count);
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const k = next++;
        await start(k);
        tick.tick();
      }
    }),
  );
  tick.done();
  return count / ((performance.now() - began) / 1000);
}

export async function runScaleBench(options: ScaleBenchOptions): Promise<BenchResult> {
  const n = options.workflows;
  const overdue = Math.min(options.overdue, n);
  const concurrency = options.concurrency ?? 64;
  const jitterMs = options.jitterMs ?? 5_000;
  const customers = Math.max(10, Math.round(n / 100));
  const stops: (() => Promise<void>)[] = [];
  try {
    console.log(`  starting Temporal server ${options.server.version} on PostgreSQL (schema by temporal-sql-tool)...`);
    const server = await startTemporalServer(options.server, { shards: options.shards });
    stops.push(() => server.stop());
    const empty = await server.databaseBytes();
    const mail = await startSmtpSink();
    stops.push(() => mail.close());
    const engine = await startBenchEngine({
      name: 'scale',
      worker: true,
      temporalAddress: server.address,
      smtpUrl: `smtp://127.0.0.1:${mail.port}`,
    });
    stops.push(() => engine.stop());
    console.log(
      `  server ${server.address} (log ${server.logFile}); seeding ${n} invoices for ${customers} customers...`,
    );
    await seedInvoices(engine, n, overdue, customers);

    // Floor worker: the one-timer workflows, recording when each timer's activity ran.
    const fired = new Map<string, number>();
    const floorQueue = `${engine.config.temporal.taskQueue}-floor`;
    const connection = await NativeConnection.connect({ address: server.address });
    stops.push(() => connection.close());
    const floorWorker = await Worker.create({
      connection,
      namespace: engine.config.temporal.namespace,
      taskQueue: floorQueue,
      workflowsPath: fileURLToPath(new URL('./workflows/sleeper.ts', import.meta.url)),
      activities: { benchTimerFired: async (id: string) => void fired.set(id, Date.now()) },
    });
    const floorRunning = floorWorker.run();
    stops.push(async () => {
      floorWorker.shutdown();
      await floorRunning;
    });

    const client = engine.client;
    const taskQueue = engine.config.temporal.taskQueue;
    const now = new Date();
    const far = new Date(now.getTime() + 30 * DAY);
    const backlog = (queue: string) => workflowBacklog(client, engine.config.temporal.namespace, queue);
    // 1. The invoices that stay open (not due during the run): the start rate of the engine's workflow, as the server
    // accepts the starts and as the worker gets through their first workflow task (then each sleeps on its timer).
    let began = performance.now();
    const startRate = await startMany(`start ${n - overdue} open invoice workflows`, n - overdue, concurrency, (k) =>
      client.workflow.start('invoiceWorkflow', {
        workflowId: `invoice-${INVOICE_ID(overdue + 1 + k)}`,
        taskQueue,
        args: [invoiceInput(overdue + 1 + k, customers, far, now)],
      }),
    );
    await waitForDrain('invoice workflows still waiting for their first task', () => backlog(taskQueue));
    const runningRate = (n - overdue) / ((performance.now() - began) / 1000);
    // Its floor: bare starts of a one-timer workflow on the same server, same concurrency.
    const floorStarts = Math.min(n - overdue, Math.max(1000, Math.round(n / 10)));
    began = performance.now();
    const floorStartRate = await startMany(
      `floor: start ${floorStarts} one-timer workflows`,
      floorStarts,
      concurrency,
      () =>
        client.workflow.start('benchSleeperWorkflow', {
          workflowId: `bench-sleeper-${randomUUID()}`,
          taskQueue: floorQueue,
          args: [30 * DAY],
        }),
    );
    await waitForDrain('floor workflows still waiting for their first task', () => backlog(floorQueue));
    const floorRunningRate = floorStarts / ((performance.now() - began) / 1000);

    // 2. Floor of the overdue burst: `overdue` bare timers due at one instant with the same jitter. The due instant
    // leaves time for every start to be accepted and reach its timer (the slower of the two running rates, plus half).
    const lead = (count: number) => Math.ceil((count / Math.min(runningRate, floorRunningRate)) * 1500) + 15_000;
    const offsets = jitteredOffsets(overdue, jitterMs, 7);
    const floorDue = Date.now() + lead(overdue);
    const floorIds = Array.from({ length: overdue }, () => randomUUID());
    await startMany(`floor: start ${overdue} timers due at one instant`, overdue, concurrency, (k) =>
      client.workflow.start('benchTimerWorkflow', {
        workflowId: `bench-timer-${floorIds[k]}`,
        taskQueue: floorQueue,
        args: [floorIds[k], floorDue + offsets[k]!],
      }),
    );
    await waitFor('floor timers fired', overdue, floorDue, async () => fired.size);
    const floorLags = floorIds.flatMap((id, k) => (fired.has(id) ? [fired.get(id)! - (floorDue + offsets[k]!)] : []));
    const floorSpan = Math.max(...fired.values()) - floorDue;

    // 3. The engine: `overdue` invoices due at one instant (jittered); marked overdue by their workflows.
    const due = Date.now() + lead(overdue);
    await startMany(`start ${overdue} invoice workflows due at one instant`, overdue, concurrency, (k) =>
      client.workflow.start('invoiceWorkflow', {
        workflowId: `invoice-${INVOICE_ID(k + 1)}`,
        taskQueue,
        args: [invoiceInput(k + 1, customers, new Date(due + offsets[k]!), now)],
      }),
    );
    const conn = engine.orm.em.fork();
    const countOverdue = async () =>
      Number((await conn.execute<{ n: string }[]>(`SELECT count(*) AS n FROM invoice WHERE status = 'overdue'`))[0]!.n);
    await waitFor('invoices marked overdue', overdue, due, countOverdue);
    const marked = await conn.execute<{ sequence_no: string; at: Date }[]>(
      `SELECT sequence_no, updated_at AS at FROM invoice WHERE status = 'overdue'`,
    );
    const lags = marked.map((r) => new Date(r.at).getTime() - (due + offsets[Number(r.sequence_no) - 1]!));
    const span = Math.max(...marked.map((r) => new Date(r.at).getTime())) - due;
    const rate = marked.length / (span / 1000);
    const floorRate = fired.size / (floorSpan / 1000);

    const bytes = await server.databaseBytes();
    const total = n + floorStarts + overdue;
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const workload = `${n.toLocaleString('en-US')} open invoice workflows, Temporal ${options.server.version} on PostgreSQL, ${options.shards ?? 4} shards`;
    const missing = overdue - marked.length + (overdue - fired.size);
    const burst = `${overdue.toLocaleString('en-US')} invoices due at one instant, jitter ${jitterMs / 1000} s, among ${n.toLocaleString('en-US')} open${missing ? ` (engine ${marked.length}, floor ${fired.size} done within the wait limit)` : ''}`;
    const rows: BenchRow[] = [
      {
        case: 'invoice workflow starts accepted / s',
        workload,
        engine: `${startRate.toFixed(0)}/s`,
        floor: `${floorStartRate.toFixed(0)}/s (bare start, one-timer workflow)`,
        ratio: ratioText(startRate, floorStartRate, 'rate'),
      },
      {
        case: 'invoice workflows started and running / s (first task done, sleeping on the due-date timer)',
        workload,
        engine: `${runningRate.toFixed(0)}/s`,
        floor: `${floorRunningRate.toFixed(0)}/s (one-timer workflow, ${floorStarts.toLocaleString('en-US')} started)`,
        ratio: ratioText(runningRate, floorRunningRate, 'rate'),
      },
      {
        case: 'overdue timers fired and invoices marked / s',
        workload: burst,
        engine: `${rate.toFixed(0)}/s (all in ${(span / 1000).toFixed(1)} s)`,
        floor: `${floorRate.toFixed(0)}/s (bare timer + one activity, all in ${(floorSpan / 1000).toFixed(1)} s)`,
        ratio: ratioText(rate, floorRate, 'rate'),
      },
      {
        case: 'due instant -> marked overdue, p50 / p99',
        workload: burst,
        engine: `${ms(percentile(lags, 50))} / ${ms(percentile(lags, 99))}`,
        floor: `${ms(percentile(floorLags, 50))} / ${ms(percentile(floorLags, 99))}`,
        ratio: ratioText(percentile(lags, 99), percentile(floorLags, 99), 'cost'),
      },
      {
        case: 'Temporal database size',
        workload: `${total.toLocaleString('en-US')} workflows (${n.toLocaleString('en-US')} invoices, ${(floorStarts + overdue).toLocaleString('en-US')} floor workflows), ${overdue.toLocaleString('en-US')} overdue with collections`,
        engine: `${mib(bytes.main)} + visibility ${mib(bytes.visibility)} (empty schema ${mib(empty.main + empty.visibility)}; ${((bytes.main + bytes.visibility - empty.main - empty.visibility) / total / 1024).toFixed(1)} KiB per workflow)`,
        floor: 'n/a (storage figure)',
        ratio: '-',
      },
    ];
    return {
      name: 'scale',
      rows,
      details: {
        workflows: n,
        overdue,
        jitterMs,
        concurrency,
        customers,
        startRate,
        floorStartRate,
        runningRate,
        floorRunningRate,
        rate,
        floorRate,
        span,
        floorSpan,
        bytes,
        emptyBytes: empty,
        serverVersion: options.server.version,
        emails: mail.received(),
      },
    };
  } finally {
    for (const stop of stops.reverse())
      await stop().catch((error) => console.error(`  stopping: ${(error as Error).message}`));
  }
}

/** The approximate backlog of a task queue's workflow tasks (the server's own statistics). */
async function workflowBacklog(client: Client, namespace: string, queue: string): Promise<number> {
  const described = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: queue, kind: TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    reportStats: true,
  });
  return Number(described.stats?.approximateBacklogCount ?? 0);
}

/**
 * Waits until the worker has taken every started workflow's first task: the server accepts starts faster than one
 * worker on a shared machine runs them, and a burst measured on top of that backlog would measure the backlog. The
 * count is approximate, so it must read zero twice, a second apart.
 */
async function waitForDrain(label: string, backlog: () => Promise<number>): Promise<void> {
  let zeros = 0;
  let lastPrint = 0;
  let lastLeft = Infinity;
  let lastProgress = Date.now();
  while (zeros < 2) {
    const left = await backlog();
    // A worker that stopped taking tasks (crashed, wedged) would otherwise keep the benchmark waiting forever.
    if (left < lastLeft) [lastLeft, lastProgress] = [left, Date.now()];
    else if (Date.now() - lastProgress > 300_000)
      throw new Error(`${label}: still ${left} after 5 minutes without progress`);
    zeros = left === 0 ? zeros + 1 : 0;
    if (left > 0 && Date.now() - lastPrint > 10_000) {
      lastPrint = Date.now();
      console.log(`  ${label}: ${left}`);
    }
    if (zeros < 2) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Waits (with progress) until `count()` reaches `target`, starting at the due instant; gives up (returning how many it saw) after a generous limit. */
async function waitFor(label: string, target: number, dueAt: number, count: () => Promise<number>): Promise<number> {
  const wait = dueAt - Date.now();
  if (wait > 0) {
    console.log(`  waiting ${(wait / 1000).toFixed(0)} s for the due instant...`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const tick = progress(label, target);
  const deadline = Date.now() + 120_000 + target * 200;
  let seen = 0;
  while (seen < target) {
    if (Date.now() > deadline) {
      console.log(
        `  ${label}: only ${seen} of ${target} after ${((Date.now() - dueAt) / 1000).toFixed(0)} s; reporting those`,
      );
      return seen;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await count();
    tick.tick(now - seen);
    seen = now;
  }
  tick.done();
  return seen;
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const server = builtScaleServer();
  if (!server) throw new Error('the Temporal server is not built: run `bash scripts/build-temporal-server.sh` first');
  const result = await runScaleBench({
    server,
    workflows: args.number('workflows', 100_000),
    overdue: args.number('overdue', 10_000),
    jitterMs: args.number('jitter-ms', 5_000),
    shards: args.number('shards', 4),
  });
  report(result.name, result.rows, result.details);
  process.exit(0);
}
