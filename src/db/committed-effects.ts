// Which transactions a request committed. A request that must not take effect twice (an Idempotency-Key) registers
// a marker to be written inside every transaction it commits, so "did this request change anything?" has an answer
// in the database itself, true exactly when the change is. Knowing it only in memory would be lost with the process,
// and asking afterwards ("is there an invoice for this key?") would need one answer per kind of write.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

export interface EffectScope {
  /** Written inside each top-level transaction of this scope, just before it commits. */
  markCommit?: (tx: { execute: (sql: string, params: unknown[]) => Promise<unknown> }) => Promise<void>;
  /** Set once a transaction of this scope has committed. */
  committed: boolean;
  /** Where the result of this scope's change can be read (the resource it creates), once it commits. */
  location?: string;
}

const scopes = new AsyncLocalStorage<EffectScope>();

/** Runs `work` (and everything it calls, however asynchronously) inside a fresh effect scope. */
export function runInEffectScope<T>(work: () => T): T {
  return scopes.run({ committed: false }, work);
}

export function currentEffectScope(): EffectScope | undefined {
  return scopes.getStore();
}

/**
 * Names where the change being made can be read (`/invoices/<id>`), to be recorded with its commit: a repeat of a
 * request whose answer was lost is then sent there instead of being run again. Call it inside the transaction.
 */
export function noteEffectLocation(path: string): void {
  const scope = scopes.getStore();
  if (scope) scope.location = path;
}

/** A savepoint's release commits nothing yet; only the outermost transaction's commit does. */
function isTopLevel(args: TransactionEventArgs): boolean {
  return !args.transaction?.savepointName;
}

/** The MikroORM subscriber that writes each scope's marker in its transactions and notes their commits. */
export class CommittedEffectsSubscriber implements EventSubscriber {
  async beforeTransactionCommit(args: TransactionEventArgs): Promise<void> {
    const scope = scopes.getStore();
    if (!scope?.markCommit || !isTopLevel(args)) return;
    const connection = (args.em as EntityManager).getConnection();
    await scope.markCommit({
      execute: (sql, params) => connection.execute(sql, params as never[], 'run', args.transaction as never),
    });
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    const scope = scopes.getStore();
    if (scope && isTopLevel(args)) scope.committed = true;
  }
}
