// Engine entrypoints as separate OS processes, for tests that kill and restart them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_AUTH_SECRET } from './auth.js';
import { TEST_ENV } from './env.js';
import { startTestEngine, type TestEngine } from './engine.js';

export { TEST_AUTH_SECRET };

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsxCli = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

/** Pids of a process's descendants, deepest first (`pgrep -P`); empty when it has none. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
  return children.flatMap((child) => [...descendants(child), child]);
}

export interface EngineProcess {
  child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `src/bin/<entry>.ts` and resolves once its output contains `readyText`. An API process signs tokens with
 * TEST_AUTH_SECRET unless `env` names another AUTH_JWT_SECRET: talk to it with `bearerHeaders(TEST_AUTH_SECRET, role)`
 * (test/support/auth.ts).
 */
export async function startEntrypoint(
  entry: 'worker' | 'api',
  env: Record<string, string>,
  readyText: string,
  timeoutMs = 60_000,
): Promise<EngineProcess> {
  const child = spawn(process.execPath, [tsxCli, `src/bin/${entry}.ts`], {
    cwd: root,
    env: { ...process.env, AUTH_JWT_SECRET: TEST_AUTH_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} not ready within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      if (output.includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        // tsx runs the entrypoint in a child node process and can only relay catchable signals: a SIGKILL to the tsx
        // parent alone would leave the real worker running. Kill the whole tree, the real process first.
        if (signal === 'SIGKILL' && child.pid !== undefined) {
          for (const pid of descendants(child.pid)) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }
        child.kill(signal);
      }
      return exited;
    },
  };
}

/** What `workerProcesses` needs of a test engine (test/support/engine.ts `TestEngine`). */
interface EngineEndpoints {
  db: { url: string };
  temporalAddress: string;
  config: { temporal: { taskQueue: string }; mail: { smtpUrl: string } };
}

/**
 * Worker processes for a crash test: `start()` runs `src/bin/worker.ts` against the engine's database, dev server, task
 * queue and SMTP catcher (plus `env`); `killAll()` (for afterAll) SIGKILLs every one started. `engine` is a getter
 * because test files create their engine in beforeAll.
 */
export function workerProcesses(engine: () => EngineEndpoints, env: Record<string, string> = {}) {
  const started: EngineProcess[] = [];
  return {
    async start(): Promise<EngineProcess> {
      const { db, temporalAddress, config } = engine();
      const worker = await startEntrypoint(
        'worker',
        // Port 0 for /metrics: worker processes of test files running in parallel would all want the default 9464.
        {
          DATABASE_URL: db.url,
          TEMPORAL_ADDRESS: temporalAddress,
          TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
          SMTP_URL: config.mail.smtpUrl,
          LOG_LEVEL: 'warn',
          WORKER_METRICS_PORT: '0',
          // The run's bundle: a restarted worker process is back in a second, not after a webpack run.
          ...(process.env[TEST_ENV.workflowBundle] ? { WORKFLOW_BUNDLE: process.env[TEST_ENV.workflowBundle] } : {}),
          ...env,
        },
        'worker polling',
      );
      started.push(worker);
      return worker;
    },
    async killAll(): Promise<void> {
      for (const worker of started) await worker.kill('SIGKILL');
    },
  };
}

/**
 * The stand of a crash test, hooks included: a test engine (API, database, dev server, mail catcher) without an
 * in-process worker, and worker processes to start, SIGKILL and start again. `env` goes to the engine and to every
 * worker. `engine()` is valid from the file's first test on (the engine starts in beforeAll).
 */
export function useEngineWithWorkerProcesses(env: Record<string, string> = {}) {
  let engine: TestEngine | undefined;
  const current = (): TestEngine => {
    if (!engine) throw new Error('the crash-test engine starts in beforeAll');
    return engine;
  };
  const workers = workerProcesses(current, env);
  beforeAll(async () => {
    engine = await startTestEngine({ withWorker: false, env });
  });
  afterAll(async () => {
    await workers.killAll();
    await engine?.close();
  });
  return { engine: current, startWorker: () => workers.start() };
}
