// Shared benchmark plumbing: argument parsing, progress output, percentiles, the results table and its files.
// Every case reports the engine's figure next to a floor measured in the same run on the same machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { dropDatabase } from '../src/db/drop-database.js';

/** True when the module at `moduleUrl` is the script node was started with (a bench file run on its own). */
export function isMain(moduleUrl: string, argv1 = process.argv[1]): boolean {
  return argv1 !== undefined && pathToFileURL(resolve(argv1)).href === moduleUrl;
}

export interface BenchRow {
  case: string;
  workload: string;
  engine: string;
  floor: string;
  /** engine / floor for costs (lower is better) or floor / engine for rates, so ratios read "x times the floor". */
  ratio: string;
}

/** What a case hands back: its rows and the raw figures behind them (kept in the JSON). */
export interface BenchResult {
  name: string;
  rows: BenchRow[];
  details: Record<string, unknown>;
}

/** `--count 1000 --quick` style flags. */
export function parseArgs(argv = process.argv.slice(2)): {
  count(defaultValue: number): number;
  number(name: string, defaultValue: number): number;
  flag(name: string): boolean;
} {
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
  let lastPrint = started;
  // A terminal gets one line rewritten in place; a log file (nohup, CI) a line every 10 s, so a long run shows it lives.
  const every = process.stdout.isTTY ? 250 : 10_000;
  const print = (final = false) => {
    const seconds = (performance.now() - started) / 1000;
    const line = `  ${label}: ${done}/${total} (${(done / Math.max(seconds, 1e-9)).toFixed(0)}/s)`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
    else console.log(final ? line : `${line} after ${seconds.toFixed(0)} s`);
  };
  return {
    tick(n = 1) {
      done += n;
      const now = performance.now();
      if (now - lastPrint > every) {
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
  return [header, ...rows.map((r) => `| ${r.case} | ${r.workload} | ${r.engine} | ${r.floor} | ${r.ratio} |`)].join(
    '\n',
  );
}

/** Prints the table and writes bench/results/<name>.md and .json. */
export function report(name: string, rows: readonly BenchRow[], details: Record<string, unknown> = {}): void {
  const table = markdownTable(rows);
  console.log(`\n${table}\n\nmachine: ${machine()}`);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString();
  writeFileSync(new URL(`${name}.md`, dir), `# ${name}\n\n${table}\n\nMachine: ${machine()}. Run at ${stamp}.\n`);
  writeFileSync(
    new URL(`${name}.json`, dir),
    JSON.stringify({ name, ranAt: stamp, machine: machine(), rows, details }, null, 2),
  );
}

/** A database of the benchmark's own on the server of DATABASE_URL (default: the local one), dropped afterwards. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL ?? 'postgres://ar:ar@localhost:5432/ar_engine';
  const name = `ar_bench_${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase((sql) => adminQuery(base, sql), name) };
}

/**
 * Intended send times (ms from the start) of a constant-rate load: request i is due at i / rate seconds whatever
 * happened to earlier ones, and its latency is measured from that due time, so a stalled server is charged for the
 * requests it held up (no coordinated omission, as wrk2 does it).
 */
export function constantRateSchedule(ratePerSecond: number, durationSeconds: number): number[] {
  if (!(ratePerSecond > 0) || !(durationSeconds > 0)) throw new Error('rate and duration must be positive');
  const count = Math.floor(ratePerSecond * durationSeconds);
  return Array.from({ length: count }, (_, i) => (i * 1000) / ratePerSecond);
}

/** `n` offsets in [0, spreadMs), deterministic for a seed (mulberry32), sorted: due times jittered around one instant. */
export function jitteredOffsets(n: number, spreadMs: number, seed = 1): number[] {
  let state = seed | 0;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return Array.from({ length: n }, () => Math.floor(random() * spreadMs)).sort((a, b) => a - b);
}

/** Events per second over the span between the first and the last timestamp (ms); NaN with fewer than two. */
export function ratePerSecond(timestampsMs: readonly number[]): number {
  if (timestampsMs.length < 2) return Number.NaN;
  let min = Infinity;
  let max = -Infinity;
  for (const t of timestampsMs) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return max === min ? Number.POSITIVE_INFINITY : ((timestampsMs.length - 1) * 1000) / (max - min);
}

/** Ratio column: "x times the floor" for costs (engine / floor) and for rates (floor / engine). */
export function ratioText(engine: number, floor: number, kind: 'cost' | 'rate'): string {
  const value = kind === 'cost' ? engine / floor : floor / engine;
  return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)}x` : 'n/a';
}

/** Bytes as MiB with one decimal. */
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
