// The credit review workflow end to end against the real database: inputs gathered (bureau pulled once, reused within
// six months), the scorecard stored with every line, the authority matrix routing the recommended limit (auto,
// credit manager, finance director) with the approver held to their authority, and the decision on the customer.
import type { Orm } from '../../src/db/orm.js';
import { listHistory } from '../../src/customers/store/history.js';
import { findReview, createReview, type CreditApplication } from '../../src/credit/store/reviews.js';
import { findCustomer } from '../../src/customers/store/customers.js';
import { DEFAULT_CREDIT_POLICY } from '../../src/credit/rules/credit-policy.js';
import { findTask } from '../../src/tasks/store/tasks.js';
import type { creditReviewWorkflow } from '../../workflows/credit/credit-review.js';
import { creditReviewStateQuery } from '../../workflows/credit/messages.js';
import { completeTaskUpdate } from '../../workflows/tasks/messages.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('credit-review');
const policy = DEFAULT_CREDIT_POLICY;

/** Strong figures: low risk (weighted score well above 10.00). */
const strong = (requestedLimit: number): CreditApplication => ({
  requestedLimit,
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
});

async function openReview(orm: Orm, customerId: string, application: CreditApplication, taskQueue: string) {
  const review = await orm.em.fork().transactional((tx) =>
    createReview(tx, {
      customerId,
      trigger: 'application',
      reasons: ['application'],
      currency: 'USD',
      requestedLimit: application.requestedLimit,
      application,
      requestedBy: 'credit@example.com',
    }),
  );
  const handle = await kit.env.client.workflow.start<typeof creditReviewWorkflow>('creditReviewWorkflow', {
    workflowId: review.workflowId,
    taskQueue,
    args: [{ customerId, seq: review.seq, trigger: 'application', reasons: ['application'], policy }],
  });
  return { handle, review };
}

const taskOf = (workflowId: string) =>
  eventually(async () => {
    const [row] = await kit.real.db.orm.em
      .fork()
      .execute<{ id: string }[]>('SELECT id FROM task WHERE workflow_id = ?', [workflowId]);
    return row?.id;
  }, 60_000);

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error & { cause?: { type?: string; details?: unknown[] } }) => error,
  );

it('routes a 50,000 limit to a credit manager, holds the approver to that authority, and records the decision on the customer', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { legalName: 'Globex Corporation' });
  await kit.withWorker(async (taskQueue) => {
    const { handle, review } = await openReview(kit.real.db.orm, customer.id, strong(5_000_000), taskQueue);
    expect(review.workflowId).toBe(`credit-review-${customer.id}-1`);
    const taskId = await taskOf(review.workflowId);
    const task = (await findTask(kit.real.db.orm.em.fork(), taskId))!;
    expect(task).toMatchObject({
      type: 'credit_approval',
      queue: 'credit-manager',
      subjectType: 'customer',
      subjectId: customer.id,
    });
    expect(task.payload).toMatchObject({
      approver: 'credit_manager',
      maxAmount: 5_000_000,
      recommended: { amount: 5_000_000, currency: 'USD' },
      riskClass: 'low',
    });
    const state = await handle.query(creditReviewStateQuery);
    expect(state).toMatchObject({ phase: 'awaiting_approval', approver: 'credit_manager', taskId });

    const complete = (outcome: string, data: Record<string, unknown> = {}, comment?: string) =>
      handle.executeUpdate(completeTaskUpdate, {
        args: [
          { taskId, outcome, data, by: 'maria@credit.example', byManager: false, ...(comment ? { comment } : {}) },
        ],
      });
    const tooHigh = await failureOf(complete('approve', { limit: 5_000_001 }));
    expect(tooHigh?.cause?.type).toBe('TaskCompletionInvalid');
    expect(tooHigh?.cause?.details?.[0]).toEqual([
      {
        pointer: '/data/limit',
        detail: 'exceeds the credit_manager authority of 5000000; a higher approver must decide',
      },
    ]);
    await complete('approve', { limit: 4_000_000 }, 'start a little lower');

    const result = await handle.result();
    expect(result).toMatchObject({
      phase: 'decided',
      decision: {
        outcome: 'approved',
        limit: 4_000_000,
        decidedBy: 'maria@credit.example',
        comment: 'start a little lower',
      },
    });
    await kit.recordHistory(handle, 'credit-review.json');

    const em = kit.real.db.orm.em.fork();
    const stored = (await findCustomer(em, customer.id))!;
    expect(stored.creditLimit).toEqual({ amount: 4_000_000, currency: 'USD' });
    expect(stored.riskSegment).toBe('low');
    const [row] = await em.execute<{ credit_decision: Record<string, unknown> }[]>(
      'SELECT credit_decision FROM customer WHERE id = ?',
      [customer.id],
    );
    expect(row!.credit_decision).toMatchObject({
      reviewId: review.workflowId,
      outcome: 'approved',
      limit: 4_000_000,
      previousLimit: null,
      approver: 'credit_manager',
      decidedBy: 'maria@credit.example',
    });
    const history = await listHistory(em, customer.id, 10);
    expect(history.find((h) => h.field === 'creditLimit')).toMatchObject({
      actor: 'maria@credit.example',
      old: null,
      new: { amount: 4_000_000, currency: 'USD' },
      requestId: review.workflowId,
    });

    const view = (await findReview(em, review.workflowId))!;
    expect(view).toMatchObject({
      status: 'decided',
      outcome: 'approved',
      approver: 'credit_manager',
      approvedLimit: 4_000_000,
      recommendedLimit: 5_000_000,
      riskClass: 'low',
      policyVersion: policy.version,
    });
    expect(view.scorecard!.lines.map((l) => [l.ruleId, l.points, l.weight])).toContainEqual([
      'years-in-business',
      10,
      30,
    ]);
    expect(view.bureau).toMatchObject({ provider: 'builtin', source: 'bureau', reused: false });
    const events = await em.execute<{ type: string; actor: string }[]>(
      `SELECT type, actor FROM domain_event WHERE entity_id = ? ORDER BY position`,
      [review.workflowId],
    );
    expect(events).toEqual([{ type: 'credit.decided', actor: 'maria@credit.example' }]);
  });
});

