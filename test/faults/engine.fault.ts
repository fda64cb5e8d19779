// The fault scenarios against one engine stand (API and worker processes, private PostgreSQL cluster, persisted
// Temporal dev server), in an order where each leaves the books as the next expects them: balanced. Every scenario
// ends with the invariant check (support/invariants.ts). Pick scenarios with jest's -t, e.g. `-t '^(4|5)\.'`.
import { fuzzEveryOperation } from './scenarios/api-fuzzing.js';
import { authorizationBoundaries } from './scenarios/authorization.js';
import { postgresRestartedDuringBatch, workerKilledDuringBatch } from './scenarios/batch-under-faults.js';
import { concurrentPaymentsOnOneInvoice } from './scenarios/concurrent-payments.js';
import { dunningContactsAcrossWorkerKills } from './scenarios/dunning-across-kills.js';
import { hostileStatementFiles } from './scenarios/hostile-statements.js';
import { idempotentDuplicates } from './scenarios/idempotency.js';
import { timersFireAfterTemporalRestart } from './scenarios/timers-across-restart.js';
import { isCiRun, progress } from './support/figures.js';
import { startStand, type Stand } from './support/stand.js';

let stand: Stand;
beforeAll(async () => {
  stand = await startStand();
  await stand.startWorker();
}, 300_000);
afterAll(() => stand?.close());

/** Runs a scenario, printing its failure as it happens (jest reports a file's failures only when the file ends). */
const scenario = (run: (stand: Stand) => Promise<void>) => async () => {
  try {
    await run(stand);
  } catch (error) {
    progress(`FAILED: ${String((error as Error).stack ?? error).slice(0, 3000)}`);
    // The API's own warnings and errors (pino levels 40 and 50) usually say what went wrong underneath.
    const complaints = stand
      .apiOutput()
      .split('\n')
      .filter((line) => /"level":(40|50|60)/.test(line));
    progress(`the API's last warnings and errors:\n${complaints.slice(-15).join('\n').slice(-6000)}`);
    throw error;
  }
};

// A scenario that kills the worker may leave it down if it fails half-way; the next one needs it up.
beforeEach(() => stand.startWorker(), 300_000);

// The CI variant runs the scenarios that do not wait on real-time timers; the timer, dunning and fuzzing ones are for
// the quick and full runs. Only the chosen ones are registered, so a CI run reports no skipped tests.
const scenarios: [title: string, run: (stand: Stand) => Promise<void>, inCi: boolean][] = [
  [
    '4. one Idempotency-Key sent five times at once has one effect and identical answers; another body is a 422',
    idempotentDuplicates,
    true,
  ],
  [
    '5. fifty concurrent payments settle one invoice exactly and park the excess as credit',
    concurrentPaymentsOnOneInvoice,
    true,
  ],
  [
    '8. no role outside the permission matrix reaches a route, no portal user reaches another customer',
    authorizationBoundaries,
    true,
  ],
  [
    '7. malformed and hostile bank-statement files get a clear 4xx, post nothing, and the server keeps serving',
    hostileStatementFiles,
    true,
  ],
  [
    '1. a worker SIGKILLed at random moments during a batch loses and duplicates nothing',
    workerKilledDuringBatch,
    true,
  ],
  [
    '2. PostgreSQL restarted (cleanly, then as a crash) during a batch: activities retry and finish',
    postgresRestartedDuringBatch,
    true,
  ],
  [
    '3. durable timers fire after the Temporal dev server was stopped across their due instant',
    timersFireAfterTemporalRestart,
    false,
  ],
  [
    '10. dunning contacts go out once each when the worker is killed between them',
    dunningContactsAcrossWorkerKills,
    false,
  ],
  ['6. fuzzing every operation finds no 5xx and no answer outside its schema', fuzzEveryOperation, false],
];
for (const [title, run, inCi] of scenarios) if (inCi || !isCiRun()) it(title, scenario(run));
