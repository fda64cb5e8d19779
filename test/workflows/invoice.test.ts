// The invoice workflow on the time-skipping server with real activities (cloned PostgreSQL, real SMTP): delivery,
// courtesy reminder and overdue flip on durable timers, settlement by balance signals, nothing sent twice.
import { notifyCollectionOfBalanceChange } from '../../src/collections/store/notify.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { checkLedger } from '../../src/ledger/store/reports.js';
import { readInvoice } from '../../src/invoices/store/read.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type { invoiceWorkflow } from '../../workflows/invoices/invoice.js';
import { invoiceBalanceChangedSignal, invoiceStateQuery } from '../../workflows/invoices/messages.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { commitPaymentDirectly, consultingLines, issueInvoiceDirectly } from '../support/invoices.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('invoice');

const { withWorker } = kit;

const policy = { reminderBefore: 'P3D', overdueAfter: 'P0D', version: 'test-1' };

async function issueAndStart(taskQueue: string, dueInDays: number) {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'EUR' });
  kit.endAfterTest(workflowIds.collection(customer.id)); // an overdue invoice starts the customer's collection
  const today = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
  const issued = await issueInvoiceDirectly(
    kit.real.db.orm,
    { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, dueInDays) },
    today,
  );
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
  return { customer, issued, handle, today };
}

/** What the payments side does: post Dr cash / Cr AR and lower the invoice in one transaction, then signal. */
async function pay(invoiceId: string, customerId: string, amount: number, key: string) {
  const effectiveDate = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
  const applied = await commitPaymentDirectly(kit.real.db.orm, {
    invoiceId,
    customerId,
    amount,
    currency: 'EUR',
    key,
    effectiveDate,
  });
  await kit.env.client.workflow
    .getHandle(workflowIds.invoice(invoiceId))
    .signal(invoiceBalanceChangedSignal, applied.signal);
  // The customer's collection (started when the invoice turned overdue) re-reads and ends once nothing is overdue.
  await notifyCollectionOfBalanceChange(kit.env.client, [customerId], { reason: 'payment', source: key });
  return applied;
}

const row = (id: string) => readInvoice(kit.real.db.orm.em.fork(), id);

it('delivers, reminds 3 days before the due date, flips to overdue after it, and closes as paid on the second payment', async () => {
  await withWorker(async (taskQueue) => {
    const { customer, issued, handle } = await issueAndStart(taskQueue, 30);
    const delivery = await kit.real.mail.waitFor(
      (m) => m.to.includes(customer.email) && m.subject.includes(issued.number),
    );
    expect(delivery.subject).toBe(
      `Invoice ${issued.number} from Example Corp: EUR 1,481.50 due ${issued.prepared.dueDate}`,
    );
    expect(delivery.text).toContain('Consulting, November: 10 x EUR 120.00 (tax 19 %) = EUR 1,200.00');
    expect(delivery.text).toContain('Total:    EUR 1,481.50');
    expect(delivery.html).toContain(`http://localhost:3000/portal/invoices/${issued.id}`);
    expect(delivery.attachments).toEqual([
      expect.objectContaining({ filename: `${issued.number}.html`, contentType: 'text/html' }),
      expect.objectContaining({ filename: `${issued.number}.pdf`, contentType: 'application/pdf' }),
    ]);
    expect(delivery.attachments[1]!.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(delivery.attachments[0]!.content.toString('utf8')).toContain(`Invoice ${issued.number}`);
    const sent = await eventually(async () => {
      const s = await handle.query(invoiceStateQuery);
      return s.phase === 'remind' ? s : undefined;
    });
    expect(sent).toMatchObject({ status: 'sent', reminderSkipped: false, policyVersion: 'test-1' });
    expect((await row(issued.id))?.status).toBe('sent');

    await kit.env.sleep('27 days'); // to the reminder instant (due date - P3D, start of day)
    const reminder = await kit.real.mail.waitFor(
      (m) => m.to.includes(customer.email) && m.subject.startsWith('Reminder'),
    );
    expect(reminder.subject).toBe(`Reminder: invoice ${issued.number} is due on ${issued.prepared.dueDate}`);
    expect(reminder.text).toContain('The amount still open is EUR 1,481.50');
    await eventually(async () => ((await row(issued.id))?.status === 'due' ? true : undefined));

    const half = await pay(issued.id, customer.id, 50_000, 'payment-a:alloc');
    expect(half).toMatchObject({ openAmount: 98_150, status: 'partially_paid' });
    await kit.env.sleep('5 days'); // past the due date
    const overdue = await eventually(async () => {
      const s = await handle.query(invoiceStateQuery);
      return s.phase === 'watch' ? s : undefined;
    });
    expect(overdue).toMatchObject({
      status: 'overdue',
      openAmount: 98_150,
      overdueSince: addDays(issued.prepared.dueDate, 1),
    });
    expect(await row(issued.id)).toMatchObject({
      status: 'overdue',
      overdueSince: addDays(issued.prepared.dueDate, 1),
      openAmount: 98_150,
    });

    await pay(issued.id, customer.id, 98_150, 'payment-b:alloc');
    const final = await handle.result();
    expect(final).toMatchObject({ phase: 'closed', status: 'paid', openAmount: 0 });
    expect(final.balanceEvents.map((e) => e.source)).toEqual(['payment:payment-a:alloc', 'payment:payment-b:alloc']);
    // The collection the overdue invoice started ends by itself once nothing is overdue.
    await kit.env.client.workflow.getHandle(workflowIds.collection(customer.id)).result();
    expect(await row(issued.id)).toMatchObject({ status: 'paid', openAmount: 0 });
    // One delivery and one reminder, however many timers and retries ran.
    expect(
      kit.real.mail.messages.filter((m) => m.to.includes(customer.email)).map((m) => m.subject.split(' ')[0]),
    ).toEqual(['Invoice', 'Reminder:']);
    expect((await checkLedger(kit.real.db.orm.em.fork())).ok).toBe(true);

    await kit.recordHistory(handle, 'invoice.json');
  });
});

it('sends no reminder and never goes overdue when paid in full before the reminder', async () => {
  await withWorker(async (taskQueue) => {
    const { customer, issued, handle } = await issueAndStart(taskQueue, 30);
    await kit.real.mail.waitFor((m) => m.to.includes(customer.email));
    await eventually(async () => ((await handle.query(invoiceStateQuery)).phase === 'remind' ? true : undefined));
    await pay(issued.id, customer.id, issued.prepared.totals.total, 'payment-c:alloc');
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'paid', remindedAt: null, overdueSince: null });
    await kit.env.sleep('40 days');
    expect(kit.real.mail.messages.filter((m) => m.to.includes(customer.email))).toHaveLength(1);
    expect(await row(issued.id)).toMatchObject({ status: 'paid', overdueSince: null });
  });
});

