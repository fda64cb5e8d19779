// One place that knows how to reach Temporal (plain or mTLS) and builds clients.
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config.js';
import { tracingEnabled } from '../observability/tracing.js';

export function tlsOptions(config: Config['temporal']) {
  if (!config.tls) return undefined;
  return {
    clientCertPair: { crt: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) },
    serverRootCACertificate: config.tls.caPath ? readFileSync(config.tls.caPath) : undefined,
  };
}

export async function connectClient(config: Config['temporal'], address: string): Promise<Client> {
  const connection = await Connection.connect({ address, tls: tlsOptions(config) });
  // With tracing on, starts and signals carry the caller's trace context into the workflow (API -> workflow -> activity).
  const interceptors = tracingEnabled() ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
  return new Client({ connection, namespace: config.namespace, interceptors });
}
