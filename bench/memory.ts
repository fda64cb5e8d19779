// Worker memory: a worker process (bench/memory-worker.ts) is measured idle, then with N open invoice workflows
// cached, each sleeping on its overdue timer (the state of an invoice after delivery, as a continued run starts it),
// after two forced garbage collections. Resident memory (RSS) is the figure: workflows run in the SDK's workflow
// thread (a V8 isolate of its own) and in the Rust core, which the main thread's heap statistics do not see. The floor is the same measurement of a worker whose only workflow sleeps on
// one timer, with the same number of workflows. Both workers run with a heap limit large enough that the SDK's
// default cache (about 0.6 per heap MiB) keeps every workflow. Own dev server and database.
// Run: npx tsx bench/memory.ts [--workflows 10000]
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_INVOICE_POLICY } from '../src/invoices/rules/invoice-policy.js';
import { initialInvoiceState } from '../src/invoices/rules/invoice-workflow-state.js';
import type { InvoiceWorkflowInput } from '../workflows/invoices/invoice.js';
import { startBenchEngine, type BenchEngine } from './engine.js';
import { isMain, mib, parseArgs, progress, ratioText, report, type BenchResult, type BenchRow } from './lib.js';

export interface MemoryBenchOptions {
  workflows: number;
  concurrency?: number;
}

interface Measurement {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  cached: number;
}

const DAY = 86_400_000;

/** The input of an invoice workflow that was delivered and now waits for its due date, 30 days away. */
export function sleepingInvoiceInput(now: Date, overdueInMs = 30 * DAY): InvoiceWorkflowInput {
  const dueDate = new Date(now.getTime() + overdueInMs).toISOString().slice(0, 10);
  const base = {
    invoiceId: randomUUID(),
    customerId: randomUUID(),
    currency: 'EUR',
    totalAmount: 12_500,
    dueDate,
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
      overdueAt: new Date(now.getTime() + overdueInMs).toISOString(),
    },
  };
}

class WorkerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly maxCachedWorkflows: number,
  ) {}

  static async start(mode: 'engine' | 'sleeper', env: Record<string, string>): Promise<WorkerProcess> {
    const child = fork(new URL('./memory-worker.ts', import.meta.url), [mode], {
      execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=20480'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ maxCachedWorkflows: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { maxCachedWorkflows: number }));
      child.once('exit', (code) => reject(new Error(`memory worker (${mode}) exited with ${code}`)));
    });
    return new WorkerProcess(child, ready.maxCachedWorkflows);
  }

  measure(): Promise<Measurement> {
    return new Promise((resolve) => {
      this.child.once('message', (m) => resolve(m as Measurement));
      this.child.send('measure');
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 40_000);
    await exited;
    clearTimeout(timer);
  }
}

async function measureWith(
  engine: BenchEngine,
  mode: 'engine' | 'sleeper',
  n: number,
  concurrency: number,
): Promise<{ before: Measurement; after: Measurement; maxCached: number }> {
  const taskQueue = `bench-memory-${mode}-${randomBytes(4).toString('hex')}`;
  const worker = await WorkerProcess.start(mode, { ...engine.env, TEMPORAL_TASK_QUEUE: taskQueue });
  try {
    if (worker.maxCachedWorkflows < n)
      throw new Error(`the worker caches at most ${worker.maxCachedWorkflows} workflows, fewer than ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = await worker.measure();
    const starting = progress(`${mode}: start ${n} workflows sleeping on a timer`, n);
    let next = 0;
    const now = new Date();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          if (mode === 'engine') {
            const input = sleepingInvoiceInput(now);
            await engine.client.workflow.start('invoiceWorkflow', {
              workflowId: `invoice-${input.invoiceId}`,
              taskQueue,
              args: [input],
            });
          } else {
            await engine.client.workflow.start('benchSleeperWorkflow', {
              workflowId: `bench-sleeper-${randomUUID()}`,
              taskQueue,
              args: [30 * DAY],
            });
          }
          starting.tick();
        }
      }),
    );
    starting.done();
    // Every workflow has run its first task (and sits in the cache) once the cache holds all of them.
    let after = await worker.measure();
    for (let waited = 0; after.cached < n && waited < 600_000; waited += 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      after = await worker.measure();
    }
    if (after.cached < n) throw new Error(`only ${after.cached} of ${n} workflows reached the ${mode} worker's cache`);
    console.log(
      `  ${mode}: RSS ${mib(before.rss)} -> ${mib(after.rss)}, heap ${mib(before.heapUsed)} -> ${mib(after.heapUsed)}, ${after.cached} cached`,
    );
    return { before, after, maxCached: worker.maxCachedWorkflows };
  } finally {
    await worker.stop();
  }
}

export async function runMemoryBench(options: MemoryBenchOptions): Promise<BenchResult> {
  const n = options.workflows;
  const engine = await startBenchEngine({ name: 'memory' });
  try {
    const floor = await measureWith(engine, 'sleeper', n, options.concurrency ?? 32);
    const invoices = await measureWith(engine, 'engine', n, options.concurrency ?? 32);
    const per = (m: { before: Measurement; after: Measurement }, key: 'rss' | 'heapUsed') =>
      (m.after[key] - m.before[key]) / n;
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    const workload = `${n.toLocaleString('en-US')} workflows cached, each sleeping on a timer`;
    const rows: BenchRow[] = [
      {
        case: 'worker RSS per cached invoice workflow',
        workload,
        engine: kib(per(invoices, 'rss')),
        floor: `${kib(per(floor, 'rss'))} (one-timer workflow)`,
        ratio: ratioText(per(invoices, 'rss'), per(floor, 'rss'), 'cost'),
      },
      {
        case: `worker RSS idle -> with ${n.toLocaleString('en-US')} open invoice workflows`,
        workload,
        engine: `${mib(invoices.before.rss)} -> ${mib(invoices.after.rss)}`,
        floor: `${mib(floor.before.rss)} -> ${mib(floor.after.rss)} (one-timer workflow)`,
        ratio: ratioText(invoices.after.rss, floor.after.rss, 'cost'),
      },
    ];
    return { name: 'memory', rows, details: { workflows: n, floor, invoices } };
  } finally {
    await engine.stop();
  }
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const result = await runMemoryBench({ workflows: args.number('workflows', 10_000) });
  report(result.name, result.rows, result.details);
  process.exit(0);
}
