// What a Temporal client call failed with, as named predicates. Errors are recognised by name as well as by class,
// since a client built from another copy of the SDK (tests, tools) throws its own classes.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

interface FailureLike {
  name?: string;
  code?: number;
  cause?: { code?: number };
}

/** A start refused because a workflow with that id already runs. */
export function isAlreadyStarted(error: unknown): boolean {
  return (
    error instanceof WorkflowExecutionAlreadyStartedError ||
    (error as Error | undefined)?.name === 'WorkflowExecutionAlreadyStartedError'
  );
}

/** The client's WorkflowNotFoundError: no workflow with that id runs. */
export function isWorkflowNotFound(error: unknown): boolean {
  return (error as FailureLike | undefined)?.name === 'WorkflowNotFoundError';
}

/**
 * The workflow does not run: the client's WorkflowNotFoundError or, over a NativeConnection (activity context),
 * the raw gRPC NOT_FOUND (code 5) on the error or its cause.
 */
export function isWorkflowNotRunning(error: unknown): boolean {
  const e = error as FailureLike | undefined;
  return isWorkflowNotFound(e) || e?.code === 5 || e?.cause?.code === 5;
}

/** An update the workflow's validator or handler refused (its reason is in the cause). */
export function isUpdateFailed(error: unknown): boolean {
  return (error as FailureLike | undefined)?.name === 'WorkflowUpdateFailedError';
}
