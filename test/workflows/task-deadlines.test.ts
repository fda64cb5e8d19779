// Every human task's deadline does something: on the time-skipping server, each task type still open at its deadline
// (its SLA, policy data) moves once to the manager's queue the policy names, with the reason in its trail, where the
// finance director's inbox shows it and the duty table lets a manager work it; a task completed in time never moves.
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { putPolicyVersion, setCustomerPolicy } from '../../src/collections/store/policies.js';
import { createReview, type CreditApplication } from '../../src/credit/store/reviews.js';
import { DEFAULT_CASH_APPLICATION_POLICY } from '../../src/payments/rules/cash-application-policy.js';
import { DEFAULT_CREDIT_POLICY } from '../../src/credit/rules/credit-policy.js';
import { DEFAULT_DUNNING_POLICY, type DunningPolicyBody } from '../../src/collections/rules/dunning-policy.js';
import { MANAGER_QUEUE, mayWork, workableTypes } from '../../src/tasks/rules/task-duties.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { allocateRemaining } from '../../src/payments/store/allocate.js';
import { insertPayment } from '../../src/payments/store/receive.js';
import { listTasks, taskActivity } from '../../src/tasks/store/tasks.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type { cashApplicationWorkflow } from '../../workflows/payments/cash-application.js';
import type { collectionWorkflow } from '../../workflows/collections/collection.js';
import type { creditNoteApprovalWorkflow } from '../../workflows/invoices/credit-note-approval.js';
import type { creditReviewWorkflow } from '../../workflows/credit/credit-review.js';
import type { invoiceWorkflow } from '../../workflows/invoices/invoice.js';
import { paymentAllocatedSignal } from '../../workflows/payments/messages.js';
import { completeTaskUpdate } from '../../workflows/tasks/messages.js';
import { insertCustomer } from '../support/customers.js';
import {
  claimAndComplete,
  invoiceToDispute,
  openTaskOf,
  openTestDispute,
  registerSearchAttributes,
  rootCause,
  testDisputePolicy,
} from '../support/disputes.js';
import { eventually } from '../support/engine.js';
import { consultingLines, issueInvoiceDirectly } from '../support/invoices.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

jest.setTimeout(300_000);
const kit = useWorkflowTestKit('task-deadline');
beforeAll(() => registerSearchAttributes(kit.env));
const orm = () => kit.real.db.orm;
const now = async () => new Date(await kit.env.currentTimeMs());

interface TaskRow {
  id: string;
  type: string;
  queue: string;
  status: string;
  escalated_at: Date | null;
}
const tasksOf = (workflowId: string) =>
  orm()
    .em.fork()
    .execute<
      TaskRow[]
    >('SELECT id, type, queue, status, escalated_at FROM task WHERE workflow_id = ? ORDER BY created_at, type', [workflowId]);
const taskOf = (workflowId: string, type: string) =>
  eventually(async () => (await tasksOf(workflowId)).find((t) => t.type === type), 60_000);
const decide = (
  workflowId: string,
  taskId: string,
  outcome: string,
  extra: { data?: Record<string, unknown>; comment?: string } = {},
) =>
  kit.env.client.workflow.getHandle(workflowId).executeUpdate(completeTaskUpdate, {
    args: [{ taskId, outcome, data: extra.data ?? {}, comment: extra.comment, by: 'fiona', byManager: false }],
  });
const escalations = async (taskId: string) =>
  (await taskActivity(orm().em.fork(), taskId)).filter((a) => a.kind === 'escalated');

/** The task has moved once to `queue`, says why, and the finance director's inbox (GET /tasks) lists it as work. */
async function expectEscalated(taskId: string, queue: string) {
  const task = await eventually(async () => {
    const [row] = await orm()
      .em.fork()
      .execute<TaskRow[]>('SELECT id, type, queue, status, escalated_at FROM task WHERE id = ?', [taskId]);
    return row?.queue === queue ? row : undefined;
  }, 30_000);
  expect(task).toMatchObject({ status: 'open' });
  expect(task.escalated_at).not.toBeNull();
  const trail = await escalations(taskId);
  expect(trail).toHaveLength(1);
  expect(trail[0]!.body).toMatch(/^deadline passed at .+ was not completed in time$/);
  const director = ['finance_director'];
  expect(mayWork(director, task)).toBe(true);
  const inbox = await listTasks(
    orm().em.fork(),
    { queue, status: ['open', 'claimed'], types: workableTypes(director) },
    { limit: 100, now: await now() },
  );
  expect(inbox.map((t) => t.id)).toContain(taskId);
}

