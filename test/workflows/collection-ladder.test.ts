// The collection workflow on the time-skipping server with real activities (cloned PostgreSQL, real SMTP), started
// the real way: the invoice workflow's overdue step signals-with-start it. Walks the seeded SOP over 120 days
// (reminder, demand, final notice, legal, write-off proposal), and checks contact counts per frequency, one fee per
// level, de-escalation on payment, kept and broken promises, and that a disputed invoice is left out.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { notifyCollectionOfBalanceChange } from '../../src/collections/store/notify.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { readInvoice } from '../../src/invoices/store/read.js';
import { checkLedger } from '../../src/ledger/store/reports.js';
import { accountFacts } from '../../src/customers/store/facts.js';
import { workflowIds } from '../../src/temporal/ids.js';
import {
  collectionStateQuery,
  invoiceDisputeSignal,
  recordPromiseUpdate,
  type CollectionView,
} from '../../workflows/collections/messages.js';
import type { collectionWorkflow } from '../../workflows/collections/collection.js';
import type { invoiceWorkflow } from '../../workflows/invoices/invoice.js';
import { invoiceBalanceChangedSignal } from '../../workflows/invoices/messages.js';
import { completeTaskUpdate } from '../../workflows/tasks/messages.js';
import { insertCustomer } from '../support/customers.js';
import { eventually } from '../support/engine.js';
import { commitPaymentDirectly, consultingLines, issueInvoiceDirectly } from '../support/invoices.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('collection');
jest.setTimeout(600_000);
const invoicePolicy = { reminderBefore: 'P3D', overdueAfter: 'P0D', version: 'test-1' };
const DAY = 86_400_000;
const TOTAL = 148_150; // consultingLines('EUR'): EUR 1,481.50

const db = () => kit.real.db.orm.em.fork();
const nowMs = () => kit.env.currentTimeMs();

/** Advances the test server's clock a day at a most per step (one long skip over many timers can stall the server). */
async function sleepUntil(instant: number) {
  for (let now = await nowMs(); now < instant; now = await nowMs()) {
    await kit.env.sleep(Math.min(DAY, instant - now));
  }
}

/** A customer with invoices due in `dueInDays` (each); their invoice workflows run and start the collection. */
async function setUp(taskQueue: string, dueInDays: number[]) {
  const customer = await insertCustomer(kit.real.db.orm, { currency: 'EUR' });
  kit.endAfterTest(workflowIds.collection(customer.id));
  const today = new Date(await nowMs()).toISOString().slice(0, 10);
  const invoices = [];
  for (const days of dueInDays) {
    const issued = await issueInvoiceDirectly(
      kit.real.db.orm,
      { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, days) },
      today,
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
    // The workflow flips it overdue at the start of the day after the due date (overdueAfter P0D); dunning ages it
    // from the due date itself, as aging and the letters do.
    invoices.push({
      id: issued.id,
      number: issued.number,
      overdueAt: Date.parse(`${issued.prepared.dueDate}T00:00:00Z`),
    });
  }
  const collection = kit.env.client.workflow.getHandle<typeof collectionWorkflow>(workflowIds.collection(customer.id));
  return { customer, invoices, collection, today };
}

const DUNNING_SUBJECT = /^(Payment reminder|Payment demand|Final notice|Legal collection)/;
const dunningMails = (email: string) =>
  kit.real.mail.messages.filter((m) => m.to.includes(email) && DUNNING_SUBJECT.test(m.subject));
const kinds = (email: string) => dunningMails(email).map((m) => DUNNING_SUBJECT.exec(m.subject)![1]);

async function stateWhen(
  collection: { query: (q: typeof collectionStateQuery) => Promise<CollectionView> },
  ok: (s: CollectionView) => boolean,
): Promise<CollectionView> {
  let last: CollectionView | undefined;
  return eventually(async () => {
    const s = await collection.query(collectionStateQuery);
    last = s;
    return ok(s) ? s : undefined;
  }, 60_000).catch((error: unknown) => {
    throw new Error(`${String(error)}; last state: ${JSON.stringify(last)}`);
  });
}

/** What the payments side does: Dr cash / Cr AR and the invoice's open amount in one transaction; then the signals. */
async function pay(customerId: string, invoiceId: string, amount: number) {
  const key = `payment-${randomUUID()}`;
  const effectiveDate = new Date(await nowMs()).toISOString().slice(0, 10);
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
  await notifyCollectionOfBalanceChange(kit.env.client, [customerId], { reason: 'payment', source: key });
  return applied;
}

