// Recording a promise to pay, for staff (POST /customers/:id/promises) and for the customer in the portal: the
// customer's collection workflow validates and stores it, then the stored promise is read back. Each caller keeps
// its own authority checks (which customer, which invoices, which currency) and words its own answers.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { FieldProblem } from '../shared/field-problem.js';
import { isUpdateFailed, isWorkflowNotRunning } from '../temporal/errors.js';
import { workflowIds } from '../temporal/ids.js';
import { recordPromiseUpdate } from '../../workflows/collections/messages.js';
import { promisesOf, type PromiseRecord } from './store/promises.js';

export interface PromiseToRecord {
  customerId: string;
  /** Minor units of the customer's currency. */
  amount: number;
  date: string;
  invoiceIds?: string[];
  by: string;
}

export type PromiseOutcome =
  | { kind: 'recorded'; promise: PromiseRecord }
  /** Nothing of the customer is in collection (no collection workflow runs: nothing is overdue). */
  | { kind: 'not_in_collection' }
  /** The workflow refused the promise; pointers are relative to `{ amount, date, invoiceIds }`. */
  | { kind: 'refused'; problems: FieldProblem[] }
  /** Accepted but not readable yet. */
  | { kind: 'unreadable' };

export async function recordPromise(
  deps: { temporal: Client; em: EntityManager },
  input: PromiseToRecord,
): Promise<PromiseOutcome> {
  const promiseId = randomUUID();
  try {
    await deps.temporal.workflow
      .getHandle(workflowIds.collection(input.customerId))
      .executeUpdate(recordPromiseUpdate, {
        args: [{ promiseId, amount: input.amount, date: input.date, invoiceIds: input.invoiceIds, by: input.by }],
      });
  } catch (error) {
    const failure = error as { message?: string; cause?: { message?: string; details?: unknown[] } } | undefined;
    if (isWorkflowNotRunning(error) || /not found|already completed/i.test(failure?.message ?? ''))
      return { kind: 'not_in_collection' };
    if (isUpdateFailed(error)) {
      const found = (failure?.cause?.details?.[0] ?? [
        { pointer: '/amount', detail: failure?.cause?.message ?? 'refused' },
      ]) as FieldProblem[];
      return { kind: 'refused', problems: found };
    }
    throw error;
  }
  const stored = (await promisesOf(deps.em, input.customerId)).find((p) => p.id === promiseId);
  return stored ? { kind: 'recorded', promise: stored } : { kind: 'unreadable' };
}
