// Production entrypoint: one worker process. Scale by running more of them against the same task queue.
import { loadConfig } from '../config.js';
import { installTemporalRuntime, onShutdownSignal, openOrm, runWorker } from '../runtime.js';

const config = loadConfig();
installTemporalRuntime('INFO');
const orm = await openOrm(config.databaseUrl);
const address = config.temporal.address ?? '127.0.0.1:7233';
const worker = await runWorker(config, address, { orm });
console.log(`worker polling task queue "${config.temporal.taskQueue}" on ${address} (namespace ${config.temporal.namespace})`);
onShutdownSignal(async () => {
  await worker.stop();
  await orm.close();
});
await worker.running;
