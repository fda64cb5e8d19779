// API reads at a fixed request rate: GET /customers/:id and GET /invoices/:id (a few queries each), and the same with
// `?include=account` / `?include=workflow` (plus a query of the entity's live workflow state through Temporal), against a Fastify hello-world on the same machine at the same rate
// with the same load generator (constant rate, latency from the due time: bench/load.ts). The API, the worker and the
// hello-world each run as a process of their own (as deployed), so the load generator does not share their event loop.
// Data: customers and invoices created through the API (account and invoice workflows running, invoices delivered).
// Run: npx tsx bench/reads.ts [--customers 20] [--invoices 100] [--rate 50] [--seconds 20]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/composition/free-port.js';
import { startEntrypoint, type EngineProcess } from '../test/support/processes.js';
import { benchFetch } from './auth.js';
import { startBenchEngine } from './engine.js';
import { startSmtpSink } from './invoices.js';
import { constantRateLoad, type LoadResult } from './load.js';
import { isMain, parseArgs, progress, ratioText, report, type BenchResult, type BenchRow } from './lib.js';

export interface ReadsBenchOptions {
  customers: number;
  invoices: number;
  rate: number;
  seconds: number;
}

const letters = (n: number) => Array.from(randomBytes(n), (b) => 'abcdefghijklmnopqrstuvwxyz'[b % 26]).join('');

let helloProcess: ReturnType<typeof spawn> | undefined;
let apiProcess: ReturnType<typeof spawn> | undefined;
const tsxCli = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));

async function untilServing(url: string, child: ReturnType<typeof spawn>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function startHello(port: number): Promise<void> {
  helloProcess = spawn(process.execPath, [tsxCli, fileURLToPath(new URL('./hello-server.ts', import.meta.url))], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    helloProcess!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening at') && resolve());
    helloProcess!.once('exit', (code) => reject(new Error(`hello-world floor exited with ${code}`)));
  });
}

