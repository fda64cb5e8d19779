// Production entrypoint: one API process. Stateless; scale horizontally behind a load balancer.
import { loadConfig } from '../config.js';
import { onShutdownSignal, openOrm, runApi } from '../runtime.js';

const config = loadConfig();
const orm = await openOrm(config.databaseUrl);
const api = await runApi(config, config.temporal.address ?? '127.0.0.1:7233', { orm });
onShutdownSignal(async () => {
  await api.stop();
  await orm.close();
});
