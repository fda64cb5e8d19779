// Signals sent after a payment's transaction commits. The database is the record of truth and the receiving
// workflows mirror it, so a workflow that is not running (an invoice created before its workflow existed, a
// finished payment workflow) is logged and skipped: it must never undo or fail a committed allocation.
import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; code?: number; message?: string; cause?: { code?: number } };
  // Over a NativeConnection (activity context) the client may surface the raw gRPC NOT_FOUND (code 5).
  return (
    e?.name === 'WorkflowNotFoundError' || e?.code === 5 || e?.cause?.code === 5 || /not found/i.test(e?.message ?? '')
  );
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
