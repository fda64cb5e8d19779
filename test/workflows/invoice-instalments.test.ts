// An invoice payable in instalments is overdue as soon as an instalment the payments have not covered passes its
// due day, not only after the last (the invoice's own) due date: the workflow's overdue step, which hands the invoice to
// collections, waits for the earliest unpaid instalment, and moves on to the next one when a payment covers it first.
import { addDays } from '../../src/shared/calendar-date.js';
import { readInvoice } from '../../src/invoices/store/read.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type { invoiceWorkflow } from '../../workflows/invoices/invoice.js';
import { invoiceBalanceChangedSignal, invoiceStateQuery } from '../../workflows/invoices/messages.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { commitPaymentDirectly, consultingLines, issueInvoiceDirectly } from '../support/invoices.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('invoice-instalments');
const policy = { reminderBefore: 'P3D', overdueAfter: 'P0D', version: 'test-1' };

async function issueInThirds(taskQueue: string) {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'EUR' });
  kit.endAfterTest(workflowIds.collection(customer.id));
  const today = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(
    kit.real.db.orm,
    { customerId: customer.id, lines: consultingLines('EUR'), terms: 'THIRDS_30_60_90' },
    today,
  );
  const instalments = issued.prepared.schedule.instalments.map((i) => i.dueDate);
  expect(instalments).toEqual([addDays(today, 30), addDays(today, 60), addDays(today, 90)]);
  expect(issued.prepared.dueDate).toBe(addDays(today, 90));
  const handle = await kit.env.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', {
    workflowId: workflowIds.invoice(issued.id),
    taskQueue,
    args: [
      {
        invoiceId: issued.id,
        customerId: customer.id,
        currency: 'EUR',
        totalAmount: issued.prepared.totals.total,
        dueDate: issued.prepared.dueDate,
        policy,
      },
    ],
  });
  kit.endAfterTest(handle.workflowId);
  await kit.real.mail.waitFor((m) => m.to.includes(customer.email) && m.subject.includes(issued.number));
  return { customer, issued, handle, instalments, today };
}

const row = (id: string) => readInvoice(kit.real.db.orm.em.fork(), id);
const phaseOf = async (handle: { query: (q: typeof invoiceStateQuery) => Promise<{ phase: string }> }) =>
  (await handle.query(invoiceStateQuery)).phase;

it('turns overdue and reaches collections the day after its first unpaid instalment, not after its last due date', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, issued, handle, instalments } = await issueInThirds(taskQueue);
    await kit.env.sleep('32 days'); // past the first instalment (day 30), two months before the invoice's own due date
    const state = await eventually(async () => {
      const s = await handle.query(invoiceStateQuery);
      return s.phase === 'watch' ? s : undefined;
    });
    expect(state).toMatchObject({ status: 'overdue', overdueSince: addDays(instalments[0]!, 1) });
    expect(await row(issued.id)).toMatchObject({ status: 'overdue' });
    // The hand-off happened: the customer's collection runs.
    const collection = await kit.env.client.workflow.getHandle(workflowIds.collection(customer.id)).describe();
    expect(collection.status.name).toBe('RUNNING');
  });
});

it('a first instalment paid on time moves the overdue moment to the second one', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, issued, handle, instalments } = await issueInThirds(taskQueue);
    await kit.env.sleep('10 days');
    const first = issued.prepared.schedule.instalments[0]!.amount.amount;
    const effectiveDate = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
    const applied = await commitPaymentDirectly(kit.real.db.orm, {
      invoiceId: issued.id,
      customerId: customer.id,
      amount: first,
      currency: 'EUR',
      key: 'instalment-1',
      effectiveDate,
    });
    await handle.signal(invoiceBalanceChangedSignal, applied.signal);
    await kit.env.sleep('25 days'); // day 35: the first instalment's day has passed, but it is paid
    await eventually(async () => ((await phaseOf(handle)) === 'overdue' ? true : undefined));
    expect((await row(issued.id))?.status).not.toBe('overdue');
    await kit.env.sleep('27 days'); // day 62: the second instalment is past due
    const state = await eventually(async () => {
      const s = await handle.query(invoiceStateQuery);
      return s.phase === 'watch' ? s : undefined;
    });
    expect(state).toMatchObject({ status: 'overdue', overdueSince: addDays(instalments[1]!, 1) });
  });
});
