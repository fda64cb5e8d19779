// Payments applied per second through the whole engine (HTTP POST /payments -> payment-<id> workflow -> one
// row-locked allocation transaction), against the floor of the same allocation transaction called directly (no HTTP,
// no Temporal). Each payment carries remittance over several invoices. Own Temporal dev server on a free port, own
// database. Run: npx tsx bench/payments.ts [--count 1000] [--invoices-per-payment 5] [--concurrency 32]
import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_MATCH_POLICY } from '../src/payments/rules/cash-matching.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { postJournalEntry } from '../src/ledger/store/post.js';
import { applyPaymentCash } from '../src/payments/store/apply.js';
import { insertPayment } from '../src/payments/store/receive.js';
import { installTemporalRuntime, runApi, runWorker } from '../src/composition/runtime.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { workflowIds } from '../src/temporal/ids.js';
import { freePort } from '../src/composition/free-port.js';
import { BENCH_AUTH_ENV, benchFetch } from './auth.js';
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

export interface PaymentsBenchOptions {
  count: number;
  invoicesPerPayment?: number;
  concurrency?: number;
  /** Payments posted one at a time for the POST -> visible balance latency. */
  latencySamples?: number;
}

let COUNT = 1000;
let PER_PAYMENT = 5;
let CONCURRENCY = 32;
let LATENCY_SAMPLES = 50;
const INVOICE_TOTAL = 10_000;

/** Runs `work` over the items with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

interface Group {
  customerId: string;
  numbers: string[];
  ids: string[];
}

/** One customer per payment, with PER_PAYMENT open invoices each; returns the invoice numbers and ids per customer. */
async function seed(orm: Orm, label: string, count = COUNT): Promise<Group[]> {
  const groups: Group[] = [];
  const tick = progress(`seeding ${label}`, count);
  await pool(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (i) => {
      const customerId = randomUUID();
      const numbers: string[] = [];
      const ids: string[] = [];
      await orm.em.fork().transactional(async (tx) => {
        await tx.execute(
          `INSERT INTO customer (id, legal_name, email, currency, billing_address) VALUES (?, ?, ?, 'USD', ?)`,
          [
            customerId,
            `Bench ${label} ${i}`,
            `ap+${label}${i}@bench.example`,
            JSON.stringify({ line1: '1 Bench St', city: 'Austin', postalCode: '78701', country: 'US' }),
          ],
        );
        for (let k = 0; k < PER_PAYMENT; k++) {
          const id = randomUUID();
          const number = `INV-${label.toUpperCase()}-${i}-${k}`;
          const entry = await postJournalEntry(tx, {
            idempotencyKey: `invoice-${id}:issue`,
            kind: 'invoice_issued',
            effectiveDate: '2026-11-01',
            sourceType: 'invoice',
            sourceId: id,
            lines: [
              { account: 'accounts_receivable', customerId, debit: INVOICE_TOTAL, credit: 0, currency: 'USD' },
              { account: 'revenue', debit: 0, credit: INVOICE_TOTAL, currency: 'USD' },
            ],
          });
          await tx.execute(
            `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, subtotal_amount, tax_amount, total_amount, open_amount, issue_entry_id)
           VALUES (?, ?, ?, ?, ?, 'USD', '2026-11-01', '2026-12-01', ?, 0, ?, ?, ?)`,
            [
              id,
              number,
              `BENCH-${label}`,
              i * PER_PAYMENT + k + 1,
              customerId,
              INVOICE_TOTAL,
              INVOICE_TOTAL,
              INVOICE_TOTAL,
              entry.entryId,
            ],
          );
          numbers.push(number);
          ids.push(id);
        }
      });
      groups[i] = { customerId, numbers, ids };
      tick.tick();
    },
  );
  tick.done();
  return groups;
}

