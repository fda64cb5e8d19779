// Production entrypoint: one API process. Stateless; scale horizontally behind a load balancer.
import { loadConfig } from '../config/config.js';
import { setupTracing } from '../observability/tracing.js';
import { onShutdownSignal, openOrm, runApi } from '../composition/runtime.js';

const config = loadConfig();
const tracing = setupTracing({
  ...config.integrations.tracing,
  serviceName: `${config.integrations.tracing.serviceName}-api`,
});
const orm = await openOrm(config.databaseUrl, { acquireTimeoutMs: config.databasePool.acquireTimeoutMs });
const api = await runApi(config, config.temporal.address ?? '127.0.0.1:7233', { orm });
onShutdownSignal(async () => {
  await api.stop(); // stops accepting, finishes in-flight requests
  await orm.close();
  await tracing?.shutdown();
});
