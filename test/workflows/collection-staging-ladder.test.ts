// A staging ladder whose every step is shorter than a day counts its steps from the moment the invoice was handed to
// collections, so an invoice that is days past due still walks reminder, demand, legal one after another; a ladder
// with day-scale steps keeps counting from the due date (the age the worklist, the letters and aging show).
import { jest } from '@jest/globals';
import { putPolicyVersion, setCustomerPolicy } from '../../src/collections/store/policies.js';
import { DEFAULT_DUNNING_POLICY, type DunningPolicyBody } from '../../src/collections/rules/dunning-policy.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { collectionStateQuery, type CollectionView } from '../../workflows/collections/messages.js';
import type { collectionWorkflow } from '../../workflows/collections/collection.js';
import type { invoiceWorkflow } from '../../workflows/invoices/invoice.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { consultingLines, issueInvoiceDirectly } from '../support/invoices.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('staging-ladder');
jest.setTimeout(300_000);
const invoicePolicy = { reminderBefore: 'P3D', overdueAfter: 'P0D', version: 'test-1' };

const ladder = (triggers: [string, string, string]): DunningPolicyBody => ({
  ...DEFAULT_DUNNING_POLICY,
  name: 'Staging ladder',
  levels: [
    {
      ...DEFAULT_DUNNING_POLICY.levels[0]!,
      trigger: { pastDueFor: triggers[0], overdueAbove: null, match: 'any' },
      contactEvery: 'PT1H',
    },
    {
      ...DEFAULT_DUNNING_POLICY.levels[1]!,
      trigger: { pastDueFor: triggers[1], overdueAbove: null, match: 'any' },
      contactEvery: 'PT1H',
      actions: [],
      lateFee: null,
    },
    {
      ...DEFAULT_DUNNING_POLICY.levels[3]!,
      trigger: { pastDueFor: triggers[2], overdueAbove: null, match: 'any' },
      contactEvery: 'PT1H',
      actions: [],
      lateFee: null,
    },
  ],
  writeOff: { after: 'P30D', sla: 'P5D' },
});

/** A customer on `policy` with one invoice due three days ago; its workflow flips it overdue and starts the collection. */
async function overdueOnLadder(taskQueue: string, policy: DunningPolicyBody) {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'EUR' });
  const code = `staging-${customer.id.slice(0, 8)}`;
  const em = kit.real.db.orm.em.fork();
  await putPolicyVersion(em, code, policy, 'test');
  await setCustomerPolicy(em, customer.id, code, 'test');
  kit.endAfterTest(workflowIds.collection(customer.id));
  const today = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(
    kit.real.db.orm,
    { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, -3) },
    addDays(today, -33),
  );
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
        policy: invoicePolicy,
      },
    ],
  });
  kit.endAfterTest(workflowIds.invoice(issued.id));
  return kit.env.client.workflow.getHandle<typeof collectionWorkflow>(workflowIds.collection(customer.id));
}

const levelOf = async (collection: { query: (q: typeof collectionStateQuery) => Promise<CollectionView> }) =>
  eventually(async () => {
    const s = await collection.query(collectionStateQuery).catch(() => undefined);
    return s && s.levelName !== null ? s : undefined;
  }, 30_000);

const escalations = (s: CollectionView) =>
  s.history.filter((h) => h.kind === 'escalated').map((h) => h.detail.split(' (')[0]);

it('walks a seconds-scale ladder step by step for an invoice already days past due', async () => {
  await kit.withWorker(async (taskQueue) => {
    const collection = await overdueOnLadder(taskQueue, ladder(['PT2S', 'PT20S', 'PT40S']));
    const first = await levelOf(collection);
    expect(first.levelName).toBe('reminder');
    // The worklist and the letters keep the true age: from the due date, three days ago.
    expect((await kit.env.currentTimeMs()) - Date.parse(first.overdueInvoices[0]!.overdueAt)).toBeGreaterThan(
      2 * 86_400_000,
    );
    await kit.env.sleep('25 seconds');
    expect((await collection.query(collectionStateQuery)).levelName).toBe('demand');
    await kit.env.sleep('20 seconds');
    const last = await collection.query(collectionStateQuery);
    expect(last.levelName).toBe('legal');
    expect(escalations(last)).toEqual(['none -> reminder', 'reminder -> demand', 'demand -> legal']);
  });
});

it('keeps a day-scale ladder on the due date: an invoice three days past due enters the level that age calls for', async () => {
  await kit.withWorker(async (taskQueue) => {
    const collection = await overdueOnLadder(taskQueue, ladder(['PT2S', 'P2D', 'P10D']));
    const state = await levelOf(collection);
    expect(state.levelName).toBe('demand');
    expect(escalations(state)).toEqual(['none -> demand']);
  });
});
