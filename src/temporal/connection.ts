// One place that knows how to reach Temporal (plain or mTLS) and builds clients.
import { readFileSync } from 'node:fs';
import { TransactionContext } from '@mikro-orm/core';
import {
  Client,
  Connection,
  type Next,
  type WorkflowClientInterceptor,
  type WorkflowSignalWithStartInput,
  type WorkflowStartInput,
} from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config/config.js';
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
  const workflow: WorkflowClientInterceptor[] = [new NoStartInsideTransaction()];
  if (tracingEnabled()) workflow.push(new OpenTelemetryWorkflowClientInterceptor());
  return new Client({ connection, namespace: config.namespace, interceptors: { workflow } });
}

/**
 * Refuses to start a workflow while a database transaction is open in the caller's context. Started before the
 * commit, the workflow's first activity can run before the row it is for is visible, or for a row that is rolled
 * back; record the start in the transaction instead and carry it out after the commit
 * (src/temporal/start-after-commit.ts). A programming error, so it fails loudly wherever it happens.
 */
export class NoStartInsideTransaction implements WorkflowClientInterceptor {
  startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>) {
    refuseInsideTransaction(input.workflowType);
    return next(input);
  }
  start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>) {
    refuseInsideTransaction(input.workflowType);
    return next(input);
  }
  signalWithStart(input: WorkflowSignalWithStartInput, next: Next<WorkflowClientInterceptor, 'signalWithStart'>) {
    refuseInsideTransaction(input.workflowType);
    return next(input);
  }
}

function refuseInsideTransaction(workflowType: string): void {
  if (TransactionContext.currentTransactionContext()) {
    throw new Error(
      `${workflowType} started inside an open database transaction: record it with recordWorkflowStart and start it after the commit`,
    );
  }
}