const feesOf = (invoiceId: string) =>
  db().execute<
    { level: string; amount: string; interest_amount: string; days: number; day_count_basis: number | null }[]
  >(
    'SELECT level, amount, interest_amount, days, day_count_basis FROM late_fee WHERE invoice_id = ? ORDER BY charged_at',
    [invoiceId],
  );

it('walks 120 days of the standard policy: reminder, demand, final notice, legal, write-off proposal; approval writes off', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, invoices, collection } = await setUp(taskQueue, [1]);
    const [invoice] = invoices;
    const t0 = invoice!.overdueAt;
    await sleepUntil(t0 + 7 * DAY + 60_000);
    let s = await stateWhen(collection, (x) => x.levelName === 'reminder' && x.contacts === 1);
    expect(s.policy).toEqual({ code: 'standard', version: 1 });
    const first = dunningMails(customer.email)[0]!;
    expect(first.subject).toBe('Payment reminder: EUR 1,481.50 overdue');
    expect(first.text).toContain(`${invoice!.number}, due`);

    await sleepUntil(t0 + 59 * DAY + 60_000);
    s = await stateWhen(collection, (x) => x.levelName === 'demand' && x.contacts === 2 + 5);
    // demand: one fixed fee of EUR 40.00, once
    expect((await feesOf(invoice!.id)).map((f) => [f.level, Number(f.amount)])).toEqual([['demand', 4000]]);

    await sleepUntil(t0 + 89 * DAY + 60_000);
    s = await stateWhen(collection, (x) => x.levelName === 'final_notice' && x.contacts === 2 + 5 + 30);
    const [holdRow] = await db().execute<{ hold: { reason: string } | null }[]>(
      'SELECT hold FROM customer WHERE id = ?',
      [customer.id],
    );
    expect(holdRow!.hold?.reason).toBe('collections: final_notice');

    await sleepUntil(t0 + 120 * DAY + 60_000);
    s = await stateWhen(collection, (x) => x.phase === 'awaiting_write_off' && x.contacts === 2 + 5 + 30 + 5);
    expect(kinds(customer.email)).toEqual([
      ...Array(2).fill('Payment reminder'),
      ...Array(5).fill('Payment demand'),
      ...Array(30).fill('Final notice'),
      ...Array(5).fill('Legal collection'),
    ]);
    // One fee per level that has one: demand EUR 40.00; final notice 12 % on 1,481.50 for 60 days / 365 = 29.22.
    const fees = await feesOf(invoice!.id);
    expect(fees.map((f) => [f.level, Number(f.amount), f.days, f.day_count_basis])).toEqual([
      ['demand', 4000, 30, null],
      ['final_notice', 2922, 60, 365],
    ]);
    const row = await readInvoice(db(), invoice!.id);
    expect(row).toMatchObject({ status: 'overdue', openAmount: TOTAL + 4000 + 2922 });
    expect((await checkLedger(db())).ok).toBe(true);

    const contacts = await db().execute<{ channel: string; level: string; n: string }[]>(
      'SELECT channel, level, count(*) AS n FROM collection_contact WHERE customer_id = ? GROUP BY channel, level ORDER BY level, channel',
      [customer.id],
    );
    expect(contacts.map((c) => [c.level, c.channel, Number(c.n)])).toEqual([
      ['demand', 'email', 5],
      ['final_notice', 'email', 30],
      ['final_notice', 'letter', 30],
      ['legal', 'agency', 1],
      ['legal', 'email', 5],
      ['legal', 'letter', 5],
      ['reminder', 'email', 2],
    ]);
    const tasks = await db().execute<{ type: string; n: string }[]>(
      'SELECT type, count(*) AS n FROM task WHERE customer_id = ? GROUP BY type ORDER BY type',
      [customer.id],
    );
    expect(tasks.map((t) => [t.type, Number(t.n)])).toEqual([
      ['collection_call', 2],
      ['dunning_letter', 35],
      ['write_off_proposal', 1],
    ]);

    const refused = await collection
      .executeUpdate(completeTaskUpdate, {
        args: [{ taskId: s.writeOffTaskId!, outcome: 'maybe', data: {}, by: 'carla', byManager: false }],
      })
      .catch((e: Error & { cause?: { type?: string } }) => e);
    expect((refused as { cause?: { type?: string } }).cause?.type).toBe('TaskCompletionInvalid');
    await collection.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: s.writeOffTaskId!, outcome: 'approve', data: {}, by: 'carla', byManager: false }],
    });
    const final = await collection.result();
    expect(final).toMatchObject({ phase: 'closed', overdueAmount: 0 });
    expect(final.history.map((h) => h.kind)).toContain('write_off_approved');
    expect(await readInvoice(db(), invoice!.id)).toMatchObject({ status: 'written_off', openAmount: 0 });
    const [entry] = await db().execute<{ debit: string }[]>(
      `SELECT l.debit FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id JOIN ledger_account a ON a.code = l.account_code
        WHERE e.kind = 'write_off' AND e.source_id = ? AND a.role = 'bad_debt_expense'`,
      [invoice!.id],
    );
    expect(Number(entry!.debit)).toBe(TOTAL + 4000 + 2922);
    expect((await checkLedger(db())).ok).toBe(true);
    const [caseRow] = await db().execute<{ status: string }[]>(
      'SELECT status FROM collection_case WHERE customer_id = ?',
      [customer.id],
    );
    expect(caseRow!.status).toBe('closed');

    await kit.recordHistory(collection, 'collection.json');
  });
});

