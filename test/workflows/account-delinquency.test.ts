// The account workflow flags delinquency by policy from facts it reads in the database (invoice rows inserted here),
// writes the flag to the customer record (so GET /customers?status=delinquent lists it with the reason), and clears
// it when the cause is gone; all on durable timers, in time-skipping time.
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { listHistory } from '../../src/customers/store/history.js';
import { searchCustomers } from '../../src/customers/store/search.js';
import { findCustomer } from '../../src/customers/store/customers.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type { customerAccountWorkflow } from '../../workflows/customers/customer-account.js';
import {
  accountProfileChangedSignal,
  accountStateQuery,
  closeAccountSignal,
  refreshAccountSignal,
} from '../../workflows/customers/messages.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { insertOpenInvoice } from '../support/invoice-rows.js';
import { workflowBundle } from '../support/time-skipping.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

/** Patience for each step: under the full suite (crash tests, many servers) a worker can stall for a while. */
const SLOW_MACHINE_MS = 90_000;

const kit = useWorkflowTestKit('delinquency');

it('flags the account delinquent when an invoice is more than the policy period past due, lists it, and clears the flag once paid', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { legalName: 'Slowpay Ltd' });
  const serverToday = new Date(await kit.env.currentTimeMs()).toISOString().slice(0, 10);
  const invoiceId = await insertOpenInvoice(kit.real.db.orm, {
    customerId: customer.id,
    currency: customer.currency,
    issueDate: addDays(serverToday, -40),
    dueDate: addDays(serverToday, -10),
    amount: 50_000,
  });
  const worker = await Worker.create({
    connection: kit.env.nativeConnection,
    taskQueue: 'delinquency',
    workflowBundle: await workflowBundle(),
    activities: createActivities(kit.real.deps),
  });
  await worker.runUntil(async () => {
    const handle = await kit.env.client.workflow.start<typeof customerAccountWorkflow>('customerAccountWorkflow', {
      workflowId: workflowIds.customerAccount(customer.id),
      taskQueue: 'delinquency',
      args: [
        {
          customerId: customer.id,
          currency: customer.currency,
          policy: { refreshEvery: 'P1D', delinquency: { overdueAfter: 'P30D', brokenPromisesAtLeast: 1 } },
        },
      ],
    });
    await kit.real.mail.waitFor((m) => m.to.includes(customer.email));

    // Day 1: 11 days past due, within the policy.
    await kit.env.sleep('1 day');
    const early = await eventually(async () => {
      const s = await handle.query(accountStateQuery);
      return s.refreshCount >= 1 ? s : undefined;
    }, SLOW_MACHINE_MS);
    expect(early).toMatchObject({
      status: 'active',
      delinquency: null,
      facts: { openInvoiceCount: 1, openAmount: 50_000, overdueInvoiceCount: 1 },
    });

    // 21 days later: 32 days past due -> delinquent, on the record and in the list with its reason.
    await kit.env.sleep('21 days');
    const flagged = await eventually(async () => {
      const s = await handle.query(accountStateQuery);
      return s.status === 'delinquent' ? s : undefined;
    }, SLOW_MACHINE_MS);
    expect(flagged.delinquency!.reasons).toEqual([
      expect.objectContaining({ code: 'invoice_overdue', detail: expect.stringContaining('P30D') }),
    ]);
    const stored = (await findCustomer(kit.real.db.orm.em.fork(), customer.id))!;
    expect(stored.status).toBe('delinquent');
    expect(stored.delinquency!.reasons[0]!.code).toBe('invoice_overdue');
    const listed = await searchCustomers(kit.real.db.orm.em.fork(), { status: 'delinquent', limit: 10 });
    expect(listed.map((r) => [r.profile.id, r.profile.delinquency?.reasons[0]?.code, r.receivable])).toEqual([
      [customer.id, 'invoice_overdue', 50_000],
    ]);

    // Later refreshes with the same cause change nothing (no new history, no new version).
    const versionWhenFlagged = stored.version;
    await kit.env.sleep('3 days');
    await eventually(
      async () => ((await handle.query(accountStateQuery)).refreshCount >= flagged.refreshCount + 3 ? true : undefined),
      SLOW_MACHINE_MS,
    );
    expect((await findCustomer(kit.real.db.orm.em.fork(), customer.id))!.version).toBe(versionWhenFlagged);

    // The invoice gets paid: the next refresh clears the flag.
    await kit.real.db.orm.em
      .fork()
      .execute(`UPDATE invoice SET status = 'paid', open_amount = 0 WHERE id = ?`, [invoiceId]);
    await handle.signal(refreshAccountSignal, { reason: 'payment applied' });
    const cleared = await eventually(async () => {
      const s = await handle.query(accountStateQuery);
      return s.status === 'active' ? s : undefined;
    }, SLOW_MACHINE_MS);
    expect(cleared.delinquency).toBeNull();
    expect((await findCustomer(kit.real.db.orm.em.fork(), customer.id))!).toMatchObject({
      status: 'active',
      delinquency: null,
    });
    const history = await listHistory(kit.real.db.orm.em.fork(), customer.id, 20);
    expect(history.filter((h) => h.field === 'status').map((h) => [h.old, h.new, h.actor])).toEqual([
      ['delinquent', 'active', 'policy:delinquency(P30D,1)'],
      ['active', 'delinquent', 'policy:delinquency(P30D,1)'],
    ]);

    // A clerk's change arrives as a signal and is recorded with who made it.
    await handle.signal(accountProfileChangedSignal, {
      changes: [{ field: 'termsCode', from: 'NET30', to: 'NET60' }],
      by: 'clerk@example.com',
      version: 9,
    });
    const changed = await eventually(async () => {
      const s = await handle.query(accountStateQuery);
      return s.termsCode === 'NET60' ? s : undefined;
    }, SLOW_MACHINE_MS);
    expect(changed.changes.at(-1)).toMatchObject({
      field: 'termsCode',
      from: 'NET30',
      to: 'NET60',
      by: 'clerk@example.com',
    });

    await handle.signal(closeAccountSignal, { by: 'test', reason: 'done' });
    await handle.result();
  });
}, 400_000);

