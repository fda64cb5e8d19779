// The activity option presets every workflow proxies its activities with, so the same kind of step retries the same
// way everywhere. A workflow that needs something else (a non-retryable error type, a heartbeat, a timeout from
// policy) spreads a preset and overrides that one field, or states its own options where it proxies.
import type { ActivityOptions } from '@temporalio/workflow';

/** A step that must happen however long an outage lasts (a posting, a letter, an overdue flip): backs off to 5 minutes. */
export const DURABLE_STEP: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes' },
};

/** A read or write of the record the workflow is waiting on: retried at most a minute apart. */
export const RECORD_STEP: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};

/** A task record in the shared inbox (open, complete, cancel, escalate): short, retried at most a minute apart. */
export const TASK_RECORD_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};
