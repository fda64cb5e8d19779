// The worker's `/metrics`: this process's own metrics (activities, webhooks, PostgreSQL pool) followed by the Temporal
// SDK runtime metrics (workflow and activity task counts, failures, schedule-to-start latency, slots, polls), which
// the SDK's core serves on an internal address that this endpoint reads and passes through.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Orm } from '../db/orm.js';
import { registerDatabaseMetrics } from './db-metrics.js';
import { workerRegistry } from './worker-metrics.js';

export interface WorkerMetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startWorkerMetricsServer(options: {
  port: number;
  host?: string;
  orm: Orm;
  runtimeMetricsAddress: string | undefined;
}): Promise<WorkerMetricsServer> {
  const local = new Registry();
  collectDefaultMetrics({ register: local, prefix: 'ar_worker_' });
  registerDatabaseMetrics(local, options.orm, { backlog: false });
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    void (async () => {
      const parts = [await workerRegistry.metrics(), await local.metrics()];
      if (options.runtimeMetricsAddress) {
        const core = await fetch(`http://${options.runtimeMetricsAddress}/metrics`, {
          signal: AbortSignal.timeout(5000),
        })
          .then((r) => r.text())
          .catch(() => '');
        parts.push(core);
      }
      response.writeHead(200, { 'content-type': local.contentType }).end(parts.join('\n'));
    })().catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
