// The cash-application workflow on the time-skipping server: a 48-hour research delay passes in well under a second of
// wall time, the research task is stored once, and it closes when the money is applied.
import { randomUUID } from 'node:crypto';
import { DEFAULT_CASH_APPLICATION_POLICY } from '../../src/payments/rules/cash-application-policy.js';
import { allocateRemaining } from '../../src/payments/store/allocate.js';
import { insertPayment } from '../../src/payments/store/receive.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type { cashApplicationWorkflow } from '../../workflows/payments/cash-application.js';
import { cashApplicationStateQuery, paymentAllocatedSignal } from '../../workflows/payments/messages.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { issueInvoiceDirectly } from '../support/invoices.js';
import { invoiceRow } from '../support/payments.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('cash');

const { withWorker } = kit;

const tasksOf = (paymentId: string) =>
  kit.real.db.orm.em
    .fork()
    .execute<
      { id: string; status: string; sla_due_at: Date; created_at: Date }[]
    >(`SELECT * FROM task WHERE subject_id = ?`, [paymentId]);

it('raises one research task after 48 hours of unapplied cash and closes it when the cash is applied', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'USD' });
  const invoice = await issueInvoiceDirectly(
    kit.real.db.orm,
    {
      customerId: customer.id,
      lines: [{ description: 'Support', quantity: 1, unitPrice: { amount: 2_500, currency: 'USD' } }],
    },
    '2026-11-01',
  );
  const paymentId = randomUUID();
  const receivedAt = new Date(await kit.env.currentTimeMs());
  await insertPayment(kit.real.db.orm.em.fork(), {
    id: paymentId,
    customerId: null,
    amount: 2_500,
    currency: 'USD',
    method: 'wire',
    receivedAt,
    reference: 'no clue',
    remittance: [],
    createdBy: 'test',
  });

  await withWorker(async (taskQueue) => {
    const handle = await kit.env.client.workflow.start<typeof cashApplicationWorkflow>('cashApplicationWorkflow', {
      workflowId: workflowIds.payment(paymentId),
      taskQueue,
      args: [{ paymentId, receivedAt: receivedAt.toISOString(), policy: DEFAULT_CASH_APPLICATION_POLICY }],
    });
    await eventually(async () =>
      (await handle.query(cashApplicationStateQuery)).phase === 'awaiting_application' ? true : undefined,
    );
    expect(await tasksOf(paymentId)).toEqual([]);

    const wallStart = performance.now();
    await kit.env.sleep('47 hours');
    expect(await tasksOf(paymentId)).toEqual([]);
    await kit.env.sleep('2 hours');
    const [task] = await eventually(async () => ((await tasksOf(paymentId)).length ? tasksOf(paymentId) : undefined));
    console.log(`48-hour research delay passed after ${Math.round(performance.now() - wallStart)} ms of wall time`);
    expect(task!.status).toBe('open');
    // SLA (P1D by default) runs from the task's creation.
    expect(new Date(task!.sla_due_at).getTime() - new Date(task!.created_at).getTime()).toBeGreaterThan(0);
    expect((await handle.query(cashApplicationStateQuery)).phase).toBe('research_open');

    const outcome = await allocateRemaining(kit.real.db.orm.em.fork(), {
      paymentId,
      lines: [{ invoiceId: invoice.id, amount: 2_500 }],
      actor: 'clerk@example.com',
      effectiveDate: '2026-11-20',
    });
    await handle.signal(paymentAllocatedSignal, {
      unappliedAmount: outcome.payment.unappliedAmount,
      by: 'clerk@example.com',
    });
    const final = await handle.result();
    expect(final).toMatchObject({ phase: 'done', unappliedAmount: 0, researchTaskId: task!.id });
    expect((await tasksOf(paymentId)).map((t) => t.status)).toEqual(['completed']);
    expect(await invoiceRow(kit.real.db.orm, invoice.id)).toEqual({ openAmount: 0, status: 'paid' });
  });
});