it('skips the courtesy reminder when the invoice is issued inside the reminder window', async () => {
  await withWorker(async (taskQueue) => {
    const { customer, issued, handle } = await issueAndStart(taskQueue, 1);
    await kit.real.mail.waitFor((m) => m.to.includes(customer.email));
    const state = await eventually(async () => {
      const s = await handle.query(invoiceStateQuery);
      return s.phase === 'overdue' ? s : undefined;
    });
    expect(state.reminderSkipped).toBe(true);
    await kit.env.sleep('3 days');
    await eventually(async () => ((await handle.query(invoiceStateQuery)).phase === 'watch' ? true : undefined));
    expect(await row(issued.id)).toMatchObject({ status: 'overdue' });
    expect(kit.real.mail.messages.filter((m) => m.to.includes(customer.email))).toHaveLength(1);
    await pay(issued.id, customer.id, issued.prepared.totals.total, 'payment-d:alloc');
    expect(await handle.result()).toMatchObject({ status: 'paid' });
    // The collection the overdue invoice started ends by itself once nothing is overdue.
    expect(await kit.env.client.workflow.getHandle(workflowIds.collection(customer.id)).result()).toMatchObject({
      phase: 'closed',
      overdueAmount: 0,
    });
  });
});

it('records when it was sent even when a part payment arrived before the e-mail went out', async () => {
  await withWorker(async (taskQueue) => {
    const customer = await insertCustomer(kit.real.db.orm, { currency: 'EUR' });
    const today = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
    const issued = await issueInvoiceDirectly(
      kit.real.db.orm,
      { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, 30) },
      today,
    );
    await commitPaymentDirectly(kit.real.db.orm, {
      invoiceId: issued.id,
      customerId: customer.id,
      amount: 10_000,
      currency: 'EUR',
      key: 'payment-early',
      effectiveDate: today,
    });
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
    const sent = await eventually(async () => {
      const r = await row(issued.id);
      return r?.sentAt ? r : undefined;
    });
    expect(sent).toMatchObject({ status: 'partially_paid', openAmount: issued.prepared.totals.total - 10_000 });
  });
});

it('closes an overdue invoice paid without a signal (lost with its sender) at the next reconcile of its row', async () => {
  await withWorker(async (taskQueue) => {
    const customer = await insertCustomer(kit.real.db.orm, { currency: 'EUR' });
    kit.endAfterTest(workflowIds.collection(customer.id));
    const today = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
    const issued = await issueInvoiceDirectly(
      kit.real.db.orm,
      { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, 1) },
      today,
    );
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
          policy: { ...policy, reconcileEvery: 'P1D' },
        },
      ],
    });
    await kit.env.sleep('3 days');
    await eventually(async () => ((await handle.query(invoiceStateQuery)).phase === 'watch' ? true : undefined));
    // The payment commits, but the process that was to signal the workflow dies first.
    const effectiveDate = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
    await commitPaymentDirectly(kit.real.db.orm, {
      invoiceId: issued.id,
      customerId: customer.id,
      amount: issued.prepared.totals.total,
      currency: 'EUR',
      key: 'payment-lost-signal',
      effectiveDate,
    });
    expect(await handle.result()).toMatchObject({ phase: 'closed', status: 'paid', openAmount: 0 });
  });
});

it('closes by itself when its invoice was never committed (the issuing transaction rolled back after the start)', async () => {
  await withWorker(async (taskQueue) => {
    const customer = await insertCustomer(kit.real.db.orm);
    const invoiceId = '00000000-0000-4000-8000-00000000beef';
    const handle = await kit.env.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', {
      workflowId: workflowIds.invoice(invoiceId),
      taskQueue,
      args: [{ invoiceId, customerId: customer.id, currency: 'USD', totalAmount: 100, dueDate: '2030-01-01', policy }],
    });
    expect(await handle.result()).toMatchObject({ phase: 'closed', recordMissing: true, deliveredAt: null });
    expect(kit.real.mail.messages.filter((m) => m.to.includes(customer.email))).toHaveLength(0);
  });
});
