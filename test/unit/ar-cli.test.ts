// The operator CLI answers people: --help and help print the usage (exit 0) for any command, a mistake (unknown
// command or option, a missing value) prints what is wrong and the usage on stderr with exit code 2, never a stack trace.
import { spawnSync } from 'node:child_process';

const root = new URL('../../', import.meta.url).pathname;
const ar = (...args: string[]) => {
  // No database or secret is needed for any of these: help and usage mistakes stop before either is touched.
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/bin/ar.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

it.each([
  '--help',
  '-h',
  'help',
  'token --help',
  'users create-admin --help',
  'api-keys create -h',
  'access-doc --help',
])('ar %s prints the usage and exits 0', (line) => {
  const run = ar(...line.split(' '));
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^usage:/);
  for (const command of ['users create-admin', 'token --role', 'api-keys create', 'access-doc'])
    expect(run.stdout).toContain(`npm run ar -- ${command}`);
  expect(run.stderr).not.toMatch(/\n\s+at /);
});

it.each([
  [['bogus'], 'unknown command "bogus"'],
  [[], 'a command is required'],
  [['token', '--nope'], "Unknown option '--nope'"],
  [['token', '--role'], "'--role <value>' argument missing"],
  [['token', '--role', 'wizard'], '--role <role> is required'],
])('ar %j is a usage mistake: the problem and the usage on stderr, exit 2, no stack trace', (args, problem) => {
  const run = ar(...args);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(problem);
  expect(run.stderr).toContain('usage:');
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stdout).toBe('');
});
