// The dispute workflow on the time-skipping server with real activities (cloned PostgreSQL, real SMTP) and the real
// task inbox: acknowledgement, routing, dunning paused and resumed (invoice status and the collection signal), each
// outcome with its ledger effects, and the resolution SLA in business days.
import { jest } from '@jest/globals';
import { customerAccountBalance } from '../../src/ledger/store/queries.js';
import { checkLedger } from '../../src/ledger/store/reports.js';
import { disputeInstalments, findDispute } from '../../src/disputes/store/disputes.js';
import { applyToInvoice } from '../../src/invoices/store/balance.js';
import { postJournalEntry } from '../../src/ledger/store/post.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { disputeStateQuery } from '../../workflows/disputes/messages.js';
import {
  claimAndComplete,
  INVOICE_TOTAL,
  invoiceRow,
  invoiceToDispute,
  LINE_1_GROSS,
  openTaskOf,
  openTestDispute,
  registerSearchAttributes,
  rootCause,
  testDisputePolicy,
  withCollectionStandIn,
} from '../support/disputes.js';
import { eventually } from '../support/engine.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

// The first test bundles the workflows (twice: the engine's and the collection stand-in); a loaded machine needs time.
jest.setTimeout(300_000);

const kit = useWorkflowTestKit('dispute');
beforeAll(() => registerSearchAttributes(kit.env));
const orm = () => kit.real.db.orm;
const now = async () => new Date(await kit.env.currentTimeMs());
const receivable = (customerId: string) =>
  customerAccountBalance(orm().em.fork(), customerId, 'accounts_receivable', 'EUR');
const events = async (disputeId: string) =>
  (
    await orm()
      .em.fork()
      .execute<
        { type: string; data: Record<string, unknown> }[]
      >(`SELECT type, data FROM domain_event WHERE entity_type = 'dispute' AND entity_id = ? ORDER BY position`, [disputeId])
  ).map((e) => e.type);

/** The workflow's clock starts a moment after the test's: instants computed from it match within two minutes. */
const near = (actual: Date | string | null | undefined, expected: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(new Date(actual!).getTime() - expected)).toBeLessThan(120_000);
};

/** Moves the test server's clock to the next Monday 09:00 UTC, so business-day arithmetic is known. */
async function toNextMonday9() {
  const t = await now();
  const daysAhead = (8 - t.getUTCDay()) % 7 || 7;
  const target = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + daysAhead, 9);
  await kit.env.sleep(target - t.getTime());
  return new Date(target);
}

