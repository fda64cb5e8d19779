// Where the Temporal CLI (dev server) lives: TEMPORAL_CLI_PATH, the project's toolchain cache (scripts/setup.sh
// builds it there), or PATH. `undefined` means: let the SDK download it (needs internet).
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const toolchainCache = () => process.env.AR_TOOLCHAIN_CACHE ?? join(homedir(), '.cache', 'ar-engine');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable`);
    return fromEnv;
  }
  const candidates = [
    join(toolchainCache(), 'bin', 'temporal'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'temporal')),
  ];
  return candidates.find(executable);
}

/** The wrapper that execs the Java time-skipping server, if its classpath was resolved by setup. */
export function findTestServerWrapper(): string | undefined {
  const jar = join(toolchainCache(), 'temporal-test-server', 'lib');
  try {
    accessSync(jar);
  } catch {
    return undefined;
  }
  return new URL('../../scripts/temporal-test-server.sh', import.meta.url).pathname;
}
