// A worker process whose memory the memory benchmark measures (bench/memory.ts forks it with an IPC channel):
//   engine  - the engine's worker exactly as `npm run worker` wires it (configuration from the environment);
//   sleeper - a worker with only a one-timer workflow (bench/workflows/sleeper.ts): the floor.
// On the message 'measure' it collects garbage twice and answers its memory and workflow cache size.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config/config.js';
import { installTemporalRuntime, openOrm, runWorker } from '../src/composition/runtime.js';

const mode = process.argv[2];
if (mode !== 'engine' && mode !== 'sleeper') throw new Error('usage: memory-worker.ts engine|sleeper');
if (!process.send) throw new Error('memory-worker.ts runs as a forked child (bench/memory.ts)');
installTemporalRuntime('ERROR');
const config = loadConfig();
const address = config.temporal.address ?? '127.0.0.1:7233';

let worker: Worker;
let running: Promise<void>;
if (mode === 'engine') {
  const orm = await openOrm(config.databaseUrl);
  const engine = await runWorker(config, address, { orm });
  worker = engine.worker;
  running = engine.running;
} else {
  const connection = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows/sleeper.ts', import.meta.url)),
  });
  running = worker.run();
}

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (message) => {
  if (message === 'measure') {
    gc?.();
    gc?.();
    const usage = process.memoryUsage();
    const status = worker.getStatus();
    process.send!({
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      heapTotal: usage.heapTotal,
      external: usage.external,
      cached: status.numCachedWorkflows,
    });
  } else if (message === 'stop') {
    worker.shutdown();
    void running.finally(() => process.exit(0));
  }
});
process.send({
  ready: true,
  maxCachedWorkflows: (worker.options as { maxCachedWorkflows?: number }).maxCachedWorkflows,
});
await running;