it('acknowledges at once, routes pricing to billing, pauses dunning, refuses a bad decision, posts a partial credit note and resumes dunning', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, issued } = await invoiceToDispute(orm(), await now());
    await withCollectionStandIn(kit.env, customer.id, async (notices) => {
      const { dispute, handle } = await openTestDispute(orm(), kit.env.client, taskQueue, {
        invoiceId: issued.id,
        lines: [1],
        amount: undefined,
      });
      expect(dispute).toMatchObject({
        status: 'open',
        amount: LINE_1_GROSS,
        lines: [1],
        category: 'pricing',
        channel: 'staff',
      });
      expect((await invoiceRow(orm(), issued.id)).status).toBe('disputed');

      const ack = await kit.real.mail.waitFor(
        (m) => m.to.includes(customer.email) && m.subject.startsWith('We received your dispute'),
      );
      expect(ack.subject).toBe(
        `We received your dispute of invoice ${issued.number} (reference ${dispute.id.slice(0, 8).toUpperCase()})`,
      );
      expect(ack.text).toContain('about pricing for EUR 1,428.00');
      expect(ack.text).toContain('will not send payment reminders');

      const task = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
      expect(task.queue).toBe('disputes-billing');
      const stored = await eventually(async () => {
        const d = await findDispute(orm().em.fork(), dispute.id);
        return d?.queue && d.acknowledgedAt ? d : undefined;
      });
      expect(stored).toMatchObject({ queue: 'disputes-billing', acknowledgedBy: 'system' });
      expect(stored.slaDueAt).toBe(task.sla_due_at!.toISOString());
      expect(await notices()).toEqual([{ invoiceId: issued.id, disputeId: dispute.id, disputed: true }]);

      // The validator refuses before anything enters history: an amount above the disputed amount, no root cause.
      const refused = await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'credit_partial', {
        amount: { amount: LINE_1_GROSS + 1, currency: 'EUR' },
      }).catch((e: Error & { cause?: { type?: string; details?: unknown[] } }) => e);
      expect(refused).toMatchObject({ name: 'WorkflowUpdateFailedError' });
      const problems = ((refused as { cause?: { details?: unknown[] } }).cause?.details?.[0] ?? []) as {
        pointer: string;
      }[];
      expect(problems.map((p) => p.pointer).sort()).toEqual(['/data/amount/amount', '/data/rootCause']);
      expect(await receivable(customer.id)).toBe(INVOICE_TOTAL);

      await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'credit_partial', {
        amount: { amount: 20_000, currency: 'EUR' },
        rootCause,
      });
      const final = await handle.result();
      expect(final).toMatchObject({
        phase: 'closed',
        outcome: { kind: 'credit_partial', amount: { amount: 20_000 }, rootCause },
        dunningPaused: false,
        policyVersion: 'test-1',
      });

      // Ledger: a credit note of 200.00 lowered the receivable; the invoice is back in dunning with 1,281.50 open.
      expect(await receivable(customer.id)).toBe(INVOICE_TOTAL - 20_000);
      expect(await invoiceRow(orm(), issued.id)).toEqual({
        status: 'issued',
        openAmount: INVOICE_TOTAL - 20_000,
        creditedAmount: 20_000,
      });
      const [note] = await orm()
        .em.fork()
        .execute<
          { total_amount: string; kind: string }[]
        >('SELECT total_amount, kind FROM credit_note WHERE invoice_id = ?', [issued.id]);
      expect(note).toMatchObject({ kind: 'partial' });
      expect(Number(note!.total_amount)).toBe(20_000);
      expect((await checkLedger(orm().em.fork())).ok).toBe(true);
      const resolved = await findDispute(orm().em.fork(), dispute.id);
      expect(resolved).toMatchObject({
        status: 'resolved',
        rootCause: { category: 'pricing', note: rootCause.note },
        slaDueAt: null,
      });
      expect(await events(dispute.id)).toEqual(['dispute.opened', 'dispute.resolved']);
      await eventually(async () => ((await notices()).length === 2 ? true : undefined));
      expect((await notices())[1]).toEqual({ invoiceId: issued.id, disputeId: dispute.id, disputed: false });
      // One acknowledgement, however many activities ran.
      expect(
        kit.real.mail.messages.filter((m) => m.to.includes(customer.email) && m.subject.startsWith('We received')),
      ).toHaveLength(1);
      await kit.recordHistory(handle, 'dispute.json');
    });
  });
});

it('credit_full credits everything open: the invoice closes as cancelled and stays out of dunning', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, issued } = await invoiceToDispute(orm(), await now());
    const { dispute, handle } = await openTestDispute(orm(), kit.env.client, taskQueue, {
      invoiceId: issued.id,
      category: 'quality',
    });
    const task = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
    expect(task.queue).toBe('disputes-quality');
    await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'credit_full', {
      rootCause: { category: 'quality', note: 'Damaged in transit' },
    });
    expect(await handle.result()).toMatchObject({ outcome: { kind: 'credit_full' } });
    expect(await receivable(customer.id)).toBe(0);
    expect(await invoiceRow(orm(), issued.id)).toMatchObject({
      status: 'cancelled',
      openAmount: 0,
      creditedAmount: INVOICE_TOTAL,
    });
    expect((await checkLedger(orm().em.fork())).ok).toBe(true);
  });
});

it('upheld posts nothing and returns the invoice to dunning; withdrawal is refused once resolved', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, issued } = await invoiceToDispute(orm(), await now());
    const { dispute, handle } = await openTestDispute(orm(), kit.env.client, taskQueue, {
      invoiceId: issued.id,
      category: 'delivery',
    });
    const task = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
    expect(task.queue).toBe('disputes-fulfilment');
    await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'upheld', {
      rootCause: { category: 'customer_error', note: 'Signed delivery note on file' },
    });
    expect(await handle.result()).toMatchObject({ outcome: { kind: 'upheld' }, dunningPaused: false });
    expect(await receivable(customer.id)).toBe(INVOICE_TOTAL);
    expect(await invoiceRow(orm(), issued.id)).toMatchObject({ status: 'issued', openAmount: INVOICE_TOTAL });
    expect(await findDispute(orm().em.fork(), dispute.id)).toMatchObject({
      status: 'resolved',
      rootCause: { category: 'customer_error' },
    });
  });
});

