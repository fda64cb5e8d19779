// Invoice issuance throughput end to end: HTTP POST /invoices answers 201 once the invoice is numbered, posted to the
// ledger and its `invoice-<id>` workflow is running (the start happens inside the issuing transaction). The floor is a
// bare `client.workflow.start` of an empty workflow on the same dev server in the same run, with the same concurrency.
// Also reported: time until every invoice is delivered (e-mail accepted by a real SMTP server, status `sent`).
// Own Temporal dev server on a free port, own database, own SMTP sink.
// Run: npx tsx bench/invoices.ts [--count 1000] [--concurrency 32] [--customers 50] [--worker-later]
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config/config.js';
import { migrate, openOrm } from '../src/db/orm.js';
import { checkLedger } from '../src/ledger/store/reports.js';
import { installTemporalRuntime, runApi, runWorker } from '../src/composition/runtime.js';
import { connectClient } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/composition/free-port.js';
import { BENCH_AUTH_ENV, authHeaders } from './auth.js';
import {
  isMain,
  parseArgs,
  scratchDatabase,
  percentile,
  progress,
  report,
  type BenchResult,
  type BenchRow,
} from './lib.js';

export interface InvoicesBenchOptions {
  count: number;
  concurrency?: number;
  customers?: number;
  /** Issue with no worker running, then start it and time the delivery backlog. */
  workerLater?: boolean;
}

/** Runs `work` over 0..n-1 with at most `limit` in flight; returns per-item latencies in ms and the wall seconds. */
async function timedPool(
  n: number,
  limit: number,
  label: string,
  work: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const tick = progress(label, n);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await work(i);
        latencies.push(performance.now() - t);
        tick.tick();
      }
    }),
  );
  tick.done();
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/**
 * An SMTP server that accepts and counts messages without parsing them: a relay's cost lives on another machine in
 * production, so the bench process should not spend its CPU parsing MIME (the test catcher does that).
 */
