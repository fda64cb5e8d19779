// What the results ran on: CPU, cores, memory, Node, PostgreSQL and Temporal versions.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { findTemporalCli } from '../src/temporal/toolchain.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  temporalCli: string;
  loadAverage1m: number;
}

export async function machineInfo(
  databaseUrl = process.env.DATABASE_URL ?? 'postgres://ar:ar@localhost:5432/ar_engine',
): Promise<MachineInfo> {
  let postgres = 'unknown';
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    postgres = rows[0]!.server_version;
  } catch {
    // reported as unknown
  } finally {
    await client.end().catch(() => undefined);
  }
  let temporalCli = 'not installed (the SDK downloads a dev server)';
  const cli = findTemporalCli();
  if (cli) {
    try {
      temporalCli = execFileSync(cli, ['--version'], { encoding: 'utf8' })
        .trim()
        .replace(/^temporal version /, '');
    } catch {
      temporalCli = 'unknown';
    }
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.platform()} ${os.release()}`,
    node: process.version,
    postgres,
    temporalCli,
    loadAverage1m: os.loadavg()[0]!,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cores} x ${m.cpu}, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}, Temporal CLI ${m.temporalCli} (dev server)`;
}