it('payment_plan keeps dunning paused while instalments are kept; a missed instalment is recorded and dunning resumes', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, issued, today } = await invoiceToDispute(orm(), await now());
    await withCollectionStandIn(kit.env, customer.id, async (notices) => {
      const { dispute, handle } = await openTestDispute(orm(), kit.env.client, taskQueue, {
        invoiceId: issued.id,
        category: 'other',
      });
      const task = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
      const plan = [
        { dueDate: addDays(today, 10), amount: { amount: 50_000, currency: 'EUR' } },
        { dueDate: addDays(today, 40), amount: { amount: INVOICE_TOTAL - 50_000, currency: 'EUR' } },
      ];
      const short = await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'payment_plan', {
        instalments: [plan[0]],
        rootCause,
      }).catch((e: unknown) => e);
      expect(JSON.stringify((short as { cause?: { details?: unknown[] } }).cause?.details)).toContain(
        'must add up to the open amount 148150',
      );
      await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'payment_plan', {
        instalments: plan,
        rootCause: { category: 'no_fault', note: 'Cash-flow difficulty' },
      });
      await eventually(async () =>
        (await disputeInstalments(orm().em.fork(), dispute.id)).length === 2 ? true : undefined,
      );
      expect((await invoiceRow(orm(), issued.id)).status).toBe('disputed');

      // The first instalment is paid on time.
      await orm()
        .em.fork()
        .transactional(async (tx) => {
          await postJournalEntry(tx, {
            idempotencyKey: `plan-payment-${dispute.id}`,
            kind: 'payment_applied',
            effectiveDate: today,
            sourceType: 'payment',
            sourceId: dispute.id,
            lines: [
              { account: 'cash', debit: 50_000, credit: 0, currency: 'EUR' },
              { account: 'accounts_receivable', customerId: customer.id, debit: 0, credit: 50_000, currency: 'EUR' },
            ],
          });
          await applyToInvoice(tx, {
            invoiceId: issued.id,
            amount: 50_000,
            cause: 'payment',
            source: 'payment:plan-1',
          });
        });
      await kit.env.sleep('11 days');
      await eventually(async () =>
        (await disputeInstalments(orm().em.fork(), dispute.id))[0]?.status === 'kept' ? true : undefined,
      );
      expect((await invoiceRow(orm(), issued.id)).status).toBe('disputed');
      expect((await handle.query(disputeStateQuery)).dunningPaused).toBe(true);

      // The second is not: at the end of its due day it is recorded as missed and the invoice returns to dunning.
      const final = await handle.result();
      expect(final.instalments.map((i) => i.status)).toEqual(['kept', 'missed']);
      expect(final.dunningPaused).toBe(false);
      expect((await disputeInstalments(orm().em.fork(), dispute.id)).map((i) => i.status)).toEqual(['kept', 'missed']);
      expect(await invoiceRow(orm(), issued.id)).toMatchObject({
        status: 'partially_paid',
        openAmount: INVOICE_TOTAL - 50_000,
      });
      await eventually(async () => ((await notices()).at(-1)?.disputed === false ? true : undefined));
    });
  });
});

