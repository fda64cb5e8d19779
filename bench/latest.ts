// bench/results/latest.json and latest.md: the newest result of every case. A run of some cases (--only) replaces
// those cases and keeps the others, each with the time, size and machine load it ran with.
import type { BenchRow } from './lib.js';
import type { MachineInfo } from './machine.js';

export interface CaseResult {
  /** Case key: invoices, payments, aging-100k, reads, customers, memory, scale, ... */
  name: string;
  title: string;
  ranAt: string;
  seconds: number;
  size: 'quick' | 'full' | 'custom';
  loadAverage1m: number;
  /** What it ran on (cores x CPU model): cases kept from an earlier run may come from another machine. */
  machine?: string;
  rows: BenchRow[];
  details: Record<string, unknown>;
  /** Set when the case did not run or failed; rows are then empty. */
  note?: string;
}

export interface Latest {
  updatedAt: string;
  machine: MachineInfo;
  /** The Temporal server of the scale track, when it ran. */
  scaleServer?: string;
  cases: CaseResult[];
}

/** The order cases appear in, whatever order they ran in. */
export const CASE_ORDER = [
  'invoices',
  'payments',
  'aging-10k',
  'aging-100k',
  'aging-1m',
  'reads',
  'customers',
  'memory',
  'scale',
];

export function mergeLatest(
  previous: Latest | undefined,
  run: { machine: MachineInfo; cases: CaseResult[]; at: string; scaleServer?: string },
): Latest {
  const byName = new Map((previous?.cases ?? []).map((c) => [c.name, c]));
  for (const c of run.cases) {
    // A failed attempt does not wipe the case's last good figures: they stay, with the failure noted beside them.
    const kept = byName.get(c.name);
    if (c.rows.length === 0 && kept && kept.rows.length > 0)
      byName.set(c.name, {
        ...kept,
        note: `last attempt ${c.ranAt.slice(0, 16).replace('T', ' ')} UTC ${c.note ?? 'failed'}; figures from the run before`,
      });
    else byName.set(c.name, c);
  }
  const rank = (name: string) => {
    const i = CASE_ORDER.indexOf(name);
    return i < 0 ? CASE_ORDER.length : i;
  };
  const cases = [...byName.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return { updatedAt: run.at, machine: run.machine, scaleServer: run.scaleServer ?? previous?.scaleServer, cases };
}

/** The short machine description each case carries. */
export const cpuOf = (m: Pick<MachineInfo, 'cores' | 'cpu'>) => `${m.cores} x ${m.cpu}`;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderLatest(latest: Latest): string {
  const m = latest.machine;
  const lines = [
    '# Benchmark results',
    '',
    `Machine of the latest run: ${cpuOf(m)}, ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres}; Temporal CLI ${m.temporalCli} (dev server, SQLite)` +
      (latest.scaleServer ? `; scale track: Temporal server ${latest.scaleServer} on PostgreSQL` : '') +
      '.',
    `Updated ${latest.updatedAt}. Every floor was measured in the same run as its engine figure. Ratio: how many times the floor (cost over floor, or floor rate over engine rate); lower is better.`,
    '',
    '| case | workload | engine | floor (same run) | ratio |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const c of latest.cases) {
    if (c.rows.length === 0) lines.push(`| ${cell(c.title)} | ${cell(c.note ?? 'not run')} | | | |`);
    for (const r of c.rows)
      lines.push(`| ${cell(r.case)} | ${cell(r.workload)} | ${cell(r.engine)} | ${cell(r.floor)} | ${cell(r.ratio)} |`);
  }
  lines.push(
    '',
    '| case | ran at (UTC) | size | took | 1-min load average at start | machine |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const c of latest.cases)
    lines.push(
      `| ${cell(c.title)} | ${c.ranAt.slice(0, 19).replace('T', ' ')} | ${c.size} | ${c.seconds.toFixed(0)} s | ${c.loadAverage1m.toFixed(1)} | ${cell(c.machine ?? 'not recorded')} |`,
    );
  const notes = latest.cases.filter((c) => c.note);
  if (notes.length) lines.push('', ...notes.map((c) => `- ${c.title}: ${c.note}`));
  return `${lines.join('\n')}\n`;
}