it('credit note approval: still open after its two-day deadline, it moves to the finance director', async () => {
  const customer = await insertCustomer(orm(), { currency: 'EUR' });
  const today = (await now()).toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(orm(), { customerId: customer.id, lines: consultingLines('EUR') }, today);
  await kit.withWorker(async (taskQueue) => {
    const creditNoteId = randomUUID();
    const workflowId = workflowIds.creditNoteApproval(creditNoteId);
    kit.endAfterTest(workflowId);
    const handle = await kit.env.client.workflow.start<typeof creditNoteApprovalWorkflow>(
      'creditNoteApprovalWorkflow',
      {
        workflowId,
        taskQueue,
        args: [
          {
            creditNoteId,
            invoiceId: issued.id,
            invoiceNumber: issued.number,
            customerId: customer.id,
            amount: { amount: 2_000_000, currency: 'EUR' },
            reason: 'goodwill',
            requestedBy: 'ann',
            queue: 'credit-manager',
            sla: 'P2D',
            escalateTo: MANAGER_QUEUE,
          },
        ],
      },
    );
    const task = await taskOf(workflowId, 'credit_note_approval');
    await kit.env.sleep('47 hours');
    expect((await tasksOf(workflowId))[0]).toMatchObject({ queue: 'credit-manager', escalated_at: null });
    await kit.env.sleep('2 hours');
    await expectEscalated(task.id, MANAGER_QUEUE);
    // The director decides it there; the workflow ends as it would have in time.
    await decide(workflowId, task.id, 'reject', { comment: 'no goodwill above the threshold' });
    expect(await handle.result()).toMatchObject({ status: 'rejected', decidedBy: 'fiona' });
    await kit.recordHistory(handle, 'credit-note-approval.json');
  });
});

it('credit override: an invoice still held after the override deadline moves its override to the finance director', async () => {
  const customer = await insertCustomer(orm(), { currency: 'EUR' });
  const today = (await now()).toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(
    orm(),
    { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, 30) },
    today,
  );
  await kit.withWorker(async (taskQueue) => {
    const workflowId = workflowIds.invoice(issued.id);
    kit.endAfterTest(workflowId);
    const creditHold = {
      reasons: ['over_credit_limit' as const],
      limit: 100,
      exposureBefore: 0,
      exposureAfter: issued.prepared.totals.total,
      overLimitBy: issued.prepared.totals.total - 100,
      accountHold: null,
      policyVersion: 'test',
      overrideSla: 'P1D',
      escalateTo: MANAGER_QUEUE,
      earlyReview: false,
    };
    // Issued over the limit: the invoice waits held for its override.
    await orm().em.fork().execute(`UPDATE invoice SET status = 'held' WHERE id = ?`, [issued.id]);
    const handle = await kit.env.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', {
      workflowId,
      taskQueue,
      args: [
        {
          invoiceId: issued.id,
          customerId: customer.id,
          currency: 'EUR',
          totalAmount: issued.prepared.totals.total,
          dueDate: issued.prepared.dueDate,
          policy: { reminderBefore: 'P3D', overdueAfter: 'P0D', version: 'test-1' },
          creditHold,
        },
      ],
    });
    const task = await taskOf(workflowId, 'credit_override');
    expect(task.queue).toBe('credit');
    await kit.env.sleep('25 hours');
    await expectEscalated(task.id, MANAGER_QUEUE);
    await decide(workflowId, task.id, 'reject', { comment: 'over the limit, no exception' });
    expect(await handle.result()).toMatchObject({
      phase: 'closed',
      creditOverride: { outcome: 'reject', by: 'fiona' },
    });
  });
});

