// `npm run bench [-- --quick] [-- --only invoices,reads] [-- --skip scale] [-- --scale-workflows N --scale-overdue M]`: builds each case's data, runs every case
// with progress output, and writes bench/results/latest.md and latest.json (per case: workload, engine figure, floor
// measured in the same run, ratio; plus the machine). Cases run one after another in this process, except the aging
// and KPI case (bench/aging.ts), which runs as its own process and leaves its result file for this one to read.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCustomersBench } from './customers.js';
import { benchImports } from './imports.js';
import { runInvoicesBench } from './invoices.js';
import { cpuOf, mergeLatest, renderLatest, type CaseResult, type Latest } from './latest.js';
import { type BenchResult } from './lib.js';
import { describeMachine, machineInfo } from './machine.js';
import { runMemoryBench } from './memory.js';
import { runPaymentsBench } from './payments.js';
import { runReadsBench } from './reads.js';
import { builtScaleServer, runScaleBench } from './scale.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const argValue = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? '') : undefined;
};
const listArg = (name: string) => argValue(name)?.split(',').filter(Boolean);
const only = listArg('only');
// The scale track at a size between quick and full (`--scale-workflows 30000 --scale-overdue 3000`): reported as custom.
const numberArg = (name: string) => {
  const value = argValue(name);
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new Error(`--${name} needs a positive whole number, got "${value}"`);
  return Number(value);
};
const scaleWorkflows = numberArg('scale-workflows');
const scaleOverdue = numberArg('scale-overdue');
const skip = listArg('skip') ?? [];
const resultsDir = new URL('./results/', import.meta.url);
const root = fileURLToPath(new URL('../', import.meta.url));
const tsxCli = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));

/** Runs bench/aging.ts (the reports' own benchmark) as a process and reads the result file it writes. */
async function agingCase(count: number): Promise<BenchResult> {
  const name = count >= 1_000_000 ? 'aging-1m' : `aging-${Math.round(count / 1000)}k`;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      process.execPath,
      [tsxCli, 'bench/aging.ts', '--count', String(count), '--repeat', quick ? '3' : '5'],
      { cwd: root, stdio: 'inherit' },
    );
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`bench/aging.ts --count ${count} exited with ${code}`);
  const file = JSON.parse(readFileSync(new URL(`${name}.json`, resultsDir), 'utf8')) as {
    rows: BenchResult['rows'];
    details: Record<string, unknown>;
  };
  return { name, rows: file.rows, details: file.details };
}

interface CaseDef {
  name: string;
  title: string;
  run(): Promise<BenchResult>;
}

const q = <T>(quickValue: T, fullValue: T) => (quick ? quickValue : fullValue);
const scaleServer = builtScaleServer();
const cases: CaseDef[] = [
  {
    name: 'invoices',
    title: '1. invoice issuance',
    run: () => runInvoicesBench({ count: q(100, 1000), concurrency: 32, customers: q(20, 50) }),
  },
  {
    name: 'payments',
    title: '2. payment application',
    run: () =>
      runPaymentsBench({ count: q(50, 500), invoicesPerPayment: 5, concurrency: 32, latencySamples: q(10, 50) }),
  },
  ...(quick
    ? [{ name: 'aging-10k', title: '3. aging and KPIs (10k)', run: () => agingCase(10_000) }]
    : [
        { name: 'aging-100k', title: '3. aging and KPIs (100k)', run: () => agingCase(100_000) },
        { name: 'aging-1m', title: '3. aging and KPIs (1M)', run: () => agingCase(1_000_000) },
      ]),
  {
    name: 'reads',
    title: '4. API reads at a fixed rate',
    run: () => runReadsBench({ customers: q(5, 50), invoices: q(20, 200), rate: q(20, 50), seconds: q(5, 30) }),
  },
  {
    name: 'customers',
    title: '5. duplicate check',
    run: () => runCustomersBench({ count: q(5_000, 100_000), creates: q(100, 500) }),
  },
  { name: 'memory', title: '6. worker memory', run: () => runMemoryBench({ workflows: q(1_000, 10_000) }) },
  {
    name: 'scale',
    title: '7. scale track (Temporal server on PostgreSQL)',
    run: () => {
      if (!scaleServer)
        throw new Error('the Temporal server is not built: run `bash scripts/build-temporal-server.sh` first');
      return runScaleBench({
        server: scaleServer,
        workflows: scaleWorkflows ?? q(1_000, 100_000),
        overdue: scaleOverdue ?? q(500, 10_000),
      });
    },
  },
  {
    name: 'imports',
    title: '8. bulk invoice import (1 % bad rows)',
    run: () => benchImports({ count: q(10_000, 100_000) }),
  },
];

const sizeOf = (name: string): CaseResult['size'] =>
  name === 'scale' && (scaleWorkflows !== undefined || scaleOverdue !== undefined)
    ? 'custom'
    : quick
      ? 'quick'
      : 'full';
const selected = cases.filter(
  (c) =>
    (!only || only.includes(c.name) || (c.name.startsWith('aging') && only.includes('aging'))) &&
    !skip.includes(c.name) &&
    !(c.name.startsWith('aging') && skip.includes('aging')),
);
if (selected.length === 0) throw new Error(`no case selected; cases: ${cases.map((c) => c.name).join(', ')}`);
const machine = await machineInfo();
console.log(`machine: ${describeMachine(machine)}`);
console.log(`running ${selected.map((c) => c.name).join(', ')} (${quick ? 'quick' : 'full'} sizes)\n`);

const results: CaseResult[] = [];
for (const c of selected) {
  console.log(`== ${c.title}`);
  const started = performance.now();
  const ranAt = new Date().toISOString();
  const loadAverage1m = os.loadavg()[0]!;
  // What every result of the case records, figures or not.
  const ran = () => ({
    name: c.name,
    title: c.title,
    ranAt,
    seconds: (performance.now() - started) / 1000,
    size: sizeOf(c.name),
    loadAverage1m,
    machine: cpuOf(machine),
  });
  try {
    const result = await c.run();
    results.push({ ...ran(), rows: result.rows, details: result.details });
    for (const r of result.rows) console.log(`   ${r.case}: ${r.engine} vs ${r.floor} = ${r.ratio}`);
  } catch (error) {
    console.error(`   ${c.name} failed: ${(error as Error).stack ?? error}`);
    results.push({ ...ran(), rows: [], details: {}, note: `failed: ${(error as Error).message.split('\n')[0]}` });
  }
  console.log('');
}

mkdirSync(resultsDir, { recursive: true });
const latestJson = new URL('latest.json', resultsDir);
const previous = existsSync(latestJson) ? (JSON.parse(readFileSync(latestJson, 'utf8')) as Latest) : undefined;
const latest = mergeLatest(argv.includes('--fresh') ? undefined : previous, {
  machine,
  cases: results,
  at: new Date().toISOString(),
  scaleServer:
    results.some((r) => r.name === 'scale' && r.rows.length) && scaleServer ? scaleServer.version : undefined,
});
writeFileSync(latestJson, `${JSON.stringify(latest, null, 2)}\n`);
writeFileSync(new URL('latest.md', resultsDir), renderLatest(latest));
console.log(renderLatest(latest));
process.exit(results.some((r) => r.note) ? 1 : 0);