it('closes the research task from the database when the allocation signal was lost', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'USD' });
  const invoice = await issueInvoiceDirectly(
    kit.real.db.orm,
    {
      customerId: customer.id,
      lines: [{ description: 'Support', quantity: 1, unitPrice: { amount: 1_200, currency: 'USD' } }],
    },
    '2026-11-01',
  );
  const paymentId = randomUUID();
  const receivedAt = new Date(await kit.env.currentTimeMs());
  await insertPayment(kit.real.db.orm.em.fork(), {
    id: paymentId,
    customerId: customer.id,
    amount: 1_500,
    currency: 'USD',
    method: 'check',
    receivedAt,
    reference: 'n/a',
    remittance: [],
    createdBy: 'test',
  });
  await withWorker(async (taskQueue) => {
    const policy = {
      ...DEFAULT_CASH_APPLICATION_POLICY,
      match: { ...DEFAULT_CASH_APPLICATION_POLICY.match, oldestFirst: false },
    };
    const handle = await kit.env.client.workflow.start<typeof cashApplicationWorkflow>('cashApplicationWorkflow', {
      workflowId: workflowIds.payment(paymentId),
      taskQueue,
      args: [{ paymentId, receivedAt: receivedAt.toISOString(), policy }],
    });
    await kit.env.sleep('49 hours');
    await eventually(async () =>
      (await handle.query(cashApplicationStateQuery)).phase === 'research_open' ? true : undefined,
    );
    // Applied through the service, but the paymentAllocated signal never arrives.
    await allocateRemaining(kit.real.db.orm.em.fork(), {
      paymentId,
      lines: [{ invoiceId: invoice.id, amount: 1_200 }],
      actor: 'clerk',
      effectiveDate: '2026-11-20',
    });
    expect((await handle.query(cashApplicationStateQuery)).phase).toBe('research_open');
    // 300 of the 1,500 are still credit: the task stays open after the next re-check...
    await kit.env.sleep('25 hours');
    expect((await handle.query(cashApplicationStateQuery)).unappliedAmount).toBe(300);
    expect((await tasksOf(paymentId)).map((t) => t.status)).toEqual(['open']);
    // ...and closes at the re-check after the rest is applied too.
    const other = await issueInvoiceDirectly(
      kit.real.db.orm,
      {
        customerId: customer.id,
        lines: [{ description: 'More support', quantity: 1, unitPrice: { amount: 300, currency: 'USD' } }],
      },
      '2026-11-02',
    );
    await allocateRemaining(kit.real.db.orm.em.fork(), {
      paymentId,
      lines: [{ invoiceId: other.id, amount: 300 }],
      actor: 'clerk',
      effectiveDate: '2026-11-21',
    });
    await kit.env.sleep('25 hours');
    expect(await handle.result()).toMatchObject({ phase: 'done', unappliedAmount: 0 });
    expect((await tasksOf(paymentId)).map((t) => t.status)).toEqual(['completed']);
    // v1.json was recorded before the research re-check patch; v2 has the patch marker and the re-check loop.
  });
});

it('applies once and ends at once when nothing stays unapplied', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'USD' });
  const invoice = await issueInvoiceDirectly(
    kit.real.db.orm,
    {
      customerId: customer.id,
      lines: [{ description: 'Support', quantity: 1, unitPrice: { amount: 900, currency: 'USD' } }],
    },
    '2026-11-01',
  );
  const paymentId = randomUUID();
  const receivedAt = new Date(await kit.env.currentTimeMs());
  await insertPayment(kit.real.db.orm.em.fork(), {
    id: paymentId,
    customerId: customer.id,
    amount: 900,
    currency: 'USD',
    method: 'card',
    receivedAt,
    reference: '',
    remittance: [],
    createdBy: 'test',
  });
  await withWorker(async (taskQueue) => {
    const final = await kit.env.client.workflow.execute<typeof cashApplicationWorkflow>('cashApplicationWorkflow', {
      workflowId: workflowIds.payment(paymentId),
      taskQueue,
      args: [{ paymentId, receivedAt: receivedAt.toISOString(), policy: DEFAULT_CASH_APPLICATION_POLICY }],
    });
    expect(final).toMatchObject({ phase: 'done', unappliedAmount: 0, researchTaskId: null });
  });
  expect(await invoiceRow(kit.real.db.orm, invoice.id)).toEqual({ openAmount: 0, status: 'paid' });
  expect(await tasksOf(paymentId)).toEqual([]);
});

it('waits for a payment row its starter has not committed yet, and ends as rolled back once it clearly is', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'USD' });
  const late = randomUUID();
  const never = randomUUID();
  await withWorker(async (taskQueue) => {
    const receivedAt = new Date(await kit.env.currentTimeMs()).toISOString();
    const start = (paymentId: string) =>
      kit.env.client.workflow.start<typeof cashApplicationWorkflow>('cashApplicationWorkflow', {
        workflowId: workflowIds.payment(paymentId),
        taskQueue,
        args: [{ paymentId, receivedAt, policy: { ...DEFAULT_CASH_APPLICATION_POLICY, recordVisibleWithin: 'PT30S' } }],
      });
    const lateHandle = await start(late);
    const neverHandle = await start(never);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the first attempt finds no row
    await insertPayment(kit.real.db.orm.em.fork(), {
      id: late,
      customerId: customer.id,
      amount: 700,
      currency: 'USD',
      method: 'cash',
      receivedAt: new Date(),
      reference: '',
      remittance: [],
      createdBy: 'test',
    });
    const state = await eventually(async () => {
      const current = await lateHandle.query(cashApplicationStateQuery);
      return current.unappliedAmount !== null ? current : undefined;
    });
    expect(state.unappliedAmount).toBe(700); // applied: held as the customer's credit
    kit.endAfterTest(lateHandle.workflowId);
    // Never committed: nothing was accepted, so the workflow ends as rolled back rather than failing.
    expect(await neverHandle.result()).toMatchObject({ phase: 'done', recordMissing: true, unappliedAmount: null });
  });
});

it('refuses an invalid policy before doing anything', async () => {
  const paymentId = randomUUID();
  await withWorker(async (taskQueue) => {
    const run = kit.env.client.workflow.execute<typeof cashApplicationWorkflow>('cashApplicationWorkflow', {
      workflowId: workflowIds.payment(paymentId),
      taskQueue,
      args: [
        {
          paymentId,
          receivedAt: new Date().toISOString(),
          policy: { ...DEFAULT_CASH_APPLICATION_POLICY, researchAfter: '48 hours' },
        },
      ],
    });
    await expect(run).rejects.toMatchObject({ cause: expect.objectContaining({ type: 'InvalidPolicy' }) });
  });
});