it('de-escalates when the oldest overdue invoice is paid and ends when nothing is overdue', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, invoices, collection } = await setUp(taskQueue, [1, 25]);
    const [a, b] = invoices;
    await sleepUntil(a!.overdueAt + 30 * DAY + 60_000);
    await stateWhen(collection, (x) => x.levelName === 'demand');
    const before = dunningMails(customer.email).length;

    // Paying the oldest leaves invoice B, overdue for 6 days: below the first level.
    await pay(customer.id, a!.id, TOTAL + 4000);
    const after = await stateWhen(collection, (x) => x.level === -1);
    expect(after.overdueInvoices.map((i) => i.invoiceId)).toEqual([b!.id]);
    expect(after.history.map((h) => h.kind)).toContain('de_escalated');
    expect(after.nextAction).toBe('escalate to reminder');
    // 7 days after B fell due (to within the moment the flip ran), not after A did.
    expect(Math.abs(Date.parse(after.nextActionAt!) - (b!.overdueAt + 7 * DAY))).toBeLessThan(60_000);

    // Re-anchored on B: the reminder comes 7 days after B fell due, not after A did.
    await sleepUntil(b!.overdueAt + 7 * DAY + 60_000);
    await stateWhen(collection, (x) => x.levelName === 'reminder');
    await eventually(async () => (dunningMails(customer.email).length === before + 1 ? true : undefined));
    expect(dunningMails(customer.email).at(-1)!.text).not.toContain(a!.number);

    await pay(customer.id, b!.id, TOTAL);
    expect(await collection.result()).toMatchObject({ phase: 'closed' });
    // The fee of invoice A stays charged exactly once; B never reached demand.
    expect((await feesOf(a!.id)).length).toBe(1);
    expect(await feesOf(b!.id)).toEqual([]);
  });
});

