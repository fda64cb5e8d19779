// Shared benchmark plumbing: argument parsing, progress output, percentiles, the results table and its files.
// Every case reports the engine's figure next to a floor measured in the same run on the same machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';

export interface BenchRow {
  case: string;
  workload: string;
  engine: string;
  floor: string;
  /** engine / floor for costs (lower is better) or floor / engine for rates, so ratios read "x times the floor". */
  ratio: string;
}

/** `--count 1000 --quick` style flags. */
export function parseArgs(argv = process.argv.slice(2)): { count(defaultValue: number): number; number(name: string, defaultValue: number): number; flag(name: string): boolean } {
  const value = (name: string) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  return {
    count(defaultValue) {
      const raw = value('count');
      const parsed = raw === undefined ? defaultValue : Number(raw);
      if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--count must be a positive integer, got ${raw}`);
      return parsed;
    },
    number(name, defaultValue) {
      const raw = value(name);
      const parsed = raw === undefined ? defaultValue : Number(raw);
      if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
      return parsed;
    },
    flag: (name) => argv.includes(`--${name}`),
  };
}

/** Runs one statement against the server's maintenance database (CREATE/DROP DATABASE for a benchmark's own data). */
export async function adminQuery(databaseUrl: string, sql: string): Promise<void> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function percentile(sortedOrNot: readonly number[], p: number): number {
  if (sortedOrNot.length === 0) return Number.NaN;
  const sorted = [...sortedOrNot].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Prints `label: done/total (rate/s)` on one refreshing line while a long run progresses. */
export function progress(label: string, total: number): { tick(n?: number): void; done(): void } {
  let done = 0;
  const started = performance.now();
  let lastPrint = 0;
  const print = (final = false) => {
    const seconds = (performance.now() - started) / 1000;
    const line = `  ${label}: ${done}/${total} (${(done / Math.max(seconds, 1e-9)).toFixed(0)}/s)`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
    else if (final) console.log(line);
  };
  return {
    tick(n = 1) {
      done += n;
      const now = performance.now();
      if (now - lastPrint > 250) {
        lastPrint = now;
        print();
      }
    },
    done: () => print(true),
  };
}

export async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} x ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function markdownTable(rows: readonly BenchRow[]): string {
  const header = '| case | workload | engine | floor | ratio |\n| --- | --- | --- | --- | --- |';
  return [header, ...rows.map((r) => `| ${r.case} | ${r.workload} | ${r.engine} | ${r.floor} | ${r.ratio} |`)].join('\n');
}

/** Prints the table and writes bench/results/<name>.md and .json. */
export function report(name: string, rows: readonly BenchRow[], details: Record<string, unknown> = {}): void {
  const table = markdownTable(rows);
  console.log(`\n${table}\n\nmachine: ${machine()}`);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString();
  writeFileSync(new URL(`${name}.md`, dir), `# ${name}\n\n${table}\n\nMachine: ${machine()}. Run at ${stamp}.\n`);
  writeFileSync(new URL(`${name}.json`, dir), JSON.stringify({ name, ranAt: stamp, machine: machine(), rows, details }, null, 2));
}

/** A database of the benchmark's own on the server of DATABASE_URL (default: the local one), dropped afterwards. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL ?? 'postgres://ar:ar@localhost:5432/ar_engine';
  const name = `ar_bench_${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