it('credit approval: a limit nobody approved within the approval SLA moves from the credit manager to the finance director', async () => {
  const customer = await insertCustomer(orm(), { legalName: 'Initech' });
  const application: CreditApplication = {
    requestedLimit: 5_000_000,
    currency: 'USD',
    financials: {
      yearsInBusiness: 15,
      currentAssets: 300_000_000,
      currentLiabilities: 100_000_000,
      operatingCashFlow: 60_000_000,
      totalAssets: 1_000_000_000,
      totalLiabilities: 200_000_000,
    },
    tradeReferences: [{ name: 'Globex', behaviour: 'early' }],
    industry: { risk: 'low' },
  };
  await kit.withWorker(async (taskQueue) => {
    const review = await orm()
      .em.fork()
      .transactional((tx) =>
        createReview(tx, {
          customerId: customer.id,
          trigger: 'application',
          reasons: ['application'],
          currency: 'USD',
          requestedLimit: application.requestedLimit,
          application,
          requestedBy: 'credit@example.com',
        }),
      );
    kit.endAfterTest(review.workflowId);
    const handle = await kit.env.client.workflow.start<typeof creditReviewWorkflow>('creditReviewWorkflow', {
      workflowId: review.workflowId,
      taskQueue,
      args: [
        {
          customerId: customer.id,
          seq: review.seq,
          trigger: 'application',
          reasons: ['application'],
          policy: DEFAULT_CREDIT_POLICY,
        },
      ],
    });
    const task = await taskOf(review.workflowId, 'credit_approval');
    expect(task.queue).toBe('credit-manager');
    await kit.env.sleep('49 hours');
    await expectEscalated(task.id, MANAGER_QUEUE);
    await decide(review.workflowId, task.id, 'reject', { comment: 'too little history with us' });
    expect(await handle.result()).toMatchObject({
      phase: 'decided',
      decision: { outcome: 'rejected', decidedBy: 'fiona' },
    });
  });
});

it('dispute acknowledgement: not acknowledged within 24 hours, it moves to the dispute managers', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { issued } = await invoiceToDispute(orm(), await now());
    const policy = testDisputePolicy({
      acknowledgement: { needsPerson: true, sla: 'PT24H', queue: 'disputes-intake' },
    });
    const { dispute, handle } = await openTestDispute(
      orm(),
      kit.env.client,
      taskQueue,
      { invoiceId: issued.id },
      policy,
    );
    kit.endAfterTest(workflowIds.dispute(dispute.id));
    const ack = await openTaskOf(orm(), dispute.id, 'dispute_acknowledgement', 20_000, kit.env.client);
    expect(ack.queue).toBe('disputes-intake');
    await kit.env.sleep('23 hours');
    expect(await escalations(ack.id)).toEqual([]);
    await kit.env.sleep('2 hours');
    await expectEscalated(ack.id, policy.managerQueue);
    await claimAndComplete(orm(), kit.env.client, dispute.id, ack.id, 'acknowledged', {}, 'manager-1');
    const resolution = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
    await claimAndComplete(orm(), kit.env.client, dispute.id, resolution.id, 'upheld', { rootCause }, 'manager-1');
    expect(await handle.result()).toMatchObject({ phase: 'closed', acknowledgedBy: 'manager-1' });
  });
});

it('unapplied cash research: still unapplied at the research deadline, the task moves to the finance director', async () => {
  const paymentId = randomUUID();
  const receivedAt = await now();
  const customer = await insertCustomer(orm(), { currency: 'USD' });
  const today = (await now()).toISOString().slice(0, 10);
  const invoice = await issueInvoiceDirectly(
    orm(),
    {
      customerId: customer.id,
      lines: [{ description: 'Support', quantity: 1, unitPrice: { amount: 4_200, currency: 'USD' } }],
    },
    today,
  );
  await insertPayment(orm().em.fork(), {
    id: paymentId,
    customerId: null,
    amount: 4_200,
    currency: 'USD',
    method: 'wire',
    receivedAt,
    reference: 'unknown payer',
    remittance: [],
    createdBy: 'test',
  });
  await kit.withWorker(async (taskQueue) => {
    const workflowId = workflowIds.payment(paymentId);
    kit.endAfterTest(workflowId);
    const policy = { ...DEFAULT_CASH_APPLICATION_POLICY, researchAfter: 'PT10S', researchSla: 'P3D' };
    const handle = await kit.env.client.workflow.start<typeof cashApplicationWorkflow>('cashApplicationWorkflow', {
      workflowId,
      taskQueue,
      args: [{ paymentId, receivedAt: receivedAt.toISOString(), policy }],
    });
    await kit.env.sleep('1 minute');
    const task = await taskOf(workflowId, 'unapplied_cash_research');
    expect(task.queue).toBe('cash-application');
    await kit.env.sleep('71 hours');
    expect(await escalations(task.id)).toEqual([]);
    await kit.env.sleep('2 hours');
    await expectEscalated(task.id, MANAGER_QUEUE);
    // The next re-check finds the money still unapplied and leaves the task where it is: escalated once.
    await kit.env.sleep('3 days');
    expect(await escalations(task.id)).toHaveLength(1);
    // The director finds the payer; applying the money closes the task.
    const outcome = await allocateRemaining(orm().em.fork(), {
      paymentId,
      lines: [{ invoiceId: invoice.id, amount: 4_200 }],
      actor: 'fiona',
      effectiveDate: today,
    });
    await handle.signal(paymentAllocatedSignal, { unappliedAmount: outcome.payment.unappliedAmount, by: 'fiona' });
    expect(await handle.result()).toMatchObject({ phase: 'done', unappliedAmount: 0 });
    expect((await tasksOf(workflowId)).map((t) => t.status)).toEqual(['completed']);
    await kit.recordHistory(handle, 'cash-application.json');
  });
});

