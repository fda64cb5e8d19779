// One way to start a workflow for a row that a transaction writes: record the start in that transaction, start it
// after the commit. Started inside the transaction (as the engine once did), a workflow's first activity could run
// before the commit, find no row and fail; started after it without a record, a crash between commit and start
// would leave a row that no workflow ever looks after. A recorded start is carried out at once by the request
// (`startRecorded`) and, should that fail or the process die, by the relay (`relayPendingStarts`) a few seconds
// later. Starting is idempotent: a workflow id that already exists, running or closed, counts as started, so the
// request and the relay may both try.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { CustomerIdAttribute, EntityTypeAttribute } from './search-attributes.js';
import { isAlreadyStarted } from './errors.js';

export interface WorkflowStart {
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  /** Search attributes: what the workflow is for, and for which customer. */
  entityType: string;
  customerId: string | null;
  /** The request that caused it, kept as memo for tracing a workflow back to its request. */
  requestId?: string;
}

interface StartRow {
  workflow_id: string;
  workflow_type: string;
  task_queue: string;
  args: unknown[] | string;
  entity_type: string;
  customer_id: string | null;
  request_id: string | null;
}

/** How long the relay leaves a recorded start to the request that recorded it, and waits between its own attempts. */
export const RELAY_GRACE_MS = 5_000;
export const RELAY_RETRY_MS = 15_000;

/** Records a start in the caller's transaction; a second record of the same workflow id is the same start. */
export async function recordWorkflowStart(tx: EntityManager, start: WorkflowStart): Promise<string> {
  await tx.execute(
    `INSERT INTO workflow_start (workflow_id, workflow_type, task_queue, args, entity_type, customer_id, request_id, next_attempt_at)
     VALUES (?, ?, ?, ?::json, ?, ?, ?, now() + (? * interval '1 millisecond')) ON CONFLICT (workflow_id) DO NOTHING`,
    [
      start.workflowId,
      start.workflowType,
      start.taskQueue,
      JSON.stringify(start.args),
      start.entityType,
      start.customerId,
      start.requestId ?? null,
      RELAY_GRACE_MS,
    ],
  );
  return start.workflowId;
}

/**
 * How long one start may take. A request does not hang on a workflow service that does not answer (its change is
 * committed and the relay takes over); the relay does not stall behind one start either.
 */
const START_DEADLINE_MS = 3_000;

async function startOne(client: Client, row: StartRow): Promise<string | null> {
  try {
    const handle = await client.connection.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      client.workflow.start(row.workflow_type, {
        workflowId: row.workflow_id,
        taskQueue: row.task_queue,
        args: typeof row.args === 'string' ? (JSON.parse(row.args) as unknown[]) : row.args,
        // A closed workflow of this id is this start carried out earlier: never a second run.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: row.request_id ? { requestId: row.request_id } : undefined,
        typedSearchAttributes: new TypedSearchAttributes([
          ...(row.customer_id ? [{ key: CustomerIdAttribute, value: row.customer_id }] : []),
          { key: EntityTypeAttribute, value: row.entity_type },
        ]),
      }),
    );
    return handle.firstExecutionRunId;
  } catch (error) {
    if (isAlreadyStarted(error)) return null;
    throw error;
  }
}

function describeError(error: unknown): string {
  const parts: string[] = [];
  for (
    let e = error as { message?: string; cause?: unknown } | undefined;
    e && parts.length < 4;
    e = e.cause as typeof e
  )
    parts.push(String(e.message ?? e));
  return parts.join(': ');
}

const COLUMNS = 'workflow_id, workflow_type, task_queue, args, entity_type, customer_id, request_id';

async function carryOut(
  em: EntityManager,
  client: Client,
  rows: StartRow[],
): Promise<{ started: number; failed: { workflowId: string; error: unknown }[] }> {
  const failed: { workflowId: string; error: unknown }[] = [];
  let started = 0;
  for (const row of rows) {
    try {
      const runId = await startOne(client, row);
      await em.execute(
        'UPDATE workflow_start SET started_at = now(), run_id = coalesce(?, run_id), attempts = attempts + 1, last_error = NULL WHERE workflow_id = ?',
        [runId, row.workflow_id],
      );
      started += 1;
    } catch (error) {
      failed.push({ workflowId: row.workflow_id, error });
      // Tried again after a jittered back-off growing with the attempts (1 s, 2 s, 4 s, ... up to RELAY_RETRY_MS), by
      // whichever relay claims it first: another process may reach the workflow service when this one cannot.
      await em.execute(
        `UPDATE workflow_start SET attempts = attempts + 1, last_error = ?,
           next_attempt_at = now() + (least(?, 1000 * power(2, attempts)) * (0.5 + random()) * interval '1 millisecond')
         WHERE workflow_id = ?`,
        [describeError(error).slice(0, 500), RELAY_RETRY_MS, row.workflow_id],
      );
    }
  }
  return { started, failed };
}

/**
 * Starts the given recorded workflows now (after the commit that recorded them). Never throws, for the workflow
 * service or the database: what could not be started stays recorded and the relay starts it. The caller's change is
 * committed either way, so a failure here must not turn into an error answer that invites a retry doing it twice.
 */
export async function startRecorded(
  em: EntityManager,
  client: Client,
  workflowIds: string[],
  log?: { warn: (meta: object, message: string) => void },
): Promise<void> {
  if (workflowIds.length === 0) return;
  try {
    const rows = await em
      .fork()
      .execute<
        StartRow[]
      >(`SELECT ${COLUMNS} FROM workflow_start WHERE workflow_id = ANY(?::text[]) AND started_at IS NULL`, [`{${workflowIds.join(',')}}`]);
    const { failed } = await carryOut(em.fork(), client, rows);
    for (const f of failed)
      log?.warn({ err: f.error, workflowId: f.workflowId }, 'workflow start deferred to the relay');
  } catch (error) {
    // The database failed around the start (reading the record, or noting the outcome): the relay carries it out.
    log?.warn({ err: error, workflowIds }, 'workflow start deferred to the relay');
  }
}

/**
 * Starts recorded workflows whose request did not (its attempt failed or its process died). Each batch is claimed in
 * one statement that moves its next attempt on, so several API processes may relay at once without starting twice,
 * and no transaction stays open across a call to the workflow service.
 */
export async function relayPendingStarts(
  em: EntityManager,
  client: Client,
  options: { limit: number; retryMs?: number },
): Promise<{ started: number; failed: number }> {
  const claimed = await em.fork().execute<StartRow[]>(
    `UPDATE workflow_start SET next_attempt_at = now() + (? * interval '1 millisecond')
     WHERE workflow_id IN (SELECT workflow_id FROM workflow_start WHERE started_at IS NULL AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [options.retryMs ?? RELAY_RETRY_MS, options.limit],
  );
  const { started, failed } = await carryOut(em.fork(), client, claimed);
  return { started, failed: failed.length };
}

/** Recorded starts not carried out yet (for readiness and for the test suite's final check). */
export async function pendingStarts(
  em: EntityManager,
): Promise<{ workflowId: string; attempts: number; lastError: string | null }[]> {
  const rows = await em
    .fork()
    .execute<
      { workflow_id: string; attempts: number; last_error: string | null }[]
    >('SELECT workflow_id, attempts, last_error FROM workflow_start WHERE started_at IS NULL ORDER BY recorded_at');
  return rows.map((r) => ({ workflowId: r.workflow_id, attempts: r.attempts, lastError: r.last_error }));
}
