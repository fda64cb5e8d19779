// A private PostgreSQL cluster for the fault scenarios: initdb into a temporary directory, on a free port, so a
// scenario can stop, crash and restart the database without touching any shared server. Uses the Debian server
// binaries (/usr/lib/postgresql/<version>/bin) or PG_BIN; PostgreSQL refuses to run as root, so as root the
// cluster belongs to the `postgres` system user.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  port: number;
  dataDir: string;
  /** A connection URL for one database of this cluster (superuser `ar`, trust authentication on loopback). */
  url(database: string): string;
  start(): Promise<void>;
  /** `fast` is a clean shutdown; `immediate` is what a crash looks like (recovery from WAL on the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
}

export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new Error(
      'no PostgreSQL server binaries: install the Debian package postgresql, or set PG_BIN to the directory holding initdb and pg_ctl',
    );
  return join(base, newest, 'bin');
}

const asRoot = userInfo().uid === 0;

async function run(bin: string, args: string[]): Promise<void> {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    await promisify(execFile)(command, argv, { encoding: 'utf8' });
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed (${e.code}):\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Creates and starts a cluster. The settings trade durability against an OS crash (not simulated) for speed. */
export async function createPostgresCluster(port: number, options: { dir?: string } = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dataDir = options.dir ?? mkdtempSync(join(tmpdir(), 'ar-faults-pg-'));
  if (asRoot) {
    chownSync(
      dataDir,
      Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
      Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
    );
  }
  chmodSync(dataDir, 0o700);
  await run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'ar', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const cluster = attachPostgresCluster(port, dataDir);
  await cluster.start();
  return cluster;
}

/** A handle on a cluster created earlier (by the suite's global set-up, in another module registry). */
export function attachPostgresCluster(port: number, dataDir: string): PostgresCluster {
  const bin = postgresBinDir();
  const logFile = join(dataDir, 'server.log');
  const settings = [
    `-c port=${port}`,
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=''`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c shared_buffers=64MB',
    '-c max_connections=200',
  ].join(' ');
  const cluster: PostgresCluster = {
    port,
    dataDir,
    url: (database) => `postgres://ar:ar@127.0.0.1:${port}/${database}`,
    start: () => run(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start']),
    stop: (mode = 'fast') => run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']),
    async restart(mode = 'fast') {
      await cluster.stop(mode);
      await cluster.start();
    },
    async destroy() {
      try {
        await cluster.stop('immediate');
      } catch {
        // not running
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}