export async function runReadsBench(options: ReadsBenchOptions): Promise<BenchResult> {
  const mail = await startSmtpSink();
  const engine = await startBenchEngine({ name: 'reads', smtpUrl: `smtp://127.0.0.1:${mail.port}` });
  const processes: EngineProcess[] = [];
  try {
    // Production log level (warn): request logging would be a cost the floor does not pay.
    const env: Record<string, string> = {
      ...engine.env,
      LOG_LEVEL: 'warn',
      WORKER_METRICS_PORT: String(await freePort()),
    };
    processes.push(await startEntrypoint('worker', env, 'worker polling', 120_000));
    const api = `http://127.0.0.1:${env.PORT}`;
    apiProcess = spawn(process.execPath, [tsxCli, 'src/bin/api.ts'], {
      cwd: fileURLToPath(new URL('../', import.meta.url)),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await untilServing(`${api}/health/live`, apiProcess, 120_000);
    const helloPort = await freePort();
    const helloUrl = `http://127.0.0.1:${helloPort}`;
    await startHello(helloPort);
    const customerIds: string[] = [];
    const seeding = progress('POST /customers', options.customers);
    for (let i = 0; i < options.customers; i++) {
      const name = `${letters(8)} ${letters(6)}`;
      const res = await benchFetch(`${api}/customers`, {
        method: 'POST',
        body: JSON.stringify({
          legalName: `${name[0]!.toUpperCase()}${name.slice(1)} GmbH`,
          email: `ap@${letters(10)}.example`,
          currency: 'EUR',
          billingAddress: {
            line1: `${i + 1} ${letters(7)} Street`,
            city: 'Berlin',
            postalCode: String(10000 + i),
            country: 'DE',
          },
          allowDuplicate: true,
          duplicateReason: 'benchmark data',
        }),
      });
      if (res.status !== 201) throw new Error(`POST /customers answered ${res.status}: ${await res.text()}`);
      customerIds.push(((await res.json()) as { id: string }).id);
      seeding.tick();
    }
    seeding.done();
    const invoiceIds: string[] = [];
    const issuing = progress('POST /invoices', options.invoices);
    for (let i = 0; i < options.invoices; i++) {
      const res = await benchFetch(`${api}/invoices`, {
        method: 'POST',
        body: JSON.stringify({
          customerId: customerIds[i % customerIds.length],
          lines: [
            { description: 'Subscription', quantity: 1, unitPrice: { amount: 9900, currency: 'EUR' }, taxRate: '19' },
          ],
        }),
      });
      if (res.status !== 201) throw new Error(`POST /invoices answered ${res.status}: ${await res.text()}`);
      invoiceIds.push(((await res.json()) as { id: string }).id);
      issuing.tick();
    }
    issuing.done();
    // Read once all invoices are delivered: their workflows sleep on timers, as most do in production.
    const conn = engine.orm.em.fork();
    for (let waited = 0; ; waited += 200) {
      const [row] = await conn.execute<{ n: string }[]>(`SELECT count(*) AS n FROM invoice WHERE status = 'issued'`);
      if (row!.n === '0' || waited > 120_000) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Warm up (connections, plans, workflow caches), unmeasured.
    for (const id of customerIds) await (await benchFetch(`${api}/customers/${id}`)).arrayBuffer();
    for (const id of invoiceIds) await (await benchFetch(`${api}/invoices/${id}`)).arrayBuffer();

    const run = async (label: string, urls: string[], auth = true): Promise<LoadResult> => {
      console.log(`  ${label}: ${options.rate}/s for ${options.seconds} s`);
      const result = await constantRateLoad({ urls, rate: options.rate, seconds: options.seconds, auth });
      if (result.failed > 0) throw new Error(`${label}: ${result.failed} of ${result.sent} requests failed`);
      console.log(
        `    p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, generator lag p99 ${result.sendLagP99.toFixed(1)} ms`,
      );
      return result;
    };
    const floor = await run('floor: Fastify hello-world', [`${helloUrl}/hello`], false);
    const customers = await run(
      'GET /customers/:id',
      customerIds.map((id) => `${api}/customers/${id}`),
    );
    const invoices = await run(
      'GET /invoices/:id',
      invoiceIds.map((id) => `${api}/invoices/${id}`),
    );
    const customersLive = await run(
      'GET /customers/:id?include=account',
      customerIds.map((id) => `${api}/customers/${id}?include=account`),
    );
    const invoicesLive = await run(
      'GET /invoices/:id?include=workflow',
      invoiceIds.map((id) => `${api}/invoices/${id}?include=workflow`),
    );
    const floorAgain = await run('floor again (drift check)', [`${helloUrl}/hello`], false);

    const workload = `${options.rate} req/s for ${options.seconds} s (${options.rate * options.seconds} requests), ${options.customers} customers, ${options.invoices} invoices`;
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const rows: BenchRow[] = [];
    const cases = [
      ['GET /customers/:id', customers],
      ['GET /invoices/:id', invoices],
      ['GET /customers/:id?include=account', customersLive],
      ['GET /invoices/:id?include=workflow', invoicesLive],
    ] as const;
    for (const [name, r] of cases) {
      rows.push({
        case: `${name} p50 at a fixed rate`,
        workload,
        engine: ms(r.p50),
        floor: `${ms(floor.p50)} (Fastify hello-world)`,
        ratio: ratioText(r.p50, floor.p50, 'cost'),
      });
      rows.push({
        case: `${name} p99 at a fixed rate`,
        workload,
        engine: ms(r.p99),
        floor: `${ms(floor.p99)} (Fastify hello-world)`,
        ratio: ratioText(r.p99, floor.p99, 'cost'),
      });
    }
    const summary = (r: LoadResult) => ({
      sent: r.sent,
      p50: r.p50,
      p99: r.p99,
      achievedRate: r.achievedRate,
      sendLagP99: r.sendLagP99,
    });
    return {
      name: 'reads',
      rows,
      details: {
        ...options,
        floor: summary(floor),
        floorAgain: summary(floorAgain),
        customers: summary(customers),
        invoices: summary(invoices),
        customersLive: summary(customersLive),
        invoicesLive: summary(invoicesLive),
      },
    };
  } finally {
    for (const p of processes.reverse()) await p.kill('SIGTERM').catch(() => undefined);
    helloProcess?.kill('SIGTERM');
    apiProcess?.kill('SIGTERM');
    await engine.stop();
    await mail.close();
  }
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const result = await runReadsBench({
    customers: args.number('customers', 20),
    invoices: args.number('invoices', 100),
    rate: args.number('rate', 50),
    seconds: args.number('seconds', 20),
  });
  report(result.name, result.rows, result.details);
  process.exit(0);
}
