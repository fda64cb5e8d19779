// The account workflow's credit watch: after a decision, the periodic review fires on a durable timer at the date
// the risk class sets (a year for low risk, in time-skipping time), and a broken promise reported by collections
// starts an early review at once.
import type { Orm } from '../../src/db/orm.js';
import { createReview, listReviews, type CreditApplication } from '../../src/credit/store/reviews.js';
import { findCustomer } from '../../src/customers/store/customers.js';
import { DEFAULT_CREDIT_POLICY } from '../../src/credit/rules/credit-policy.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type { creditReviewWorkflow } from '../../workflows/credit/credit-review.js';
import type { customerAccountWorkflow } from '../../workflows/customers/customer-account.js';
import { accountStateQuery, refreshAccountSignal } from '../../workflows/customers/messages.js';
import { insertCustomer } from '../support/customers.js';
import { registerSearchAttributes } from '../support/disputes.js';
import { eventually } from '../support/engine.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('account-credit');
// Reviews started by the account workflow carry the engine's search attributes.
beforeAll(() => registerSearchAttributes(kit.env));
const policy = DEFAULT_CREDIT_POLICY;
const SLOW_MACHINE_MS = 90_000;

/** Low risk, 8,000.00 requested: approved automatically, next review in a year. */
const application: CreditApplication = {
  requestedLimit: 800_000,
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

async function startAccount(customerId: string, taskQueue: string) {
  return kit.env.client.workflow.start<typeof customerAccountWorkflow>('customerAccountWorkflow', {
    workflowId: workflowIds.customerAccount(customerId),
    taskQueue,
    args: [{ customerId, currency: 'USD', policy: { refreshEvery: 'P30D', credit: policy } }],
  });
}

async function decideApplication(orm: Orm, customerId: string, taskQueue: string) {
  const review = await orm.em.fork().transactional((tx) =>
    createReview(tx, {
      customerId,
      trigger: 'application',
      reasons: ['application'],
      currency: 'USD',
      requestedLimit: 800_000,
      application,
      requestedBy: 'credit@example.com',
    }),
  );
  const handle = await kit.env.client.workflow.start<typeof creditReviewWorkflow>('creditReviewWorkflow', {
    workflowId: review.workflowId,
    taskQueue,
    args: [{ customerId, seq: review.seq, trigger: 'application', reasons: ['application'], policy }],
  });
  return handle.result();
}

const reviewNumber = (orm: Orm, customerId: string, seq: number) =>
  eventually(
    async () => (await listReviews(orm.em.fork(), customerId, 10)).find((r) => r.seq === seq && r.status === 'decided'),
    SLOW_MACHINE_MS,
  );

it('fires the annual review of a low-risk customer on the timer, a year after the decision', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { legalName: 'Umbrella Corp' });
  await kit.withWorker(async (taskQueue) => {
    const account = await startAccount(customer.id, taskQueue);
    const first = await decideApplication(kit.real.db.orm, customer.id, taskQueue);
    expect(first.scorecard!.riskClass).toBe('low');
    const nextReviewDate = first.decision!.nextReviewDate;
    const decidedOn = first.scorecard!.inputs.asOf;
    expect(nextReviewDate).toBe(`${Number(decidedOn.slice(0, 4)) + 1}${decidedOn.slice(4)}`);
    // The decision reached the account workflow (signal after the commit).
    await eventually(
      async () =>
        (await account.query(accountStateQuery)).credit?.nextReviewDate === nextReviewDate ? true : undefined,
      SLOW_MACHINE_MS,
    );

    // Half a year later nothing has happened; past the review date the periodic review runs and decides again.
    await kit.env.sleep('180 days');
    expect((await listReviews(kit.real.db.orm.em.fork(), customer.id, 10)).map((r) => r.seq)).toEqual([1]);
    await kit.env.sleep('190 days');
    const periodic = await reviewNumber(kit.real.db.orm, customer.id, 2);
    expect(periodic).toMatchObject({
      trigger: 'periodic',
      reasons: ['periodic'],
      requestedLimit: 800_000,
      outcome: 'approved',
      approver: 'auto',
    });
    // It scored with the figures of the last application, and the next review moved a year on.
    expect(periodic.scorecard!.inputs.financials).toEqual(application.financials);
    expect(periodic.nextReviewDate! > nextReviewDate).toBe(true);
    const state = await eventually(async () => {
      const s = await account.query(accountStateQuery);
      return s.credit?.lastReviewId === periodic.workflowId ? s : undefined;
    }, SLOW_MACHINE_MS);
    expect(state.credit).toMatchObject({
      reviewInFlight: null,
      nextReviewDate: periodic.nextReviewDate,
      riskClass: 'low',
    });
    await kit.recordHistory(account, 'customer-account.json');
  });
});

it('starts an early review when collections reports a broken promise', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { legalName: 'Cyberdyne Systems' });
  await kit.withWorker(async (taskQueue) => {
    const account = await startAccount(customer.id, taskQueue);
    await decideApplication(kit.real.db.orm, customer.id, taskQueue);
    await eventually(
      async () => ((await account.query(accountStateQuery)).credit?.lastReviewId ? true : undefined),
      SLOW_MACHINE_MS,
    );

    // A routine refresh starts nothing.
    await account.signal(refreshAccountSignal, { reason: 'payment_applied' });
    await eventually(
      async () => ((await account.query(accountStateQuery)).refreshCount >= 1 ? true : undefined),
      SLOW_MACHINE_MS,
    );
    expect((await listReviews(kit.real.db.orm.em.fork(), customer.id, 10)).map((r) => r.seq)).toEqual([1]);

    await account.signal(refreshAccountSignal, { reason: 'promise_broken' });
    const early = await reviewNumber(kit.real.db.orm, customer.id, 2);
    expect(early).toMatchObject({
      trigger: 'early',
      reasons: ['promise_broken'],
      requestedBy: workflowIds.customerAccount(customer.id),
    });
    expect((await findCustomer(kit.real.db.orm.em.fork(), customer.id))!.creditLimit).not.toBeNull();
    const reviews = await listReviews(kit.real.db.orm.em.fork(), customer.id, 10);
    expect(reviews.map((r) => r.seq)).toEqual([2, 1]);
  });
});