export async function startSmtpSink(): Promise<{ port: number; received(): number; close(): Promise<void> }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return { port, received: () => received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function runInvoicesBench(options: InvoicesBenchOptions): Promise<BenchResult> {
  const COUNT = options.count;
  const CONCURRENCY = options.concurrency ?? 32;
  const CUSTOMERS = options.customers ?? 50;
  installTemporalRuntime('ERROR');
  const database = await scratchDatabase('invoices');
  const [devServer, mail] = await Promise.all([
    startDevServer({ port: await freePort(), logLevel: 'error' }),
    startSmtpSink(),
  ]);
  const orm = await openOrm(database.url, { poolMax: 20 });
  const stops: (() => Promise<void>)[] = [];
  try {
    await migrate(orm);
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
      PORT: String(await freePort()),
      SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
      ...BENCH_AUTH_ENV,
    });
    // --worker-later: issue with no worker running (the API and database alone), then start the worker and time the
    // delivery backlog; without it the worker delivers while invoices are being issued (the end-to-end figure).
    const workerLater = options.workerLater ?? false;
    const startWorker = async () => {
      const worker = await runWorker(config, devServer.address, { orm });
      stops.push(() => worker.stop());
    };
    if (!workerLater) await startWorker();
    const api = await runApi(config, devServer.address, { orm });
    stops.push(() => api.stop());
    const client = await connectClient(config.temporal, devServer.address);
    stops.push(() => client.connection.close());

    const loadBefore = os.loadavg()[0];
    const customers = Array.from({ length: CUSTOMERS }, () => randomUUID());
    for (const [i, id] of customers.entries()) {
      await orm.em
        .fork()
        .execute(`INSERT INTO customer (id, legal_name, email, currency, billing_address) VALUES (?, ?, ?, 'EUR', ?)`, [
          id,
          `Bench ${i}`,
          `ap+${i}@bench.example`,
          JSON.stringify({ line1: '1 Bench St', city: 'Berlin', postalCode: '10115', country: 'DE' }),
        ]);
    }

    // Floor: bare workflow starts on a queue no worker polls (a start only records the execution; no code runs).
    const floorQueue = `bench-floor-${randomBytes(4).toString('hex')}`;
    const floor = await timedPool(COUNT, CONCURRENCY, 'floor: client.workflow.start', async () => {
      await client.workflow.start('benchEmptyWorkflow', {
        workflowId: `bench-empty-${randomUUID()}`,
        taskQueue: floorQueue,
        args: [],
      });
    });

    // Engine: POST /invoices over HTTP, two lines with tax, customers round-robin.
    const wallStart = performance.now();
    const engine = await timedPool(COUNT, CONCURRENCY, 'engine: POST /invoices', async (i) => {
      const res = await fetch(`${api.url}/invoices`, {
        method: 'POST',
        headers: { ...(await authHeaders()), 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: customers[i % customers.length],
          lines: [
            { description: 'Subscription', quantity: 1, unitPrice: { amount: 9900, currency: 'EUR' }, taxRate: '19' },
            { description: 'Extra seats', quantity: 3, unitPrice: { amount: 1250, currency: 'EUR' }, taxRate: '19' },
          ],
        }),
      });
      if (res.status !== 201) throw new Error(`POST /invoices answered ${res.status}: ${await res.text()}`);
    });
    // Delivered: every workflow ran its delivery activity (mail accepted by SMTP, status sent).
    if (workerLater) await startWorker();
    const conn = orm.em.fork();
    for (;;) {
      const [row] = await conn.execute<{ n: string }[]>(`SELECT count(*) AS n FROM invoice WHERE status = 'issued'`);
      if (row!.n === '0') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const deliveredSeconds = (performance.now() - wallStart) / 1000;

    const [numbers] = await conn.execute<{ n: string; max: string }[]>(
      `SELECT count(*) AS n, max(sequence_no) AS max FROM invoice`,
    );
    if (numbers!.n !== String(COUNT) || numbers!.max !== String(COUNT))
      throw new Error(`numbering has gaps: ${JSON.stringify(numbers)}`);
    const check = await checkLedger(conn);
    if (!check.ok) throw new Error(`ledger check failed: ${JSON.stringify(check)}`);
    if (mail.received() !== COUNT) throw new Error(`expected ${COUNT} delivery e-mails, got ${mail.received()}`);

    const engineRate = COUNT / engine.seconds;
    const floorRate = COUNT / floor.seconds;
    const deliveredRate = COUNT / deliveredSeconds;
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const workload = `${COUNT} invoices, ${CUSTOMERS} customers, concurrency ${CONCURRENCY}${workerLater ? ', worker started after issuing' : ''}`;
    const rows: BenchRow[] = [
      {
        case: 'invoices issued / s (201: numbered, posted, workflow running)',
        workload,
        engine: `${engineRate.toFixed(1)}/s`,
        floor: `${floorRate.toFixed(1)}/s (bare workflow start)`,
        ratio: `${(floorRate / engineRate).toFixed(2)}x`,
      },
      {
        case: 'invoices delivered / s (e-mail sent, status sent)',
        workload,
        engine: `${deliveredRate.toFixed(1)}/s`,
        floor: `${floorRate.toFixed(1)}/s (bare workflow start)`,
        ratio: `${(floorRate / deliveredRate).toFixed(2)}x`,
      },
      ...[50, 95, 99].map((p) => ({
        case: `POST /invoices p${p}`,
        workload,
        engine: ms(percentile(engine.latencies, p)),
        floor: ms(percentile(floor.latencies, p)),
        ratio: `${(percentile(engine.latencies, p) / percentile(floor.latencies, p)).toFixed(1)}x`,
      })),
    ];
    const loadAfter = os.loadavg()[0];
    console.log(
      `  1-minute load average: ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (${os.cpus().length} CPUs; other processes share this machine)`,
    );
    return {
      name: workerLater ? 'invoices-worker-later' : 'invoices',
      rows,
      details: {
        count: COUNT,
        customers: CUSTOMERS,
        concurrency: CONCURRENCY,
        engineSeconds: engine.seconds,
        floorSeconds: floor.seconds,
        deliveredSeconds,
        ledgerOk: check.ok,
        loadAverage1mBefore: loadBefore,
        loadAverage1mAfter: loadAfter,
      },
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await orm.close(true);
    await mail.close();
    await devServer.stop();
    await database.drop();
  }
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const result = await runInvoicesBench({
    count: args.count(1000),
    concurrency: args.number('concurrency', 32),
    customers: args.number('customers', 50),
    workerLater: args.flag('worker-later'),
  });
  report(result.name, result.rows, result.details);
  process.exit(0);
}
