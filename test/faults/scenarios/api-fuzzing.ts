// Property-based fuzzing of the whole API with schemathesis (pinned, in a virtualenv scripts/schemathesis-venv.sh
// creates in the toolchain cache): every operation of /docs/json, called as an admin with generated valid and invalid
// input. Checks: no 5xx (`not_a_server_error`) and every answer matches the schema the route declares
// (`response_schema_conformance`). A bounded number of examples per operation keeps the run to minutes.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beginScenario, finishScenario } from '../support/business.js';
import { scaled } from '../support/figures.js';
import type { Stand } from '../support/stand.js';
import { progress } from '../support/figures.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Operations left out, and why: signing out would revoke the session of the token the fuzzer itself uses, and the
 * credential endpoints are rate-limited by design (their 429s are the feature, not a fault).
 */
const EXCLUDED_PATHS = ['/auth/logout', '/auth/login', '/auth/refresh'];

interface FuzzResult {
  operations: number;
  requests: number;
  failures: string[];
}

/** Reads schemathesis' JUnit report: one test case per operation, a <failure> per failed check. */
function readJunit(dir: string): FuzzResult {
  const file = readdirSync(dir).find((f) => f.endsWith('.xml'));
  if (!file) return { operations: 0, requests: 0, failures: ['schemathesis wrote no JUnit report'] };
  const xml = readFileSync(join(dir, file), 'utf8');
  const cases = [...xml.matchAll(/<testcase\b[^>]*name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)];
  const failures: string[] = [];
  for (const [, name, inner] of cases) {
    const failure = inner?.match(/<(failure|error)\b[^>]*?(?:message="([^"]*)")?[^>]*>([\s\S]*?)<\/\1>/);
    if (failure)
      failures.push(
        `${name}: ${(failure[2] || failure[3] || '')
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&')
          .slice(0, 1500)}`,
      );
  }
  return { operations: cases.length, requests: 0, failures };
}

export async function fuzzEveryOperation(stand: Stand): Promise<void> {
  const run = beginScenario(stand, '6. property-based fuzzing of every operation (schemathesis)');
  const { stdout: stPath } = await promisify(execFile)('bash', [join(root, 'scripts/schemathesis-venv.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const st = stPath.trim();
  const reportDir = mkdtempSync(join(tmpdir(), 'ar-faults-fuzz-'));
  const examples = scaled(15, 4);
  const requestsBefore = await countRequests(stand);
  const args = [
    'run',
    `${stand.apiUrl}/docs/json`,
    '--header',
    `Authorization: Bearer ${await stand.tokenFor('admin')}`,
    '--checks',
    'not_a_server_error,response_schema_conformance',
    '--phases',
    'examples,fuzzing',
    '--max-examples',
    String(examples),
    '--seed',
    process.env.AR_FAULTS_FUZZ_SEED ?? '20261123',
    '--workers',
    '2',
    '--no-shrink',
    '--request-timeout',
    '60',
    '--suppress-health-check',
    'all',
    '--continue-on-failure',
    '--report',
    'junit',
    '--report-dir',
    reportDir,
    '--output-truncate',
    'true',
    ...EXCLUDED_PATHS.flatMap((p) => ['--exclude-path', p]),
  ];
  let output = '';
  try {
    const result = await promisify(execFile)(st, args, {
      cwd: reportDir,
      encoding: 'utf8',
      timeout: 1_200_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '' },
    });
    output = result.stdout;
  } catch (error) {
    // Exit code 1 means failures were found; they are read from the report below.
    output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
  }
  const result = readJunit(reportDir);
  rmSync(reportDir, { recursive: true, force: true });
  const requests = (await countRequests(stand)) - requestsBefore;
  const summary = output
    .split('\n')
    .filter((l) => /passed|failed|errored|Test cases|operations|Summary/i.test(l))
    .slice(-8)
    .join('\n');
  progress(`schemathesis (${examples} examples per operation):\n${summary}`);
  if (result.operations === 0) console.log(output.slice(-4000));
  expect(result.operations).toBeGreaterThan(30);
  expect(result.failures).toEqual([]);
  await finishScenario(stand, run, {
    operations: requests,
    notes: `${result.operations} operations, up to ${examples} generated examples each`,
  });
}

/** Requests the API has answered, from its own metrics (what the fuzzer really sent, not what it planned). */
async function countRequests(stand: Stand): Promise<number> {
  const res = await stand.http('GET', '/metrics');
  let total = 0;
  for (const line of res.text.split('\n')) {
    const m = line.match(/^ar_http_request_duration_seconds_count\{[^}]*\}\s+(\d+(?:\.\d+)?)/);
    if (m) total += Number(m[1]);
  }
  return total;
}