it('pauses for a kept promise, and escalates one level higher after a broken one', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, invoices, collection } = await setUp(taskQueue, [1]);
    const [invoice] = invoices;
    const t0 = invoice!.overdueAt;
    await sleepUntil(t0 + 31 * DAY);
    // The demand fee the workflow posted counts at once: promises are capped by, and judged against, what is overdue.
    await stateWhen(
      collection,
      (x) => x.levelName === 'demand' && x.contacts === 3 && x.overdueAmount === TOTAL + 4000,
    );
    const today = new Date(await nowMs()).toISOString().slice(0, 10);

    const refused = await collection
      .executeUpdate(recordPromiseUpdate, {
        args: [{ promiseId: randomUUID(), amount: TOTAL * 2, date: addDays(today, 5), by: 'carla' }],
      })
      .catch((e: Error & { cause?: { type?: string; details?: unknown[] } }) => e);
    expect((refused as { cause?: { type?: string; details?: unknown[] } }).cause).toMatchObject({
      type: 'PromiseRefused',
      details: [[{ pointer: '/amount', detail: `is above the overdue total ${TOTAL + 4000}` }]],
    });

    const kept = await collection.executeUpdate(recordPromiseUpdate, {
      args: [{ promiseId: randomUUID(), amount: 50_000, date: addDays(today, 10), by: 'carla' }],
    });
    expect(kept).toMatchObject({
      amount: 50_000,
      baselineAmount: TOTAL + 4000,
      deadlineAt: `${addDays(today, 14)}T00:00:00.000Z`,
    });
    await stateWhen(collection, (x) => x.phase === 'paused_by_promise');
    // Paused: the weekly demand on day 37 does not go out.
    await sleepUntil(t0 + 38 * DAY);
    expect((await collection.query(collectionStateQuery)).contacts).toBe(3);
    await pay(customer.id, invoice!.id, 50_000);
    const resumed = await stateWhen(
      collection,
      (x) => x.phase === 'collecting' && x.history.some((h) => h.kind === 'promise_kept') && x.contacts >= 4,
    );
    // Resuming sends the one contact the pause held back (catch-up: one, not a burst).
    expect(resumed.contacts).toBe(4);

    const today2 = new Date(await nowMs()).toISOString().slice(0, 10);
    await collection.executeUpdate(recordPromiseUpdate, {
      args: [{ promiseId: randomUUID(), amount: 10_000, date: addDays(today2, 2), by: 'carla' }],
    });
    // Not paid: end of the promised day + grace P3D, then final notice (one level above demand) long before day 60.
    await sleepUntil(Date.parse(`${addDays(today2, 6)}T00:00:00Z`) + 60_000);
    const broken = await stateWhen(collection, (x) => x.levelName === 'final_notice');
    expect(broken.history.map((h) => h.kind)).toEqual(expect.arrayContaining(['promise_kept', 'promise_broken']));
    expect(broken.brokenPromiseFloor).toBe(2);
    const statuses = await db().execute<{ status: string }[]>(
      'SELECT status FROM promise_to_pay WHERE customer_id = ? ORDER BY created_at',
      [customer.id],
    );
    expect(statuses.map((p) => p.status)).toEqual(['kept', 'broken']);
    const events = await db().execute<{ type: string }[]>(
      `SELECT type FROM domain_event WHERE customer_id = ? AND type LIKE 'promise.%' ORDER BY position`,
      [customer.id],
    );
    expect(events.map((e) => e.type)).toEqual(['promise.created', 'promise.kept', 'promise.created', 'promise.broken']);
    expect((await accountFacts(db(), customer.id, today2)).brokenPromises).toBe(1);

    await pay(customer.id, invoice!.id, (await readInvoice(db(), invoice!.id))!.openAmount);
    expect(await collection.result()).toMatchObject({ phase: 'closed' });
  });
});

it('leaves a disputed invoice out of contacts and fees while its dispute is open', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, invoices, collection } = await setUp(taskQueue, [1, 1]);
    const [a, b] = invoices;
    await sleepUntil(a!.overdueAt + 8 * DAY);
    await stateWhen(collection, (x) => x.levelName === 'reminder' && x.overdueInvoices.length === 2);

    await db().execute(`UPDATE invoice SET status = 'disputed' WHERE id = ?`, [b!.id]);
    await collection.signal(invoiceDisputeSignal, { invoiceId: b!.id, disputeId: randomUUID(), disputed: true });
    const s = await stateWhen(collection, (x) => x.disputedInvoiceIds.includes(b!.id));
    expect(s.overdueInvoices.map((i) => i.invoiceId)).toEqual([a!.id]);

    await sleepUntil(a!.overdueAt + 31 * DAY);
    await stateWhen(collection, (x) => x.levelName === 'demand');
    const demand = await eventually(async () =>
      dunningMails(customer.email).find((m) => m.subject.startsWith('Payment demand')),
    );
    expect(demand.text).toContain(a!.number);
    expect(demand.text).not.toContain(b!.number);
    expect((await feesOf(a!.id)).length).toBe(1);
    expect(await feesOf(b!.id)).toEqual([]);

    // Paying A leaves only the disputed invoice: nothing to collect, the collection ends.
    await pay(customer.id, a!.id, (await readInvoice(db(), a!.id))!.openAmount);
    expect(await collection.result()).toMatchObject({ phase: 'closed', disputedInvoiceIds: [b!.id] });
  });
});