it('approves up to 10,000 automatically, reuses the bureau report within six months, and sends more than 50,000 to the finance director', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { legalName: 'Soylent Corp' });
  await kit.withWorker(async (taskQueue) => {
    const small = await openReview(kit.real.db.orm, customer.id, strong(800_000), taskQueue);
    expect(await small.handle.result()).toMatchObject({
      approver: 'auto',
      decision: { outcome: 'approved', limit: 800_000, decidedBy: `policy:${policy.version}` },
    });
    const em = kit.real.db.orm.em.fork();
    expect((await findCustomer(em, customer.id))!.creditLimit).toEqual({ amount: 800_000, currency: 'USD' });
    const [noTask] = await em.execute<{ n: string }[]>('SELECT count(*) AS n FROM task WHERE workflow_id = ?', [
      small.review.workflowId,
    ]);
    expect(Number(noTask!.n)).toBe(0);

    const large = await openReview(kit.real.db.orm, customer.id, strong(20_000_000), taskQueue);
    expect(large.review.seq).toBe(2);
    const taskId = await taskOf(large.review.workflowId);
    expect((await findTask(kit.real.db.orm.em.fork(), taskId))!).toMatchObject({
      type: 'credit_approval',
      queue: 'finance-director',
    });
    const firstPull = (await findReview(kit.real.db.orm.em.fork(), small.review.workflowId))!.bureau!;
    // The score is stored right after the approval task opens.
    const secondPull = await eventually(
      async () => (await findReview(kit.real.db.orm.em.fork(), large.review.workflowId))!.bureau ?? undefined,
    );
    expect(secondPull).toMatchObject({ reused: true, reference: firstPull.reference, score: firstPull.score });
    const [pulls] = await kit.real.db.orm.em
      .fork()
      .execute<{ n: string }[]>('SELECT count(*) AS n FROM credit_bureau_report WHERE customer_id = ?', [customer.id]);
    expect(Number(pulls!.n)).toBe(1);

    const noReason = await failureOf(
      large.handle.executeUpdate(completeTaskUpdate, {
        args: [{ taskId, outcome: 'reject', data: {}, by: 'fd@example.com', byManager: true }],
      }),
    );
    expect(noReason?.cause?.details?.[0]).toEqual([
      { pointer: '/comment', detail: 'a rejection needs a reason (comment or data.reason)' },
    ]);
    await large.handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId,
          outcome: 'reject',
          data: {},
          by: 'fd@example.com',
          byManager: true,
          comment: 'exposure too concentrated',
        },
      ],
    });
    expect(await large.handle.result()).toMatchObject({
      approver: 'finance_director',
      decision: { outcome: 'rejected', decidedBy: 'fd@example.com' },
    });
    const after = (await findCustomer(kit.real.db.orm.em.fork(), customer.id))!;
    expect(after.creditLimit).toEqual({ amount: 800_000, currency: 'USD' });
    expect((await findReview(kit.real.db.orm.em.fork(), large.review.workflowId))!).toMatchObject({
      outcome: 'rejected',
      approvedLimit: null,
      previousLimit: 800_000,
      decisionComment: 'exposure too concentrated',
    });
  });
});
