import { Customer } from '../../src/db/entities/customer.js';
import { OutboundMessage } from '../../src/db/entities/outbound-message.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type { customerAccountWorkflow } from '../../workflows/customers/customer-account.js';
import { accountStateQuery, closeAccountSignal, refreshAccountSignal } from '../../workflows/customers/messages.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('account');

const { withWorker } = kit;

async function startAccount(taskQueue: string, customer: Customer, refreshEvery: string) {
  return kit.env.client.workflow.start<typeof customerAccountWorkflow>('customerAccountWorkflow', {
    workflowId: workflowIds.customerAccount(customer.id),
    taskQueue,
    args: [{ customerId: customer.id, currency: customer.currency, policy: { refreshEvery } }],
  });
}

it('sends the account-opened notice once and fires a 30-day refresh timer in well under a second of wall time', async () => {
  const customer = await insertCustomer(kit.real.db.orm);
  await withWorker(async (taskQueue) => {
    const handle = await startAccount(taskQueue, customer, 'P30D');
    await kit.real.mail.waitFor((m) => m.to.includes(customer.email));
    expect((await handle.query(accountStateQuery)).refreshCount).toBe(0);

    const wallStart = performance.now();
    const serverStart = await kit.env.currentTimeMs();
    await kit.env.sleep('30 days');
    const state = await eventually(async () => {
      const s = await handle.query(accountStateQuery);
      return s.refreshCount === 1 ? s : undefined;
    });
    const wallMs = performance.now() - wallStart;
    console.log(`30-day timer fired after ${Math.round(wallMs)} ms of wall time`);
    expect((await kit.env.currentTimeMs()) - serverStart).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000);
    expect(Date.parse(state.lastRefreshedAt!) - Date.parse(state.openedAt)).toBeGreaterThanOrEqual(
      30 * 24 * 3600 * 1000,
    );
    expect(Date.parse(state.nextRefreshAt) - Date.parse(state.lastRefreshedAt!)).toBe(30 * 24 * 3600 * 1000);
    expect(kit.real.mail.messages.filter((m) => m.to.includes(customer.email))).toHaveLength(1);
    await handle.signal(closeAccountSignal, { by: 'test', reason: 'done' });
    await handle.result();
  });
});

it('reconciles with the stored record on a refresh signal and records who changed the status', async () => {
  const customer = await insertCustomer(kit.real.db.orm);
  await withWorker(async (taskQueue) => {
    const handle = await startAccount(taskQueue, customer, 'P1D');
    await kit.real.mail.waitFor((m) => m.to.includes(customer.email));
    await kit.real.db.orm.em.fork().nativeUpdate(Customer, { id: customer.id }, { status: 'on_hold' });
    await handle.signal(refreshAccountSignal, { reason: 'profile changed' });
    const state = await eventually(async () => {
      const s = await handle.query(accountStateQuery);
      return s.status === 'on_hold' ? s : undefined;
    });
    expect(state.changes).toEqual([
      expect.objectContaining({ field: 'status', from: 'active', to: 'on_hold', by: 'system:refresh' }),
    ]);
    await handle.signal(closeAccountSignal, { by: 'clerk@example.com', reason: 'customer left' });
    const final = await handle.result();
    expect(final.status).toBe('closed');
    expect(final.closedAt).not.toBeNull();
    expect(final.changes.at(-1)).toMatchObject({ from: 'on_hold', to: 'closed', by: 'clerk@example.com' });
  });
});

it('closes itself when its customer record no longer exists', async () => {
  const customer = await insertCustomer(kit.real.db.orm);
  await withWorker(async (taskQueue) => {
    const handle = await startAccount(taskQueue, customer, 'PT1H');
    await kit.real.mail.waitFor((m) => m.to.includes(customer.email));
    await kit.real.db.orm.em.fork().nativeDelete(OutboundMessage, { customerId: customer.id });
    await kit.real.db.orm.em.fork().nativeDelete(Customer, { id: customer.id });
    await kit.env.sleep('2 hours');
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'closed', refreshCount: 1 });
    expect(final.changes.at(-1)).toMatchObject({ to: 'closed', by: 'system:record-missing' });
  });
});

it('carries its state over when continued as new, without re-sending the opening notice', async () => {
  const customer = await insertCustomer(kit.real.db.orm);
  await withWorker(async (taskQueue) => {
    const carried = {
      customerId: customer.id,
      status: 'active' as const,
      currency: customer.currency,
      profileVersion: 1,
      openedAt: '2026-01-01T00:00:00.000Z',
      lastRefreshedAt: '2026-01-02T00:00:00.000Z',
      nextRefreshAt: '2026-01-03T00:00:00.000Z',
      refreshCount: 7,
      closedAt: null,
      changes: [],
    };
    const handle = await kit.env.client.workflow.start<typeof customerAccountWorkflow>('customerAccountWorkflow', {
      workflowId: workflowIds.customerAccount(customer.id),
      taskQueue,
      args: [{ customerId: customer.id, currency: customer.currency, policy: { refreshEvery: 'P1D' }, state: carried }],
    });
    // nextRefreshAt is in the past, so the workflow refreshes at once and counts on from the carried state.
    const state = await eventually(async () => {
      const s = await handle.query(accountStateQuery);
      return s.refreshCount === 8 ? s : undefined;
    });
    expect(state.openedAt).toBe(carried.openedAt);
    await handle.signal(closeAccountSignal, { by: 'test', reason: 'done' });
    await handle.result();
    expect(kit.real.mail.messages.filter((m) => m.to.includes(customer.email))).toHaveLength(0);
  });
});