it('carries hold, delinquency and facts over when continued as new', async () => {
  const customer = await insertCustomer(kit.real.db.orm, { legalName: 'Carryover GmbH' });
  const worker = await Worker.create({
    connection: kit.env.nativeConnection,
    taskQueue: 'carry-over',
    workflowBundle: await workflowBundle(),
    activities: createActivities(kit.real.deps),
  });
  await worker.runUntil(async () => {
    const delinquency = {
      since: '2026-01-10T00:00:00.000Z',
      reasons: [{ code: 'broken_promise' as const, detail: '1 broken promise(s) to pay (policy: at least 1)' }],
    };
    const hold = { reason: 'legal review', by: 'clerk', at: '2026-01-09T00:00:00.000Z' };
    const carried = {
      customerId: customer.id,
      status: 'on_hold' as const,
      currency: customer.currency,
      profileVersion: 4,
      openedAt: '2026-01-01T00:00:00.000Z',
      lastRefreshedAt: '2026-01-10T00:00:00.000Z',
      nextRefreshAt: '2999-01-01T00:00:00.000Z',
      refreshCount: 9,
      closedAt: null,
      changes: [{ at: '2026-01-09T00:00:00.000Z', field: 'hold', from: null, to: hold, by: 'clerk' }],
      termsCode: 'NET60',
      creditLimit: { amount: 1000, currency: customer.currency },
      hold,
      delinquency,
      facts: {
        openInvoiceCount: 2,
        openAmount: 5000,
        oldestOpenDueDate: '2026-01-01',
        overdueInvoiceCount: 2,
        overdueAmount: 5000,
        brokenPromises: 1,
      },
      overCreditLimit: true,
      profileLoaded: true,
    };
    const handle = await kit.env.client.workflow.start<typeof customerAccountWorkflow>('customerAccountWorkflow', {
      workflowId: workflowIds.customerAccount(customer.id),
      taskQueue: 'carry-over',
      args: [{ customerId: customer.id, currency: customer.currency, policy: { refreshEvery: 'P1D' }, state: carried }],
    });
    expect(await handle.query(accountStateQuery)).toEqual(carried);
    // Releasing the hold shows the carried delinquency again.
    await handle.signal(accountProfileChangedSignal, {
      changes: [{ field: 'hold', from: hold, to: null }],
      by: 'clerk-2',
      version: 5,
    });
    const released = await eventually(async () => {
      const s = await handle.query(accountStateQuery);
      return s.hold === null ? s : undefined;
    }, SLOW_MACHINE_MS);
    expect(released).toMatchObject({ status: 'delinquent', profileVersion: 5, refreshCount: 9 });
    await handle.signal(closeAccountSignal, { by: 'test', reason: 'done' });
    await handle.result();
    expect(kit.real.mail.messages.filter((m) => m.to.includes(customer.email))).toHaveLength(0);
  });
}, 400_000);