const remittanceOf = (numbers: string[]) => numbers.map((invoiceNumber) => ({ invoiceNumber, amount: INVOICE_TOTAL }));
const paymentBody = (g: Group) =>
  JSON.stringify({
    customerId: g.customerId,
    amount: { amount: INVOICE_TOTAL * PER_PAYMENT, currency: 'USD' },
    method: 'ach',
    receivedAt: new Date().toISOString(),
    reference: 'bench',
    remittance: g.numbers.map((invoiceNumber) => ({
      invoiceNumber,
      amount: { amount: INVOICE_TOTAL, currency: 'USD' },
    })),
  });

export async function runPaymentsBench(options: PaymentsBenchOptions): Promise<BenchResult> {
  COUNT = options.count;
  PER_PAYMENT = options.invoicesPerPayment ?? 5;
  CONCURRENCY = options.concurrency ?? 32;
  LATENCY_SAMPLES = options.latencySamples ?? 50;
  installTemporalRuntime('ERROR');
  const database = await scratchDatabase('payments');
  const devServer = await startDevServer({ port: await freePort(), logLevel: 'error' });
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
      SMTP_URL: 'smtp://127.0.0.1:9', // payments send no mail
      ...BENCH_AUTH_ENV,
    });
    const worker = await runWorker(config, devServer.address, { orm });
    stops.push(() => worker.stop());
    const api = await runApi(config, devServer.address, { orm });
    stops.push(() => api.stop());

    // Floor: the same allocation transaction, called directly with the same concurrency.
    const floorGroups = await seed(orm, 'floor');
    const floorIds = await Promise.all(
      floorGroups.map(async (g) => {
        const id = randomUUID();
        await insertPayment(orm.em.fork(), {
          id,
          customerId: g.customerId,
          amount: INVOICE_TOTAL * PER_PAYMENT,
          currency: 'USD',
          method: 'ach',
          receivedAt: new Date(),
          reference: '',
          remittance: remittanceOf(g.numbers),
          createdBy: 'bench',
        });
        return id;
      }),
    );
    const floorLatencies: number[] = [];
    const floorTick = progress('floor: direct allocation transactions', COUNT);
    const floorStart = performance.now();
    await pool(floorIds, CONCURRENCY, async (paymentId) => {
      const t = performance.now();
      await applyPaymentCash(orm.em.fork(), {
        paymentId,
        workflowId: workflowIds.payment(paymentId),
        match: DEFAULT_MATCH_POLICY,
      });
      floorLatencies.push(performance.now() - t);
      floorTick.tick();
    });
    const floorSeconds = (performance.now() - floorStart) / 1000;
    floorTick.done();

    // Engine: POST /payments over HTTP; applied when the workflow's transaction commits (applied_at).
    const groups = await seed(orm, 'engine');
    const posted: { id: string; at: number }[] = [];
    const engineTick = progress('engine: POST /payments', COUNT);
    const wallStart = Date.now();
    await pool(groups, CONCURRENCY, async (g) => {
      const at = Date.now();
      const res = await benchFetch(`${api.url}/payments`, { method: 'POST', body: paymentBody(g) });
      if (res.status !== 201) throw new Error(`POST /payments answered ${res.status}: ${await res.text()}`);
      posted.push({ id: ((await res.json()) as { id: string }).id, at });
      engineTick.tick();
    });
    engineTick.done();
    const conn = orm.em.fork();
    for (;;) {
      const [{ n }] = await conn.execute<{ n: string }[]>(`SELECT count(*) AS n FROM payment WHERE applied_at IS NULL`);
      if (n === '0') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rows = await conn.execute<{ id: string; applied_at: Date }[]>(
      `SELECT id, applied_at FROM payment WHERE created_by <> 'bench'`,
    );
    // (the probe payments below are posted after this snapshot)
    const appliedAt = new Map(rows.map((r) => [r.id, new Date(r.applied_at).getTime()]));
    const latencies = posted.map((p) => appliedAt.get(p.id)! - p.at);
    const engineSeconds = (Math.max(...appliedAt.values()) - wallStart) / 1000;
    const [{ paid }] = await conn.execute<{ paid: string }[]>(
      `SELECT count(*) AS paid FROM invoice WHERE status = 'paid'`,
    );
    if (Number(paid) !== 2 * COUNT * PER_PAYMENT) throw new Error(`expected every invoice paid, got ${paid}`);

    // Unloaded latency a user sees: POST /payments, then GET /invoices/:id until the invoice shows the new balance.
    const probes = await seed(orm, 'probe', LATENCY_SAMPLES);
    const visible: number[] = [];
    const probeTick = progress('POST /payments -> balance in GET /invoices/:id', LATENCY_SAMPLES);
    for (const g of probes) {
      const t = performance.now();
      const res = await benchFetch(`${api.url}/payments`, { method: 'POST', body: paymentBody(g) });
      if (res.status !== 201) throw new Error(`POST /payments answered ${res.status}`);
      for (;;) {
        const invoice = (await (await benchFetch(`${api.url}/invoices/${g.ids.at(-1)}`)).json()) as {
          balance: { amount: number };
        };
        if (invoice.balance.amount === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      visible.push(performance.now() - t);
      probeTick.tick();
    }
    probeTick.done();
    // Its floor: the same allocation transaction, unloaded, called directly one at a time.
    const floorProbes = await seed(orm, 'probefloor', LATENCY_SAMPLES);
    const direct: number[] = [];
    for (const g of floorProbes) {
      const id = randomUUID();
      await insertPayment(orm.em.fork(), {
        id,
        customerId: g.customerId,
        amount: INVOICE_TOTAL * PER_PAYMENT,
        currency: 'USD',
        method: 'ach',
        receivedAt: new Date(),
        reference: '',
        remittance: remittanceOf(g.numbers),
        createdBy: 'bench',
      });
      const t = performance.now();
      await applyPaymentCash(orm.em.fork(), {
        paymentId: id,
        workflowId: workflowIds.payment(id),
        match: DEFAULT_MATCH_POLICY,
      });
      direct.push(performance.now() - t);
    }

    const rate = (n: number, s: number) => n / s;
    const engineRate = rate(COUNT, engineSeconds);
    const floorRate = rate(COUNT, floorSeconds);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const workload = `${COUNT} payments x ${PER_PAYMENT} invoices, concurrency ${CONCURRENCY}`;
    const resultRows: BenchRow[] = [
      {
        case: 'payments applied / s',
        workload,
        engine: `${engineRate.toFixed(1)}/s`,
        floor: `${floorRate.toFixed(1)}/s (direct transaction)`,
        ratio: `${(floorRate / engineRate).toFixed(2)}x`,
      },
      {
        case: 'allocations posted / s',
        workload,
        engine: `${(engineRate * PER_PAYMENT).toFixed(0)}/s`,
        floor: `${(floorRate * PER_PAYMENT).toFixed(0)}/s`,
        ratio: `${(floorRate / engineRate).toFixed(2)}x`,
      },
      ...[50, 95, 99].map((p) => ({
        case: `POST -> applied p${p}`,
        workload,
        engine: ms(percentile(latencies, p)),
        floor: ms(percentile(floorLatencies, p)),
        ratio: `${(percentile(latencies, p) / percentile(floorLatencies, p)).toFixed(1)}x`,
      })),
      ...[50, 95].map((p) => ({
        case: `POST /payments -> balance in GET /invoices/:id p${p}`,
        workload: `${LATENCY_SAMPLES} payments one at a time, ${PER_PAYMENT} invoices each`,
        engine: ms(percentile(visible, p)),
        floor: `${ms(percentile(direct, p))} (direct transaction, unloaded)`,
        ratio: `${(percentile(visible, p) / percentile(direct, p)).toFixed(1)}x`,
      })),
    ];
    return {
      name: 'payments',
      rows: resultRows,
      details: {
        count: COUNT,
        invoicesPerPayment: PER_PAYMENT,
        concurrency: CONCURRENCY,
        latencySamples: LATENCY_SAMPLES,
        engineSeconds,
        floorSeconds,
      },
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await orm.close(true);
    await devServer.stop();
    await database.drop();
  }
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const result = await runPaymentsBench({
    count: args.count(1000),
    invoicesPerPayment: args.number('invoices-per-payment', 5),
    concurrency: args.number('concurrency', 32),
  });
  report(result.name, result.rows, result.details);
  process.exit(0);
}
