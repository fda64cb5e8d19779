// Signals sent after a payment's transaction commits. The database is the record of truth and the receiving
// workflows mirror it, so a workflow that is not running (an invoice created before its workflow existed, a
// finished payment workflow) is logged and skipped: it must never undo or fail a committed allocation.
import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { isWorkflowNotRunning } from '../temporal/errors.js';

function isNotFound(error: unknown): boolean {
  return isWorkflowNotRunning(error) || /not found/i.test((error as Error | undefined)?.message ?? '');
}

export async function signalIfRunning<Args extends unknown[]>(
  client: Client,
  workflowId: string,
  signal: SignalDefinition<Args>,
  args: Args,
  log: { warn(message: string, meta?: Record<string, unknown>): void },
): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).signal(signal, ...args);
    return true;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    log.warn('workflow not running; signal skipped', { workflowId, signal: signal.name });
    return false;
  }
}
