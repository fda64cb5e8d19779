// The published document (/docs/json) is the exact contract, proved by a property-based fuzzer on every run of the
// main suite: schemathesis (pinned, in the virtualenv scripts/schemathesis-venv.sh creates) generates requests from
// the schema of every operation and calls the real engine over HTTP as an administrator. Three checks:
//   not_a_server_error           no input, valid or not, is answered with a 5xx;
//   status_code_conformance      every status an operation answers is one it documents;
//   schema_valid_input_accepted  input the schema allows is not refused as malformed (test/api/fuzz_checks.py: a 400
//                                or 422 to valid input passes only for a field listed below as a business rule).
// The seed is fixed, so a failure reproduces; examples per operation are few, so the run stays inside its budget.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestEngine, type TestEngine } from '../support/engine.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/**
 * Operations left out, and why: signing out revokes the session of the token the fuzzer itself uses, and the
 * credential endpoints are rate-limited by design (their 429s are the feature, not a fault).
 */
const EXCLUDED_PATHS = ['/auth/logout', '/auth/login', '/auth/refresh'];

/**
 * Refusals of schema-valid input that are business rules, not shapes: what no JSON Schema can say (a reference that
 * must exist, fields that must agree with each other or with the state of the book, a time relative to now). Keys are
 * operations ("*": every one), values the fields such a refusal may name ("in pointer", * for array indexes).
 */
const BUSINESS_RULES: Record<string, string[]> = {
  // A cursor must be one the list handed out; text must be storable (no NUL, no half surrogate pair), a rule of
  // every string that JSON Schema cannot spell portably.
  '*': ['query /cursor', '(unstorable text)'],
  'GET /events': ['query /after'],
  'GET /reports/kpis': ['query /to'], // not before from
  'GET /customers/{id}/statement': ['query /to'], // not before from (which defaults to today)
  'GET /exports/journal': ['query /to'], // not before from
  'GET /reports/aging': ['query /buckets'], // strictly increasing, the first at least 1 day
  // The camt.053 document structure and the CSV's columns and rows, which the body's string schema does not describe.
  'POST /bank-statements': ['body /Document*', 'body /columns*', 'body /rows*'],
  // Terms that name stored payment terms; a credit limit in the customer's currency.
  'POST /customers': ['body /termsCode', 'body /creditLimit/currency'],
  'PATCH /customers/{id}': ['body /termsCode', 'body /creditLimit/currency'],
  // The customer's currency; collateral worth something must be described (two fields that must agree).
  'POST /customers/{id}/credit-applications': ['body /currency', 'body /collateral/description'],
  'POST /customers/{id}/portal-users': ['body /email'], // the billing e-mail or a contact of the customer
  // Prices in the customer's currency; terms that exist; a due date not before the issue date and not next to instalments.
  'POST /invoices': ['body /lines/*/unitPrice/currency', 'body /terms', 'body /dueDate'],
  'POST /customers/{id}/promises': ['body /amount/currency', 'body /amount'], // the customer's currency; something must be overdue
  'POST /payments': ['body /receivedAt'], // not in the future
  'POST /users': ['body /customerId', 'body /password'], // for portal users only; a password that is not the e-mail address
  // Instalments fall due in order and their portions add up to 100 %; a discount window ends by the due date.
  'POST /payment-terms': [
    'body /terms/instalments',
    'body /terms/instalments/*/dueDays',
    'body /terms/discount/withinDays',
  ],
  'PUT /payment-terms/{code}': [
    'body /terms/instalments',
    'body /terms/instalments/*/dueDays',
    'body /terms/discount/withinDays',
  ],
  'PUT /policies/dunning-assignments/{segment}': ['body /policyCode'], // must name a stored policy
  // Levels escalate in order, names are unique, a trigger and a late fee each need one of their two parts.
  'PUT /policies/dunning/{code}': [
    'body /levels/*/trigger',
    'body /levels/*/trigger/pastDueFor',
    'body /levels/*/trigger/overdueAbove',
    'body /levels/*/name',
    'body /levels/*/lateFee',
  ],
  // The form page again: the two passwords differ or the password is too weak.
  'POST /portal/accept-invitation': ['(page)'],
};