it('escalates to the managers with an e-mail after 10 business days, counting neither the weekends nor a holiday', async () => {
  await kit.withWorker(async (taskQueue) => {
    const monday = await toNextMonday9();
    // Wednesday of the second week is a holiday: 10 business days from Monday 09:00 end on the third Tuesday 09:00.
    const holiday = addDays(monday.toISOString().slice(0, 10), 9);
    const policy = testDisputePolicy({
      calendar: { weekendDays: [0, 6], holidays: [holiday] },
      managerEmail: 'ar-managers@example.test',
    });
    const { issued } = await invoiceToDispute(orm(), monday, 60);
    const { dispute, handle } = await openTestDispute(
      orm(),
      kit.env.client,
      taskQueue,
      { invoiceId: issued.id },
      policy,
    );
    const task = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
    const deadline = new Date(monday.getTime() + 15 * 86_400_000);
    near(task.sla_due_at, deadline.getTime());
    near((await handle.query(disputeStateQuery)).slaDueAt, deadline.getTime());

    await kit.env.sleep(deadline.getTime() - (await now()).getTime() - 3_600_000); // an hour before the deadline
    expect((await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client)).queue).toBe(
      'disputes-billing',
    );
    expect((await handle.query(disputeStateQuery)).breachedAt).toBeNull();

    await kit.env.sleep('2 hours');
    const escalated = await eventually(async () => {
      const t = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
      return t.queue === 'disputes-managers' ? t : undefined;
    });
    expect(escalated.id).toBe(task.id);
    const notice = await kit.real.mail.waitFor((m) => m.to.includes('ar-managers@example.test'));
    expect(notice.subject).toBe(
      `Dispute ${dispute.id.slice(0, 8).toUpperCase()} on invoice ${issued.number} missed its resolution deadline`,
    );
    expect(notice.text).toContain('moved from the disputes-billing queue to disputes-managers');
    expect(await findDispute(orm().em.fork(), dispute.id)).toMatchObject({
      queue: 'disputes-managers',
      escalatedAt: expect.any(String),
    });

    // A manager decides; the dispute ends as usual.
    await claimAndComplete(
      orm(),
      kit.env.client,
      dispute.id,
      task.id,
      'upheld',
      { rootCause: { category: 'no_fault', note: 'Price matches the contract' } },
      'manager-1',
    );
    expect(await handle.result()).toMatchObject({ phase: 'closed', breachedAt: expect.any(String) });
  });
});

it('request_info pauses the SLA clock until the customer answers, then resumes with the business days left', async () => {
  await kit.withWorker(async (taskQueue) => {
    const monday = await toNextMonday9();
    const { customer, issued } = await invoiceToDispute(orm(), monday, 60);
    const policy = testDisputePolicy({ infoReplyWithin: 'P10D' });
    const { dispute, handle } = await openTestDispute(
      orm(),
      kit.env.client,
      taskQueue,
      { invoiceId: issued.id, category: 'quantity' },
      policy,
    );
    const first = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
    near(first.sla_due_at, monday.getTime() + 14 * 86_400_000); // two weeks on

    await kit.env.sleep('2 days'); // Wednesday 09:00: 2 business days used, 8 left
    await claimAndComplete(orm(), kit.env.client, dispute.id, first.id, 'request_info', {
      question: 'Which delivery note shows 8 units instead of 10?',
    });
    const question = await kit.real.mail.waitFor(
      (m) => m.to.includes(customer.email) && m.subject.includes('we need more information'),
    );
    expect(question.text).toContain('Which delivery note shows 8 units instead of 10?');
    const waiting = await eventually(async () => {
      const s = await handle.query(disputeStateQuery);
      return s.phase === 'awaiting_info' ? s : undefined;
    });
    expect(waiting.slaDueAt).toBeNull();
    expect(Math.abs(waiting.sla!.remainingMs - 8 * 86_400_000)).toBeLessThan(120_000);
    expect(await findDispute(orm().em.fork(), dispute.id)).toMatchObject({ status: 'awaiting_info', slaDueAt: null });

    // A week passes (beyond the original deadline minus the pause would allow): no escalation while waiting.
    await kit.env.sleep('7 days'); // the next Wednesday 09:00
    expect((await handle.query(disputeStateQuery)).breachedAt).toBeNull();
    await handle.executeUpdate('customerReply', {
      args: [{ text: 'Delivery note DN-7781, attached to the portal', by: 'customer:ap' }],
    });

    // The new task's deadline is 8 business days after the reply: Wednesday -> Friday of the following week.
    const second = await eventually(async () => {
      const t = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
      return t.id !== first.id ? t : undefined;
    });
    const resumedAt = monday.getTime() + 9 * 86_400_000;
    near(second.sla_due_at, resumedAt + 12 * 86_400_000);
    const stored = await findDispute(orm().em.fork(), dispute.id);
    expect(stored).toMatchObject({ status: 'open', slaDueAt: second.sla_due_at!.toISOString() });
    expect(stored!.correspondence.map((c) => c.kind)).toEqual(['info_request', 'info_reply']);

    await claimAndComplete(orm(), kit.env.client, dispute.id, second.id, 'credit_partial', {
      amount: { amount: 28_560, currency: 'EUR' },
      rootCause: { category: 'quantity', note: 'Two units short on DN-7781' },
    });
    expect(await handle.result()).toMatchObject({ rounds: 2, breachedAt: null, infoRequests: [{ answered: true }] });
    expect(await receivable(customer.id)).toBe(INVOICE_TOTAL - 28_560);
  });
});