it('collection (staging policy in seconds): a late letter and a late write-off proposal move to the finance director; a call logged in time stays', async () => {
  const policy: DunningPolicyBody = {
    ...DEFAULT_DUNNING_POLICY,
    name: 'Staging deadlines',
    levels: [
      {
        ...DEFAULT_DUNNING_POLICY.levels[0]!,
        trigger: { pastDueFor: 'PT1S', overdueAbove: null, match: 'any' },
        contactEvery: 'P7D',
        channels: ['email', 'letter'],
        actions: ['collector_task'],
        lateFee: null,
      },
    ],
    writeOff: { after: 'PT10S', sla: 'PT2M' },
    collectorTaskSla: 'PT1M',
  };
  const customer = await insertCustomer(orm(), { currency: 'EUR' });
  const code = `deadlines-${customer.id.slice(0, 8)}`;
  await putPolicyVersion(orm().em.fork(), code, policy, 'test');
  await setCustomerPolicy(orm().em.fork(), customer.id, code, 'test');
  const today = (await now()).toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(
    orm(),
    { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, -3) },
    addDays(today, -33),
  );
  await kit.withWorker(async (taskQueue) => {
    const collectionId = workflowIds.collection(customer.id);
    kit.endAfterTest(collectionId);
    kit.endAfterTest(workflowIds.invoice(issued.id));
    await kit.env.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', {
      workflowId: workflowIds.invoice(issued.id),
      taskQueue,
      args: [
        {
          invoiceId: issued.id,
          customerId: customer.id,
          currency: 'EUR',
          totalAmount: issued.prepared.totals.total,
          dueDate: issued.prepared.dueDate,
          policy: { reminderBefore: 'P3D', overdueAfter: 'P0D', version: 'test-1' },
        },
      ],
    });
    const call = await taskOf(collectionId, 'collection_call');
    const letter = await taskOf(collectionId, 'dunning_letter');
    const collection = kit.env.client.workflow.getHandle<typeof collectionWorkflow>(collectionId);
    await collection.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: call.id, outcome: 'contacted', data: {}, by: 'colin', byManager: false }],
    });
    await kit.env.sleep('70 seconds');
    await expectEscalated(letter.id, MANAGER_QUEUE);
    const writeOff = await taskOf(collectionId, 'write_off_proposal');
    expect(writeOff.queue).toBe('collections');
    await kit.env.sleep('3 minutes');
    await expectEscalated(writeOff.id, MANAGER_QUEUE);
    expect(await escalations(call.id)).toEqual([]);
    expect((await tasksOf(collectionId)).find((t) => t.id === call.id)).toMatchObject({
      status: 'completed',
      queue: 'collections',
      escalated_at: null,
    });
    // Approved where it was escalated to: the debt is written off and the collection ends.
    await collection.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: writeOff.id, outcome: 'approve', data: {}, by: 'fiona', byManager: false }],
    });
    expect(await collection.result()).toMatchObject({ phase: 'closed', overdueAmount: 0 });
  });
});
