// The end-of-run check of the whole suite: no workflow execution on the test run's Temporal server ended FAILED or
// TIMED_OUT. A business outcome (refused, rejected, rolled back, not found) must end a workflow as completed with
// that outcome; FAILED means a defect, such as an activity that ran before the row it was started for committed.
import { Client, Connection } from '@temporalio/client';

export interface FailedExecution {
  workflowId: string;
  type: string;
  status: string;
  failure: string;
}

export async function failedExecutions(address: string, limit = 25): Promise<FailedExecution[]> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    const client = new Client({ connection, namespace: 'default' });
    const found: FailedExecution[] = [];
    for await (const execution of client.workflow.list({
      query: 'ExecutionStatus = "Failed" OR ExecutionStatus = "TimedOut"',
    })) {
      let failure = '';
      try {
        const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
        const last = history.events?.[history.events.length - 1];
        failure =
          last?.workflowExecutionFailedEventAttributes?.failure?.message ??
          (last?.workflowExecutionTimedOutEventAttributes ? 'timed out' : '');
        const cause = last?.workflowExecutionFailedEventAttributes?.failure?.cause?.message;
        if (cause) failure += ` (cause: ${cause})`;
      } catch (error) {
        failure = `history not readable: ${(error as Error).message}`;
      }
      found.push({ workflowId: execution.workflowId, type: execution.type, status: execution.status.name, failure });
      if (found.length >= limit) break;
    }
    return found;
  } finally {
    await connection.close();
  }
}