it('an acknowledgement that needs a person is a task with a 24-hour SLA; the e-mail goes out when it is completed', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, issued } = await invoiceToDispute(orm(), await now());
    const policy = testDisputePolicy({
      acknowledgement: { needsPerson: true, sla: 'PT24H', queue: 'disputes-intake' },
    });
    const openedAt = await now();
    const { dispute, handle } = await openTestDispute(
      orm(),
      kit.env.client,
      taskQueue,
      { invoiceId: issued.id },
      policy,
    );
    const ackTask = await openTaskOf(orm(), dispute.id, 'dispute_acknowledgement', 20_000, kit.env.client);
    expect(ackTask.queue).toBe('disputes-intake');
    near(ackTask.sla_due_at, openedAt.getTime() + 86_400_000);
    const wrong = await claimAndComplete(orm(), kit.env.client, dispute.id, ackTask.id, 'upheld', {}, 'intake-1').catch(
      (e: unknown) => e,
    );
    expect((wrong as { name?: string }).name).toBe('WorkflowUpdateFailedError');
    expect(kit.real.mail.messages.filter((m) => m.to.includes(customer.email))).toHaveLength(0);
    await claimAndComplete(orm(), kit.env.client, dispute.id, ackTask.id, 'acknowledged', {}, 'intake-1');
    await kit.real.mail.waitFor(
      (m) => m.to.includes(customer.email) && m.subject.startsWith('We received your dispute'),
    );
    const task = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
    expect(await findDispute(orm().em.fork(), dispute.id)).toMatchObject({
      acknowledgedBy: 'intake-1',
      queue: 'disputes-billing',
    });
    await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'upheld', { rootCause });
    await handle.result();
  });
});

it('rebill credits the disputed invoice in full and issues a corrected one through the issuing service', async () => {
  await kit.withWorker(async (taskQueue) => {
    const { customer, issued, today } = await invoiceToDispute(orm(), await now());
    const { dispute, handle } = await openTestDispute(orm(), kit.env.client, taskQueue, {
      invoiceId: issued.id,
      category: 'documentation',
    });
    const task = await openTaskOf(orm(), dispute.id, 'dispute_resolution', 20_000, kit.env.client);
    const lines = [
      {
        description: 'Consulting, November (corrected rate)',
        quantity: 10,
        unitPrice: { amount: 11_000, currency: 'EUR' },
        taxRate: '19',
      },
    ];
    // Lines in another currency are refused by the validator, naming the field.
    const refused = await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'rebill', {
      lines: [{ ...lines[0], unitPrice: { amount: 11_000, currency: 'USD' } }],
      rootCause,
    }).catch((e: unknown) => e);
    expect(JSON.stringify((refused as { cause?: { message?: string; details?: unknown[] } }).cause)).toContain(
      '/data/lines/0/unitPrice/currency',
    );
    await claimAndComplete(orm(), kit.env.client, dispute.id, task.id, 'rebill', {
      lines,
      dueDate: addDays(today, 30),
      rootCause,
    });
    const final = await handle.result();
    expect(final.outcome).toMatchObject({ kind: 'rebill' });
    const reissue = (await findDispute(orm().em.fork(), dispute.id))!.outcome as {
      reissuedInvoice: { id: string; total: { amount: number } };
    };
    expect(reissue.reissuedInvoice.total.amount).toBe(130_900); // 10 x 110.00 + 19 % tax
    expect(await invoiceRow(orm(), issued.id)).toMatchObject({ status: 'cancelled', openAmount: 0 });
    expect(await invoiceRow(orm(), reissue.reissuedInvoice.id)).toMatchObject({
      status: expect.stringMatching(/issued|sent/),
      openAmount: 130_900,
    });
    expect(await receivable(customer.id)).toBe(130_900);
    expect((await checkLedger(orm().em.fork())).ok).toBe(true);
    // The corrected invoice has its own workflow, which delivers it.
    await kit.real.mail.waitFor(
      (m) => m.to.includes(customer.email) && m.subject.startsWith('Invoice ') && m.subject.includes('EUR 1,309.00'),
    );
    // Its reminder and overdue timers would outlive this test's worker and hold the shared test server's clock.
    kit.endAfterTest(workflowIds.invoice(reissue.reissuedInvoice.id));
  });
});