const EXAMPLES = Number(process.env.AR_FUZZ_EXAMPLES ?? 6);
const SEED = process.env.AR_FUZZ_SEED ?? '20261203';
const BUDGET_S = 90;

let engine: TestEngine;
let baseUrl: string;
beforeAll(async () => {
  engine = await startTestEngine();
  await engine.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(engine.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await engine?.close();
});

const unescape = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#10;/g, '\n')
    .replace(/&amp;/g, '&');

/** schemathesis' JUnit report: one test case per operation, a <failure> or <error> per failed check. */
function failuresIn(dir: string): { operations: number; failures: string[] } {
  const file = readdirSync(dir).find((f) => f.endsWith('.xml'));
  if (!file) return { operations: 0, failures: ['schemathesis wrote no JUnit report'] };
  const xml = readFileSync(join(dir, file), 'utf8');
  const cases = [...xml.matchAll(/<testcase\b[^>]*name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)];
  const failures: string[] = [];
  for (const [, name, inner] of cases) {
    for (const [, , message, body] of (inner ?? '').matchAll(
      /<(failure|error)\b[^>]*?(?:message="([^"]*)")?[^>]*>([\s\S]*?)<\/\1>/g,
    )) {
      failures.push(`${unescape(name!)}\n${unescape(message || body || '').slice(0, 3000)}`);
    }
  }
  return { operations: cases.length, failures };
}

it(`answers every operation of the published document as it documents, within ${BUDGET_S} s`, async () => {
  const { stdout: stPath } = await run('bash', [join(root, 'scripts/schemathesis-venv.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const dir = mkdtempSync(join(tmpdir(), 'ar-fuzz-'));
  try {
    const started = Date.now();
    const args = [
      'run',
      `${baseUrl}/docs/json`,
      '--header',
      `Authorization: Bearer ${await engine.tokenFor('admin')}`,
      '--checks',
      'not_a_server_error,status_code_conformance,schema_valid_input_accepted',
      '--phases',
      'examples,fuzzing',
      '--max-examples',
      String(EXAMPLES),
      '--seed',
      SEED,
      '--generation-database',
      'none',
      '--workers',
      '2',
      '--no-shrink',
      '--request-timeout',
      '20',
      '--suppress-health-check',
      'all',
      '--continue-on-failure',
      '--report',
      'junit',
      '--report-dir',
      dir,
      '--output-truncate',
      'true',
      ...EXCLUDED_PATHS.flatMap((p) => ['--exclude-path', p]),
    ];
    let output = '';
    try {
      output = (
        await run(stPath.trim(), args, {
          cwd: dir,
          encoding: 'utf8',
          timeout: BUDGET_S * 2_000,
          maxBuffer: 64 * 1024 * 1024,
          env: {
            ...process.env,
            NO_COLOR: '1',
            SCHEMATHESIS_HOOKS: join(root, 'test/api/fuzz_checks.py'),
            AR_FUZZ_BUSINESS_RULES: JSON.stringify(BUSINESS_RULES),
          },
        })
      ).stdout;
    } catch (error) {
      // Exit code 1 means failures were found; they are read from the report.
      output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    }
    if (process.env.AR_FUZZ_LOG) writeFileSync(process.env.AR_FUZZ_LOG, output);
    const seconds = (Date.now() - started) / 1000;
    const { operations, failures } = failuresIn(dir);
    console.log(
      `schemathesis: ${operations} operations, ${EXAMPLES} examples each, seed ${SEED}, ${seconds.toFixed(1)} s\n${output
        .split('\n')
        .filter((l) => /passed|failed|errored|Test cases|operations/i.test(l))
        .slice(-6)
        .join('\n')}`,
    );
    if (failures.length) console.log(`operations answering outside their contract:\n\n${failures.join('\n\n')}`);
    if (operations === 0) console.log(output.slice(-4000));
    expect(operations).toBeGreaterThan(50);
    expect(failures).toEqual([]);
    expect(seconds).toBeLessThan(BUDGET_S);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);
