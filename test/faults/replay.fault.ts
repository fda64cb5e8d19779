// Replay: the recorded histories of every workflow type under test/replay/ replay against today's workflow code. The
// normal suite runs that test; the fault suite runs the same file again (without the normal suite's shared services,
// which replay does not need) and reports the count, so its report covers determinism too.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { recordFigures } from './support/figures.js';
import { progress } from './support/figures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('9. every recorded workflow history replays deterministically (test/replay/replay.test.ts)', async () => {
  const started = performance.now();
  const histories = readdirSync(new URL('../replay/', import.meta.url)).filter((f) => f.endsWith('.json'));
  const configUrl = new URL('../../jest.config.js', import.meta.url).href;
  const base = ((await import(configUrl)) as { default: Record<string, unknown> }).default;
  const config = {
    ...base,
    rootDir: root,
    globalSetup: undefined,
    globalTeardown: undefined,
    testMatch: ['<rootDir>/test/replay/replay.test.ts'],
  };
  const jest = fileURLToPath(new URL('../../node_modules/jest/bin/jest.js', import.meta.url));
  const result = await promisify(execFile)(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      jest,
      '--config',
      JSON.stringify(config),
      '--runInBand',
      '--ci',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 600_000,
    },
  ).catch((error: { stdout?: string; stderr?: string; code?: number }) => ({
    stdout: error.stdout ?? '',
    stderr: `${error.stderr ?? ''}\nexit code ${error.code}`,
    failed: true,
  }));
  const output = `${result.stdout}${result.stderr}`;
  const summary = output.match(/Tests:\s+(.*)/)?.[1] ?? 'no summary';
  progress(`replay: ${histories.length} recorded histories; ${summary}`);
  expect('failed' in result ? output : 'passed').toBe('passed');
  expect(summary).toMatch(/^\d+ passed, \d+ total$/);
  recordFigures({
    scenario: '9. replay of every recorded workflow history',
    operations: histories.length,
    faultsInjected: 0,
    invariantViolations: 0,
    seconds: (performance.now() - started) / 1000,
    notes: summary,
  });
});
