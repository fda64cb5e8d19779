// Shared steps of the dispute workflow tests: an invoice to dispute, opening through the real openDispute, the open
// resolution task, completing it as a claimant, and a stand-in for the collection workflow that records the dispute
// signals it receives (so a test sees exactly what collections would be told).
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { Orm } from '../../src/db/orm.js';
import type { DisputePolicy } from '../../src/disputes/rules/dispute-policy.js';
import { DEFAULT_DISPUTE_POLICY } from '../../src/disputes/rules/dispute-policy.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { openDispute, type OpenDisputeRequest } from '../../src/disputes/store/open.js';
import { claimTask } from '../../src/tasks/store/tasks.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../src/temporal/search-attributes.js';
import { completeTaskUpdate } from '../../workflows/tasks/messages.js';
import type { disputeWorkflow } from '../../workflows/disputes/dispute.js';
import { disputeStateQuery } from '../../workflows/disputes/messages.js';
import type { InvoiceDisputeNotice } from '../../workflows/collections/messages.js';
import { insertCustomer } from './customers.js';
import { eventually } from './engine.js';
import { consultingLines, issueInvoiceDirectly } from './invoices.js';

export const testInvoicePolicy = { reminderBefore: 'P3D', overdueAfter: 'P0D', version: 'test-1' };
export const testDisputePolicy = (overrides: Partial<DisputePolicy> = {}): DisputePolicy => ({
  ...DEFAULT_DISPUTE_POLICY,
  version: 'test-1',
  ...overrides,
});

/** Line 1: 10 x 120.00 at 19 % = 1,428.00 gross; line 2: 1.5 x 33.33 at 7 % = 53.50 gross; total 1,481.50. */
export const INVOICE_TOTAL = 148_150;
export const LINE_1_GROSS = 142_800;

export async function invoiceToDispute(orm: Orm, now: Date, dueInDays = 30) {
  const customer = await insertCustomer(orm, { currency: 'EUR' });
  const today = now.toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(
    orm,
    { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, dueInDays) },
    today,
  );
  return { customer, issued, today };
}

export async function openTestDispute(
  orm: Orm,
  client: Client,
  taskQueue: string,
  request: Partial<OpenDisputeRequest> & { invoiceId: string },
  policy: DisputePolicy = testDisputePolicy(),
) {
  const dispute = await openDispute(
    { em: orm.em.fork(), temporal: { client, taskQueue }, policy, invoicePolicy: testInvoicePolicy },
    {
      category: 'pricing',
      reason: 'Unit price differs from the quote',
      openedBy: 'clerk-1',
      channel: 'staff',
      ...request,
    },
  );
  return { dispute, handle: client.workflow.getHandle<typeof disputeWorkflow>(workflowIds.dispute(dispute.id)) };
}

export interface TaskRow {
  id: string;
  type: string;
  queue: string;
  status: string;
  sla_due_at: Date | null;
  assignee: string | null;
}

/**
 * The newest open task of a type for the dispute, once its workflow created it and waits for it (the row commits a
 * moment before the workflow has taken the task among those it awaits; a completion in that moment is refused).
 */
export async function openTaskOf(
  orm: Orm,
  disputeId: string,
  type = 'dispute_resolution',
  timeoutMs = 20_000,
  client?: Client,
): Promise<TaskRow> {
  const row = await findOpenTask(orm, disputeId, type, timeoutMs);
  if (client) {
    const handle = client.workflow.getHandle(workflowIds.dispute(disputeId));
    await eventually(
      async () => ((await handle.query(disputeStateQuery)).taskId === row.id ? true : undefined),
      timeoutMs,
    );
  }
  return row;
}

async function findOpenTask(orm: Orm, disputeId: string, type: string, timeoutMs: number): Promise<TaskRow> {
  return eventually(async () => {
    const [row] = await orm.em
      .fork()
      .execute<
        TaskRow[]
      >(`SELECT id, type, queue, status, sla_due_at, assignee FROM task WHERE subject_type = 'dispute' AND subject_id = ? AND type = ? AND status IN ('open', 'claimed') ORDER BY created_at DESC LIMIT 1`, [disputeId, type]);
    return row ? { ...row, sla_due_at: row.sla_due_at === null ? null : new Date(row.sla_due_at) } : undefined;
  }, timeoutMs);
}

/** Claims the task as `by` and completes it on the owning workflow (what POST /tasks/:id/claim and /complete do). */
export async function claimAndComplete(
  orm: Orm,
  client: Client,
  disputeId: string,
  taskId: string,
  outcome: string,
  data: Record<string, unknown>,
  by = 'handler-1',
) {
  await claimTask(orm.em.fork(), taskId, by);
  return client.workflow
    .getHandle(workflowIds.dispute(disputeId))
    .executeUpdate(completeTaskUpdate, { args: [{ taskId, outcome, data, by, byManager: false }] });
}

export const rootCause = { category: 'pricing', note: 'Quote 2026-114 was not applied to the order' };

export async function invoiceRow(orm: Orm, invoiceId: string) {
  const [row] = await orm.em
    .fork()
    .execute<
      { status: string; open_amount: string; credited_amount: string }[]
    >('SELECT status, open_amount, credited_amount FROM invoice WHERE id = ?', [invoiceId]);
  return { status: row!.status, openAmount: Number(row!.open_amount), creditedAmount: Number(row!.credited_amount) };
}

/**
 * The time-skipping server knows no custom search attributes until they are registered through its operator service;
 * the API's starters (dispute, invoice) set them.
 */
export async function registerSearchAttributes(env: {
  connection: import('@temporalio/client').Connection;
  namespace?: string;
}): Promise<void> {
  const { temporal } = await import('@temporalio/proto');
  const searchAttributes = Object.fromEntries(
    SEARCH_ATTRIBUTE_DEFINITIONS.map((d) => [
      d.name,
      temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    ]),
  );
  await env.connection.operatorService
    .addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes })
    .catch((error: Error) => {
      if (!/already exists/i.test(error.message)) throw error;
    });
}

// --- the collection stand-in ---------------------------------------------------------------------------------------

let standInBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Runs `run` while `collection-<customerId>` is a stand-in workflow (on its own task queue and worker) that records every
 * `invoiceDispute` signal; `notices()` reads them through its query.
 */
export async function withCollectionStandIn<T>(
  env: { client: Client; nativeConnection: import('@temporalio/worker').NativeConnection },
  customerId: string,
  run: (notices: () => Promise<InvoiceDisputeNotice[]>) => Promise<T>,
): Promise<T> {
  standInBundle ??= bundleWorkflowCode({
    workflowsPath: new URL('./collection-stand-in.ts', import.meta.url).pathname,
    logger: { error() {}, warn() {}, info() {}, debug() {}, trace() {}, log() {} },
  });
  const taskQueue = `collection-stand-in-${customerId}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await standInBundle,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start('collectionStandIn', {
      workflowId: workflowIds.collection(customerId),
      taskQueue,
    });
    try {
      return await run(() => handle.query<InvoiceDisputeNotice[]>('disputeNotices'));
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });
}
