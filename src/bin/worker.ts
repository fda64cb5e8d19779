// Production entrypoint: one worker process. Scale by running more of them against the same task queue.
import { loadConfig } from '../config/config.js';
import { setupTracing } from '../observability/tracing.js';
import {
  installTemporalRuntime,
  loopbackMetricsAddress,
  onShutdownSignal,
  openOrm,
  runWorker,
} from '../composition/runtime.js';

const loaded = loadConfig();
// A worker always serves /metrics (default port 9464, the Prometheus convention for exporters).
const config = {
  ...loaded,
  integrations: { ...loaded.integrations, workerMetricsPort: loaded.integrations.workerMetricsPort ?? 9464 },
};
installTemporalRuntime('INFO', { metricsBindAddress: await loopbackMetricsAddress() });
const tracing = setupTracing({
  ...config.integrations.tracing,
  serviceName: `${config.integrations.tracing.serviceName}-worker`,
});
const orm = await openOrm(config.databaseUrl);
const address = config.temporal.address ?? '127.0.0.1:7233';
const worker = await runWorker(config, address, { orm });
console.log(
  `worker polling task queue "${config.temporal.taskQueue}" on ${address} (namespace ${config.temporal.namespace}); metrics at ${worker.metricsUrl}`,
);
onShutdownSignal(async () => {
  await worker.stop(); // stops polling, drains in-flight activities (shutdownGraceTime)
  await orm.close();
  await tracing?.shutdown();
});
await worker.running;
